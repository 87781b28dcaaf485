"""An AWS SDK's resend of a call is answered as its first attempt was.

The SDKs resend a request whose answer they did not get or could not use (a 5xx, a broken
connection) with the same ``amz-sdk-invocation-id`` header, "a unique identifier that stays the same
across retries", and ``amz-sdk-request: attempt=N; max=M``
(https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html). The sandbox, a
development server sharing two cores with Terraform, loses an answer now and then under load: the
AWS provider's CreateFunction (in CI) and CreateRole (in a clean-clone run) were answered 409
"already exists" by their own resends, the first attempt having created the resource; moto logged
no error, so the answers were lost on the way. That failure is the sandbox's, not the module's.

So the sandbox keeps its answers (status below 500) to the latest calls and answers a resend with
the first attempt's answer; a call whose first answer was a 5xx, or is no longer kept, runs again.
Every resend is logged (a notice, sandbox.notices), so how often answers get lost stays visible.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sandbox.notices import notice

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

KEPT_ANSWERS = 2000
_ATTEMPT = re.compile(r"attempt=(\d+)")


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def attempt_of(environ: dict[str, Any]) -> int:
    """The attempt number the SDK put in ``amz-sdk-request`` (1 when absent)."""
    found = _ATTEMPT.search(str(environ.get("HTTP_AMZ_SDK_REQUEST", "")))
    return int(found.group(1)) if found else 1


class AnswerReplay:
    def __init__(self, app: WsgiApp, kept: int = KEPT_ANSWERS) -> None:
        self._app = app
        self._kept = kept
        self._answers: OrderedDict[str, Answer] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        call = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not call:
            return self._app(environ, start_response)
        attempt = attempt_of(environ)
        if attempt > 1:
            with self._lock:
                first = self._answers.get(call)
            self._log(environ, call, attempt, first)
            if first is not None:
                start_response(first.status, first.headers)
                return [first.body]
        answer = self._run(environ)
        if int(answer.status.split(" ", 1)[0]) < 500:  # a 5xx: the resend runs the call again
            with self._lock:
                self._answers[call] = answer
                while len(self._answers) > self._kept:
                    self._answers.popitem(last=False)
        start_response(answer.status, answer.headers)
        return [answer.body]

    def _run(self, environ: dict[str, Any]) -> Answer:
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
            started[:] = [status, list(headers)]

        body = b"".join(self._app(environ, start_response))
        return Answer(status=started[0], headers=started[1], body=body)

    @staticmethod
    def _log(environ: dict[str, Any], call: str, attempt: int, first: Answer | None) -> None:
        operation = environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO", "")
        outcome = f"answered as attempt 1 was ({first.status})" if first else "run again"
        notice(f"resent call {call} attempt {attempt} {operation}: {outcome}")
