"""Test doubles for the rotator: the sandbox's Secrets Manager rules driving ``lambda_handler``.

The service double itself (Invoker, Service) is ``rotation_testing``'s, the helper users run their
own strategies with: one description of the service for both.

The rules are the service double (``rotation_testing.secretsmanager.installed``, on ``mock_aws``):
the same description of the service that ``make demo`` and the end-to-end tests use, so no test
patches moto here. moto runs Lambda code only in Docker, so the step invoker the sandbox accepts
calls ``rotator.handler.lambda_handler`` in process, with the event the service sends.

RotateSecret answers before the steps run ("starts the asynchronous process of rotating the
secret", API_RotateSecret): the sandbox's worker thread runs them, and ``Service`` waits on that
worker (``wait_for_rotation``, no polling) before it reads the outcome.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import EndpointConnectionError

from rotation_testing.testbed import (
    NOT_STARTED,
    FakeContext,
    Invoker,
    RotationFailedError,
    Service,
)

__all__ = ["NOT_STARTED", "FakeContext", "Invoker", "RotationFailedError", "Service"]

EVENTS = Path(__file__).resolve().parent.parent / "events"
ROTATOR_VARIABLES = (
    "PASSWORD_LENGTH",
    "EXCLUDE_CHARACTERS",
    "EXCLUDE_NUMBERS",
    "EXCLUDE_PUNCTUATION",
    "EXCLUDE_UPPERCASE",
    "EXCLUDE_LOWERCASE",
    "INCLUDE_SPACE",
    "REQUIRE_EACH_INCLUDED_TYPE",
    "ROTATE_KEYS",
    "ROTATION_STRATEGY",
    "LOG_LEVEL",
    "SECRETS_MANAGER_ENDPOINT",
    "CUSTOM_STRATEGY",
)
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def load_event(name: str, **fill: str) -> dict[str, Any]:
    """An event from tests/events/<name>.json with its placeholders replaced.

    Placeholders are the upper-case field names in angle brackets, e.g. ``<SECRET_ID>``.
    """
    text = (EVENTS / f"{name}.json").read_text()
    for placeholder, value in fill.items():
        text = text.replace(f"<{placeholder.upper()}>", value)
    event: dict[str, Any] = json.loads(text)
    return event


def step_event(step: str, secret_id: str, token: str) -> dict[str, Any]:
    names = {
        "createSecret": "create_secret",
        "setSecret": "set_secret",
        "testSecret": "test_secret",
        "finishSecret": "finish_secret",
    }
    return load_event(names[step], secret_id=secret_id, token=token)


@dataclass
class CallLog:
    """Secrets Manager API calls the rotator's client makes (once per call, not per retry)."""

    calls: list[str] = field(default_factory=list)

    def __call__(self, event_name: str, **_: Any) -> None:
        self.calls.append(event_name.rsplit(".", 1)[-1])

    def by_api(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for api in self.calls:
            counts[api] = counts.get(api, 0) + 1
        return counts


@dataclass
class Outage:
    """From the ``nth`` call of ``api`` on, every attempt fails to connect, until healed."""

    api: str | None = None
    nth: int = 1
    seen: int = 0
    active: bool = False
    failed_attempts: int = 0

    def start_at(self, api: str, nth: int = 1) -> None:
        self.api, self.nth, self.seen, self.active, self.failed_attempts = api, nth, 0, False, 0

    def heal(self) -> None:
        self.api, self.active = None, False

    def on_call(self, event_name: str, **_: Any) -> None:
        """before-call: once per API call (retries do not emit it again)."""
        if self.api is not None and event_name.endswith("." + self.api):
            self.seen += 1
            if self.seen == self.nth:
                self.active = True

    def on_send(self, request: Any, **_: Any) -> None:
        """before-send: once per attempt; answering here means the request never leaves."""
        if self.active:
            self.failed_attempts += 1
            raise EndpointConnectionError(endpoint_url=request.url)
