"""Cross-account rotation: the event's RotationToken reaches PutSecretValue, and nothing else.

Secrets Manager sends RotationToken when a function rotates a secret of another account through
an assumed role, and PutSecretValue then requires it ("Required for secret rotations using an IAM
assumed role or cross-account rotation", API_PutSecretValue). moto accepts and ignores the
parameter, so these tests read what the rotator's client sends. That it never reaches a log is
checked by the leak search in test_rotator_logging.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from rotator_harness import FakeContext, Service, step_event

from rotator import handler
from rotator.errors import InvalidEventError
from rotator.events import parse_event

ROTATION_TOKEN = "a1b2c3d4-0000-4000-8000-rotation-token-xyz"


class SentParams:
    """The parameters of every API call the rotator's client makes, by API name."""

    def __init__(self) -> None:
        self.by_api: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.by_api.setdefault(model.name, []).append(dict(params))


@pytest.fixture
def sent(rotator_client: Any) -> SentParams:
    recorder = SentParams()
    rotator_client.meta.events.register("before-parameter-build.secrets-manager", recorder)
    return recorder


def test_put_secret_value_carries_the_events_rotation_token(
    service: Service, sent: SentParams
) -> None:
    service.invoker.event_fields = {"RotationToken": ROTATION_TOKEN}
    arn = service.create("cross", json.dumps({"password": "initial-value-1"}))

    service.rotate(arn)

    puts = sent.by_api["PutSecretValue"]
    assert [p.get("RotationToken") for p in puts] == [ROTATION_TOKEN]
    assert json.loads(service.value(arn))["password"] != "initial-value-1"


def test_same_account_rotation_sends_no_rotation_token(service: Service, sent: SentParams) -> None:
    arn = service.create("local", "initial-value-2")

    service.rotate(arn)

    assert [p for p in sent.by_api["PutSecretValue"] if "RotationToken" in p] == []
    assert service.value(arn) != "initial-value-2"


def test_only_put_secret_value_carries_the_rotation_token(
    service: Service, sent: SentParams
) -> None:
    service.invoker.event_fields = {"RotationToken": ROTATION_TOKEN}
    arn = service.create("only-put", "initial-value-3")

    service.rotate(arn)

    carrying = {api for api, calls in sent.by_api.items() for p in calls if "RotationToken" in p}
    assert carrying == {"PutSecretValue"}
    assert {"DescribeSecret", "UpdateSecretVersionStage"} <= set(sent.by_api)


def test_rotation_token_is_not_in_the_events_repr() -> None:
    event = step_event("createSecret", "arn:aws:secretsmanager:us-east-1:1:secret:s", "t" * 36)
    parsed = parse_event({**event, "RotationToken": ROTATION_TOKEN})

    assert parsed.rotation_token == ROTATION_TOKEN
    assert ROTATION_TOKEN not in repr(parsed)


def test_non_string_rotation_token_is_rejected_without_echoing_it(
    service: Service, sent: SentParams
) -> None:
    arn = service.create("bad-token", "initial-value-4")
    token = service.stage(arn)
    event = {**step_event("createSecret", arn, token), "RotationToken": ["secret-ish-987654"]}

    with pytest.raises(InvalidEventError) as raised:
        handler.lambda_handler(event, FakeContext())

    assert "RotationToken is a list, not a string" in str(raised.value)
    assert "secret-ish-987654" not in str(raised.value)
    assert sent.by_api == {}
