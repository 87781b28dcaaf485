"""Each guard of the generic strategy and the client, tested by the harm it prevents.

testSecret is the last check before finishSecret makes AWSPENDING the value every reader gets.
A pending value that something other than createSecret wrote (or a createSecret of an older
version) must stop the rotation there: the step fails with an error that says what is wrong, and
AWSCURRENT keeps the value it had.
"""

from __future__ import annotations

import json
import secrets
import traceback
from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError
from rotator_harness import Service

from rotator.errors import (
    PendingValueInvalidError,
    PendingValueMissingError,
    RotationNotEnabledError,
    SecretsManagerUnavailableError,
    TokenNotPendingError,
    UnexpectedStepError,
)
from rotator.secret_store import SecretStore
from rotator.values import regenerate

ORIGINAL = {"username": "app", "password": "original-password", "port": 5432}


def _stage_with_pending(service: Service, sm: Any, current: str, pending: str) -> tuple[str, str]:
    """A secret holding ``current``, with ``pending`` written under AWSPENDING by someone else."""
    arn = service.create("guarded", current)
    token = service.stage(arn)
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString=pending, VersionStages=["AWSPENDING"]
    )
    return arn, token


def _assert_nothing_promoted(service: Service, arn: str, token: str, current: str) -> None:
    assert service.value(arn) == current
    assert service.stages(arn)[token] == ["AWSPENDING"]


@pytest.mark.parametrize(
    "bad_password",
    [
        pytest.param("", id="empty"),
        pytest.param(" \t", id="blank"),
        pytest.param(12345, id="number"),
        pytest.param(None, id="null"),
    ],
)
def test_test_secret_rejects_a_rotated_key_that_is_not_a_non_empty_string(
    service: Service, sm: Any, bad_password: Any
) -> None:
    current = json.dumps(ORIGINAL)
    pending = json.dumps({**ORIGINAL, "password": bad_password})
    arn, token = _stage_with_pending(service, sm, current, pending)

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert (
        raised.value.problem == "AWSPENDING has no non-empty string under rotated key(s) password"
    )

    _assert_nothing_promoted(service, arn, token, current)


def test_test_secret_rejects_a_pending_value_with_an_extra_key(service: Service, sm: Any) -> None:
    current = json.dumps(ORIGINAL)
    pending = json.dumps({**ORIGINAL, "password": "fresh-password", "admin": "true"})
    arn, token = _stage_with_pending(service, sm, current, pending)

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert raised.value.problem == (
        "AWSPENDING does not have the same JSON keys as AWSCURRENT "
        "(missing: none; extra: ['admin'])"
    )

    _assert_nothing_promoted(service, arn, token, current)


def test_test_secret_rejects_a_blank_plain_pending_value(service: Service, sm: Any) -> None:
    # The service refuses an empty SecretString (minimum length 1); whitespace gets through.
    arn, token = _stage_with_pending(service, sm, "original-plain-password", "   ")

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert raised.value.problem == "the AWSPENDING value is empty or only whitespace"

    _assert_nothing_promoted(service, arn, token, "original-plain-password")


def test_test_secret_accepts_a_well_formed_pending_value(service: Service, sm: Any) -> None:
    """The other side of the guards above: a value of the right shape passes and is promoted."""
    pending = json.dumps({**ORIGINAL, "password": "fresh-password"})
    arn, token = _stage_with_pending(service, sm, json.dumps(ORIGINAL), pending)

    service.run("testSecret", arn, token)
    service.run("finishSecret", arn, token)

    assert service.value(arn) == pending


def test_plain_secret_is_never_replaced_by_a_value_that_reads_as_json() -> None:
    """A plain password that parses as JSON would fail the next rotation: it is drawn again."""
    candidates = iter(["[1, 2]", '"quoted"', '{"a": 1}', "{broken", "plain-password"])

    assert regenerate("old-plain", (), lambda: next(candidates)) == "plain-password"


def _failing_first_attempts(rotator_client: Any, api: str, failures: int) -> list[str]:
    """Every attempt of ``api`` fails to connect until ``failures`` attempts have failed."""
    attempts: list[str] = []

    def on_send(request: Any, **_: Any) -> None:
        attempts.append(api)
        if len(attempts) <= failures:
            raise EndpointConnectionError(endpoint_url=request.url)

    rotator_client.meta.events.register_first(f"before-send.secrets-manager.{api}", on_send)
    return attempts


def test_two_failed_connections_are_absorbed_by_the_clients_retries(
    service: Service, rotator_client: Any
) -> None:
    arn = service.create("retried", json.dumps(ORIGINAL))
    token = service.stage(arn)
    attempts = _failing_first_attempts(rotator_client, "PutSecretValue", failures=2)

    service.run("createSecret", arn, token)

    assert len(attempts) == 3, "two failed attempts, then the one that stored the value"
    assert json.loads(service.value(arn, "AWSPENDING")).keys() == ORIGINAL.keys()


def test_three_failed_connections_fail_the_step_and_write_nothing(
    service: Service, rotator_client: Any
) -> None:
    arn = service.create("unreachable", json.dumps(ORIGINAL))
    token = service.stage(arn)
    attempts = _failing_first_attempts(rotator_client, "PutSecretValue", failures=3)

    with pytest.raises(SecretsManagerUnavailableError, match="PutSecretValue failed after 3"):
        service.run("createSecret", arn, token)

    assert len(attempts) == 3, "the first attempt and two retries, no more"
    assert json.loads(service.value(arn)) == ORIGINAL
    assert service.stages(arn)[token] == ["AWSPENDING"]
    with pytest.raises(service.sm.exceptions.ResourceNotFoundException):
        service.value(arn, "AWSPENDING")  # staged by RotateSecret, still without a value


def test_unexpected_exception_leaves_as_a_rotation_error_without_its_message(
    service: Service, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("unexpected", json.dumps(ORIGINAL))
    token = service.stage(arn)
    secret = f"leaked-{secrets.token_hex(12)}"

    def describe(self: SecretStore, secret_id: str) -> Any:
        raise KeyError(secret)

    monkeypatch.setattr(SecretStore, "describe", describe)
    with pytest.raises(UnexpectedStepError) as raised:
        service.run("setSecret", arn, token)

    message = str(raised.value)
    assert message.startswith(f"setSecret of secret {arn}: ")
    assert "KeyError" in message
    # What the Lambda runtime prints for an exception leaving the handler, and the step's log.
    printed = "".join(traceback.format_exception(raised.value))
    captured = capfd.readouterr()
    assert secret not in printed + captured.out + captured.err


def test_test_secret_before_create_secret_says_to_run_create_secret_first(
    service: Service,
) -> None:
    arn = service.create("early", json.dumps(ORIGINAL))
    token = service.stage(arn)

    with pytest.raises(PendingValueMissingError) as raised:
        service.run("testSecret", arn, token)

    assert (
        raised.value.problem == f"version {token} holds no value: createSecret has not stored one"
    )
    assert str(raised.value).endswith(
        "Run createSecret for this token first (the service does when it retries the rotation)"
    )
    assert json.loads(service.value(arn)) == ORIGINAL


def test_a_secret_never_set_up_for_rotation_is_refused_with_how_to_enable_it(
    service: Service, sm: Any
) -> None:
    arn = service.create("manual", "value-123456")
    token = "11111111-2222-3333-4444-555555555555"
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString="other", VersionStages=["AWSPENDING"]
    )

    with pytest.raises(RotationNotEnabledError) as raised:
        service.run("testSecret", arn, token)

    assert str(raised.value) == (
        f"testSecret of secret {arn}: rotation is not enabled on the secret. Enable rotation on "
        "the secret (RotateSecret with a RotationLambdaARN) before rotating"
    )


def test_a_token_with_other_labels_is_refused_naming_each_label(service: Service, sm: Any) -> None:
    arn = service.create("labelled", "value-123456")
    old = service.rotate(arn)
    service.rotate(arn)  # `old` now holds AWSPREVIOUS
    sm.update_secret_version_stage(SecretId=arn, VersionStage="RELEASE-7", MoveToVersionId=old)
    labels = service.stages(arn)[old]
    assert sorted(labels) == ["AWSPREVIOUS", "RELEASE-7"]

    with pytest.raises(TokenNotPendingError) as raised:
        service.run("createSecret", arn, old)

    assert raised.value.problem == f"version {old} has {', '.join(labels)}, not AWSPENDING"


def test_test_secret_rejects_a_pending_value_missing_a_key(service: Service, sm: Any) -> None:
    current = json.dumps(ORIGINAL)
    pending = json.dumps({"password": "fresh-password", "port": 5432})
    arn, token = _stage_with_pending(service, sm, current, pending)

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert raised.value.problem == (
        "AWSPENDING does not have the same JSON keys as AWSCURRENT "
        "(missing: ['username']; extra: none)"
    )
    _assert_nothing_promoted(service, arn, token, current)


def test_test_secret_names_every_rotated_key_without_a_value(
    service: Service, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "password,api_key")
    current = json.dumps({"password": "a", "api_key": "b"})
    arn, token = _stage_with_pending(
        service, sm, current, json.dumps({"password": "", "api_key": 7})
    )

    with pytest.raises(PendingValueInvalidError) as raised:
        service.run("testSecret", arn, token)

    assert raised.value.problem == (
        "AWSPENDING has no non-empty string under rotated key(s) password, api_key"
    )
