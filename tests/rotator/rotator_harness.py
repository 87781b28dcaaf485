"""Test doubles for the rotator: moto's Secrets Manager driving ``lambda_handler`` in process.

moto runs Lambda code only in Docker, so its invocation is replaced by a direct call of
``rotator.handler.lambda_handler``. Three more places where moto differs from the service are
patched (see conftest.py) to follow the documented behaviour, because the rotator relies on it:

* a step that fails stops the rotation (moto ignores the failure and promotes an empty version);
* PutSecretValue on a version that already holds a value succeeds only with the same data and
  fails with ResourceExistsException otherwise (moto overwrites any AWSPENDING version);
  https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html
* after a successful rotation the service removes AWSPENDING (moto leaves it on the new current
  version and then refuses the next rotation).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from moto.awslambda.models import LambdaFunction
from moto.secretsmanager.models import SecretsManagerBackend

from rotator import handler

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


def clears_pending_after_success(original: Callable[..., Any]) -> Callable[..., Any]:
    def rotate_secret(
        self: SecretsManagerBackend, secret_id: str, *args: Any, **kwargs: Any
    ) -> Any:
        result = original(self, secret_id, *args, **kwargs)
        secret = self.secrets[secret_id]
        for version in secret.versions.values():
            stages = version["version_stages"]
            if "AWSCURRENT" in stages and "AWSPENDING" in stages:
                stages.remove("AWSPENDING")
        return result

    return rotate_secret


class StopBeforeSteps(Exception):
    """Raised by the fake Lambda to leave a rotation staged but not started."""


@dataclass
class Invoker:
    """The fake Lambda: runs lambda_handler in process, in the same order as the service."""

    run_steps: bool = True
    events: list[dict[str, Any]] = field(default_factory=list)
    before_each: Callable[[], None] | None = None
    # Fields the service adds to some events, e.g. RotationToken for cross-account rotation.
    event_fields: dict[str, str] = field(default_factory=dict)

    def __call__(self, function: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
        if not self.run_steps:
            raise StopBeforeSteps
        event = {**event, **self.event_fields}
        self.events.append(event)
        if self.before_each is not None:
            self.before_each()
        # An exception propagates out of moto's rotate_secret before it promotes anything and
        # out of the RotateSecret call: the step failed, the rotation stopped.
        handler.lambda_handler(event, FakeContext())
        return "", False, ""


@dataclass
class Service:
    """Secrets Manager as the rotation service: start rotations, run steps, read the state."""

    sm: Any
    function_arn: str
    invoker: Invoker

    def create(self, name: str, value: str) -> str:
        arn: str = self.sm.create_secret(Name=name, SecretString=value)["ARN"]
        return arn

    def rotate(self, secret_id: str) -> str:
        """RotateSecret: stage a version and run the four steps. Returns the token."""
        token = str(uuid.uuid4())
        self.sm.rotate_secret(
            SecretId=secret_id,
            ClientRequestToken=token,
            RotationLambdaARN=self.function_arn,
            RotationRules={"AutomaticallyAfterDays": 30},
        )
        return token

    def stage(self, secret_id: str, token: str | None = None) -> str:
        """RotateSecret up to the first invocation: AWSPENDING staged without a value."""
        token = token or str(uuid.uuid4())
        self.invoker.run_steps = False
        try:
            with pytest.raises(StopBeforeSteps):
                self.sm.rotate_secret(
                    SecretId=secret_id,
                    ClientRequestToken=token,
                    RotationLambdaARN=self.function_arn,
                    RotationRules={"AutomaticallyAfterDays": 30},
                )
        finally:
            self.invoker.run_steps = True
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
