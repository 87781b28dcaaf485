"""An SDK's resend of a call gets the answer its first attempt got (sandbox.resends).

In CI the AWS provider's CreateRole and CreateFunction were refused as duplicates by their own
resends: the first attempt had created the resource and its answer never reached the client.
"""

from __future__ import annotations

import time
import urllib.request
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from sandbox_helpers import unique

from sandbox.notices import PREFIX
from sandbox.resends import AnswerReplay
from sandbox.server import Sandbox

StartResponse = Callable[..., Any]


class CountingApp:
    """A stand-in for moto that answers with a fixed status and counts its calls."""

    def __init__(self, status: str = "200 OK") -> None:
        self.status = status
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        del environ
        self.calls += 1
        start_response(self.status, [("Content-Type", "application/json")])
        return [f'{{"call": {self.calls}}}'.encode()]


def request(call: str | None, attempt: int) -> dict[str, Any]:
    environ: dict[str, Any] = {"PATH_INFO": "/", "REQUEST_METHOD": "POST"}
    if call is not None:
        environ["HTTP_AMZ_SDK_INVOCATION_ID"] = call
        environ["HTTP_AMZ_SDK_REQUEST"] = f"attempt={attempt}; max=25"
    return environ


def answer(app: AnswerReplay, environ: dict[str, Any]) -> tuple[str, bytes]:
    statuses: list[str] = []
    body = b"".join(app(environ, lambda status, _headers: statuses.append(status)))
    return statuses[0], body


def test_a_resend_gets_the_first_answer_without_running_the_call_again(
    capsys: pytest.CaptureFixture[str],
) -> None:
    moto = CountingApp()
    app = AnswerReplay(moto)
    first = answer(app, request("call-1", 1))

    again = answer(app, request("call-1", 2))

    assert again == first == ("200 OK", b'{"call": 1}')
    assert moto.calls == 1
    assert f"{PREFIX}resent call call-1 attempt 2" in capsys.readouterr().err


def test_a_call_whose_first_answer_was_a_5xx_runs_again() -> None:
    moto = CountingApp("500 Internal Server Error")
    app = AnswerReplay(moto)
    answer(app, request("call-1", 1))
    moto.status = "200 OK"

    assert answer(app, request("call-1", 2)) == ("200 OK", b'{"call": 2}')
    assert moto.calls == 2


def test_new_calls_and_calls_without_an_id_run_every_time() -> None:
    moto = CountingApp()
    app = AnswerReplay(moto)
    answer(app, request("call-1", 1))
    answer(app, request("call-2", 1))
    answer(app, request(None, 1))
    answer(app, request(None, 1))
    # A new first attempt under a known id is the SDK starting again: run it.
    answer(app, request("call-1", 1))
    assert moto.calls == 5


def test_only_the_latest_answers_are_kept() -> None:
    moto = CountingApp()
    app = AnswerReplay(moto, kept=2)
    for call in ("a", "b", "c"):
        answer(app, request(call, 1))

    answer(app, request("a", 2))  # forgotten: runs again
    answer(app, request("c", 2))  # kept: answered as before
    assert moto.calls == 4


def test_the_sandbox_answers_a_resent_create_as_it_answered_the_first(
    sandbox: Sandbox, aws: Callable[[str], Any]
) -> None:
    """A CreateSecret sent again by the SDK, byte for byte, as attempt 2."""
    secrets = aws("secretsmanager")
    sent: list[AWSPreparedRequest] = []
    secrets.meta.events.register("before-send", lambda request, **_: sent.append(request))
    name = unique("resent")
    first = secrets.create_secret(Name=name)
    (original,) = sent

    headers = {
        key: value.decode() if isinstance(value, bytes) else value
        for key, value in original.headers.items()
    }
    headers["amz-sdk-request"] = "attempt=2; max=3"
    resend = urllib.request.Request(  # noqa: S310  the sandbox's own URL
        original.url, data=original.body, headers=headers, method="POST"
    )
    with urllib.request.urlopen(resend, timeout=30) as answered:  # noqa: S310
        again = answered.read()

    assert first["ARN"].encode() in again
    # Another call (a new invocation id) for the same name is refused, as AWS refuses it.
    with pytest.raises(secrets.exceptions.ResourceExistsException):
        secrets.create_secret(Name=name)
    deadline = time.monotonic() + 10
    while not sandbox.notices() and time.monotonic() < deadline:
        time.sleep(0.05)
    call = headers["amz-sdk-invocation-id"]
    uuid.UUID(call)  # the SDK's own id, not one made up here
    assert any(call in line for line in sandbox.notices())
