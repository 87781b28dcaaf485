"""Test doubles for the rotator: the sandbox's Secrets Manager rules driving ``lambda_handler``.

The rules are the sandbox's own (``sandbox.secretsmanager.installed``, over moto's ``mock_aws``):
the same description of the service that ``make demo`` and the end-to-end tests use, so no test
patches moto here. moto runs Lambda code only in Docker, so the step invoker the sandbox accepts
calls ``rotator.handler.lambda_handler`` in process, with the event the service sends.

RotateSecret answers before the steps run ("starts the asynchronous process of rotating the
secret", API_RotateSecret): the sandbox's worker thread runs them, and ``Service`` waits on that
worker (``wait_for_rotation``, no polling) before it reads the outcome.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.exceptions import EndpointConnectionError

from rotator import handler
from sandbox import secretsmanager

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
class FakeContext:
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))


class RotationFailedError(Exception):
    """A rotation the service reports failed without an exception from the function."""


# What the invoker answers the service for a rotation ``Service.stage`` leaves unstarted.
NOT_STARTED = "NotStarted: the test stages this rotation and runs its steps itself"


@dataclass
class Invoker:
    """The service's step invoker: lambda_handler in process, with the service's event.

    An exception from the function is kept for the test (the service sees only its text), so
    ``Service.rotate`` raises what the function raised.
    """

    run_steps: bool = True
    events: list[dict[str, Any]] = field(default_factory=list)
    before_each: Callable[[], None] | None = None
    # Fields the service adds to some events, e.g. RotationToken for cross-account rotation.
    event_fields: dict[str, str] = field(default_factory=dict)
    error: BaseException | None = None

    def __call__(self, secret: Any, lambda_arn: str, step: str, token: str) -> str | None:
        del lambda_arn
        if not self.run_steps:
            # The function failed before it did anything (as a timeout would): the service
            # leaves the AWSPENDING version it staged, without a value.
            return NOT_STARTED
        event: dict[str, Any] = {
            **secretsmanager.step_event(secret, step, token),
            **self.event_fields,
        }
        self.events.append(event)
        # BaseException too: on the worker thread, anything not caught here (pytest.fail in a
        # hook included) would end the worker and leave the test waiting.
        try:
            if self.before_each is not None:
                self.before_each()
            handler.lambda_handler(event, FakeContext())
        except BaseException as exc:  # noqa: BLE001  handed to the test's thread by Service
            self.error = exc
            return f"{type(exc).__name__}: {exc}"
        return None


@dataclass
class Service:
    """Secrets Manager as the rotation service: start rotations, run steps, read the state."""

    sm: Any
    function_arn: str
    invoker: Invoker

    def create(self, name: str, value: str) -> str:
        arn: str = self.sm.create_secret(Name=name, SecretString=value)["ARN"]
        return arn

    def wait(self, secret_id: str) -> dict[str, Any]:
        """The secret's latest rotation once the service's worker has finished it."""
        rotation = secretsmanager.wait_for_rotation(secret_id)
        assert rotation is not None, f"no rotation of {secret_id} was started"
        assert rotation["outcome"] != "running", f"rotation of {secret_id} did not finish"
        return rotation

    def rotate(self, secret_id: str, token: str | None = None) -> str:
        """RotateSecret and wait for the four steps. Returns the token; raises if one failed."""
        token = token or str(uuid.uuid4())
        self.invoker.error = None
        self.sm.rotate_secret(
            SecretId=secret_id,
            ClientRequestToken=token,
            RotationLambdaARN=self.function_arn,
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        rotation = self.wait(secret_id)
        if rotation["outcome"] == "failed":
            error, self.invoker.error = self.invoker.error, None
            if error is not None:
                raise error
            raise RotationFailedError(f"{rotation['step']}: {rotation.get('error')}")
        return token

    def stage(self, secret_id: str, token: str | None = None) -> str:
        """RotateSecret whose first invocation does nothing: AWSPENDING staged without a value."""
        token = token or str(uuid.uuid4())
        self.invoker.run_steps = False
        try:
            self.sm.rotate_secret(
                SecretId=secret_id,
                ClientRequestToken=token,
                RotationLambdaARN=self.function_arn,
                RotationRules={"AutomaticallyAfterDays": 30},
            )
            rotation = self.wait(secret_id)
        finally:
            self.invoker.run_steps = True
        assert (rotation["step"], rotation.get("error")) == ("createSecret", NOT_STARTED)
        return token

    def run(self, step: str, secret_id: str, token: str) -> None:
        """One invocation of the function, as the service makes when it (re)tries a step."""
        handler.lambda_handler(step_event(step, secret_id, token), FakeContext())

    def value(self, secret_id: str, stage: str = "AWSCURRENT") -> str:
        value: str = self.sm.get_secret_value(SecretId=secret_id, VersionStage=stage)[
            "SecretString"
        ]
        return value

    def stages(self, secret_id: str) -> dict[str, list[str]]:
        stages: dict[str, list[str]] = self.sm.describe_secret(SecretId=secret_id)[
            "VersionIdsToStages"
        ]
        return stages


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
