"""Bad events are rejected with a message naming what is wrong, before any AWS call."""

from __future__ import annotations

import json

import pytest
from rotator_harness import EVENTS, STEPS, CallLog, FakeContext, Service, load_event

from rotator import handler
from rotator.errors import InvalidEventError
from rotator.events import RotationEvent, parse_event

SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf"
TOKEN = "11111111-2222-3333-4444-555555555555"


@pytest.mark.parametrize(
    ("name", "mentions"),
    [
        ("missing_secret_id", "SecretId"),
        ("missing_token", "ClientRequestToken"),
        ("missing_step", "Step"),
        ("unknown_step", "'deleteSecret', not one of createSecret, setSecret"),
        ("empty_token", "ClientRequestToken must be a non-empty string"),
        ("non_string_step", "Step must be a non-empty string"),
        ("scheduled_event", "SecretId, ClientRequestToken, Step"),
    ],
)
def test_bad_event_is_rejected_before_any_call(
    service: Service, calls: CallLog, name: str, mentions: str
) -> None:
    arn = service.create("s", "value")
    token = service.stage(arn)

    with pytest.raises(InvalidEventError) as raised:
        handler.lambda_handler(load_event(name, secret_id=arn, token=token), FakeContext())

    assert mentions in str(raised.value)
    assert calls.calls == []
    assert service.value(arn) == "value"


@pytest.mark.parametrize("event", [None, "createSecret", ["SecretId"]])
def test_event_that_is_not_an_object_is_rejected(event: object) -> None:
    with pytest.raises(InvalidEventError, match="not a JSON object"):
        parse_event(event)


@pytest.mark.parametrize("step", STEPS)
def test_step_events_parse_to_typed_values(step: str) -> None:
    file = {"createSecret": "create", "setSecret": "set", "testSecret": "test"}.get(step, "finish")
    event = load_event(f"{file}_secret", secret_id=SECRET, token=TOKEN)

    assert parse_event(event) == RotationEvent(secret_id=SECRET, token=TOKEN, step=step)  # type: ignore[arg-type]


def test_event_files_are_valid_json_with_placeholders_only() -> None:
    for path in EVENTS.glob("*.json"):
        text = path.read_text()
        json.loads(text)
        assert "arn:aws" not in text, f"{path.name}: use <SECRET_ID>, the test fills it in"
