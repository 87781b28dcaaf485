"""Rotations driven the way the service drives them: RotateSecret, then the four steps."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from rotator_harness import STEPS, CallLog, Service

from rotator import context
from rotator.errors import (
    MissingRotateKeyError,
    PendingValueInvalidError,
    PendingValueMissingError,
    RotationNotEnabledError,
    SecretNotFoundError,
    SecretsManagerAccessDeniedError,
    SecretsManagerCallError,
    TokenNotPendingError,
    TokenNotStagedError,
    UnsupportedSecretShapeError,
)

DB_SECRET = {
    "engine": "postgres",
    "host": "db.internal",
    "port": 5432,
    "username": "app",
    "password": "initial-password-0",
    "ssl": True,
    "replicas": ["a", "b"],
    "options": {"timeout": 1.5, "tags": None},
}


def test_json_secret_rotates_password_and_keeps_every_other_key(service: Service) -> None:
    arn = service.create("db", json.dumps(DB_SECRET))

    token = service.rotate(arn)

    rotated = json.loads(service.value(arn))
    assert rotated["password"] != DB_SECRET["password"]
    assert len(rotated["password"]) == 32
    assert {k: v for k, v in rotated.items() if k != "password"} == {
        k: v for k, v in DB_SECRET.items() if k != "password"
    }
    assert list(rotated) == list(DB_SECRET), "key order is kept"
    assert service.stages(arn)[token] == ["AWSCURRENT"]
    assert json.loads(service.value(arn, "AWSPREVIOUS")) == DB_SECRET


def test_plain_string_secret_is_replaced_by_a_new_password(service: Service) -> None:
    arn = service.create("api-key", "plain-old-api-key")

    service.rotate(arn)

    new = service.value(arn)
    assert new != "plain-old-api-key"
    assert len(new) == 32
    assert service.value(arn, "AWSPREVIOUS") == "plain-old-api-key"


def test_every_key_in_rotate_keys_is_regenerated(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "password, api_key")
    arn = service.create("two-keys", json.dumps({"password": "p0", "api_key": "k0", "user": "u"}))

    service.rotate(arn)

    rotated = json.loads(service.value(arn))
    assert rotated["password"] not in {"p0", "k0"}
    assert rotated["api_key"] not in {"p0", "k0"}
    assert rotated["password"] != rotated["api_key"]
    assert rotated["user"] == "u"


def test_three_rotations_in_a_row_each_promote_a_new_value(service: Service) -> None:
    arn = service.create("db", json.dumps(DB_SECRET))
    seen = [DB_SECRET["password"]]

    for _ in range(3):
        token = service.rotate(arn)
        seen.append(json.loads(service.value(arn))["password"])
        assert json.loads(service.value(arn, "AWSPREVIOUS"))["password"] == seen[-2]
        stages = service.stages(arn)
        assert stages[token] == ["AWSCURRENT"]
        assert not any("AWSPENDING" in s for s in stages.values())

    assert len(set(seen)) == 4


def test_generic_rotation_makes_at_most_seven_calls(service: Service, calls: CallLog) -> None:
    arn = service.create("db", json.dumps(DB_SECRET))

    service.rotate(arn)

    assert len(calls.calls) <= 7
    assert calls.by_api() == {
        "DescribeSecret": 3,
        "GetSecretValue": 2,
        "PutSecretValue": 1,
        "UpdateSecretVersionStage": 1,
    }


def test_test_secret_in_a_fresh_container_checks_state_and_reads_current(
    service: Service, calls: CallLog
) -> None:
    arn = service.create("db", json.dumps(DB_SECRET))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    service.run("setSecret", arn, token)
    context.forget_all()  # testSecret lands on another container
    calls.calls.clear()

    service.run("testSecret", arn, token)

    assert calls.calls == ["GetSecretValue", "DescribeSecret", "GetSecretValue"]


@pytest.mark.parametrize("value", [json.dumps(DB_SECRET), "plain-value"])
def test_every_step_run_twice_gives_the_same_result(service: Service, value: str) -> None:
    arn = service.create("s", value)
    token = service.stage(arn)
    pending = None

    for step in STEPS:
        service.run(step, arn, token)
        after_first = (service.stages(arn), service.value(arn))
        if step == "createSecret":
            pending = service.value(arn, "AWSPENDING")
        service.run(step, arn, token)
        assert (service.stages(arn), service.value(arn)) == after_first
        if step == "createSecret":
            assert service.value(arn, "AWSPENDING") == pending, "no second pending value"

    assert service.value(arn) == pending
    assert service.value(arn, "AWSPREVIOUS") == value


def test_create_secret_on_a_fresh_container_keeps_the_stored_pending_value(
    service: Service,
) -> None:
    arn = service.create("s", json.dumps(DB_SECRET))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    pending = service.value(arn, "AWSPENDING")
    context.forget_all()

    service.run("createSecret", arn, token)

    assert service.value(arn, "AWSPENDING") == pending


def test_finish_is_noop_when_token_already_current(service: Service, calls: CallLog) -> None:
    arn = service.create("s", "value-1")
    token = service.rotate(arn)
    current = service.value(arn)
    calls.calls.clear()

    for step in STEPS:
        service.run(step, arn, token)

    assert service.value(arn) == current
    assert "PutSecretValue" not in calls.calls
    assert "UpdateSecretVersionStage" not in calls.calls


def _disable_rotation(sm: Any, arn: str) -> None:
    sm.cancel_rotate_secret(SecretId=arn)
    assert not sm.describe_secret(SecretId=arn).get("RotationEnabled")


@pytest.mark.parametrize("step", STEPS)
def test_every_step_refuses_when_rotation_is_disabled(service: Service, sm: Any, step: str) -> None:
    arn = service.create("s", json.dumps(DB_SECRET))
    token = service.stage(arn)
    if step != "createSecret":
        service.run("createSecret", arn, token)
    context.forget_all()
    _disable_rotation(sm, arn)

    with pytest.raises(RotationNotEnabledError, match="not enabled") as raised:
        service.run(step, arn, token)

    assert arn in str(raised.value)
    assert step in str(raised.value)
    assert json.loads(service.value(arn)) == DB_SECRET


def test_secret_never_set_up_for_rotation_is_refused(service: Service, sm: Any) -> None:
    arn = service.create("s", "value")
    token = "11111111-2222-3333-4444-555555555555"
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString="x", VersionStages=["AWSPENDING"]
    )

    with pytest.raises(RotationNotEnabledError):
        service.run("testSecret", arn, token)


@pytest.mark.parametrize("step", STEPS)
def test_every_step_refuses_a_token_that_is_not_staged(service: Service, step: str) -> None:
    arn = service.create("s", "value")
    service.stage(arn)
    unknown = "00000000-0000-0000-0000-000000000000"

    with pytest.raises(TokenNotStagedError, match=unknown):
        service.run(step, arn, unknown)

    assert service.value(arn) == "value"


@pytest.mark.parametrize("step", STEPS)
def test_every_step_refuses_a_token_that_is_not_pending(service: Service, step: str) -> None:
    arn = service.create("s", "value")
    previous_token = service.rotate(arn)
    service.rotate(arn)  # previous_token now holds AWSPREVIOUS

    with pytest.raises(TokenNotPendingError, match="AWSPREVIOUS"):
        service.run(step, arn, previous_token)


def test_test_secret_reports_missing_pending_value(service: Service) -> None:
    arn = service.create("s", "value")
    token = service.stage(arn)
    service.run("setSecret", arn, token)  # leaves the memo a warm container has

    with pytest.raises(PendingValueMissingError, match="createSecret"):
        service.run("testSecret", arn, token)


def test_missing_rotate_key_fails_names_key_and_writes_nothing(
    service: Service, monkeypatch: pytest.MonkeyPatch, calls: CallLog
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "password,api_key")
    arn = service.create("s", json.dumps({"password": "p"}))

    with pytest.raises(MissingRotateKeyError, match=r"'api_key'.*ROTATE_KEYS") as raised:
        service.rotate(arn)

    assert arn in str(raised.value)
    assert "createSecret" in str(raised.value)
    assert "PutSecretValue" not in calls.calls
    assert json.loads(service.value(arn)) == {"password": "p"}
    assert not any("AWSCURRENT" in s and len(s) > 1 for s in service.stages(arn).values())


@pytest.mark.parametrize(
    "value",
    ['["a", "b"]', '"a json string"', "true", "null", "42", '{"broken": '],
    ids=["array", "string-literal", "boolean", "null", "number", "malformed-object"],
)
def test_json_that_is_not_an_object_is_a_clear_error(
    service: Service, calls: CallLog, value: str
) -> None:
    arn = service.create("s", value)

    with pytest.raises(UnsupportedSecretShapeError) as raised:
        service.rotate(arn)

    message = str(raised.value)
    assert "createSecret" in message
    assert arn in message
    assert "PutSecretValue" not in calls.calls
    assert service.value(arn) == value
    if value.startswith("{"):
        assert "broken" not in message, "parse errors never echo the value"


def test_digits_with_a_leading_zero_are_a_plain_password(service: Service) -> None:
    # Not a JSON number (JSON forbids leading zeros), so the whole value is the password.
    arn = service.create("pin", "01234567")

    service.rotate(arn)

    assert service.value(arn) != "01234567"


def test_binary_secret_is_a_clear_error(service: Service, sm: Any) -> None:
    arn = sm.create_secret(Name="bin", SecretBinary=b"\x00\x01")["ARN"]

    with pytest.raises(UnsupportedSecretShapeError, match="SecretBinary"):
        service.rotate(arn)


def test_test_secret_rejects_pending_value_of_another_shape(service: Service, sm: Any) -> None:
    arn = service.create("s", json.dumps({"username": "u", "password": "p"}))
    token = service.stage(arn)
    # Something other than createSecret filled the pending version, without `username`.
    sm.put_secret_value(
        SecretId=arn,
        ClientRequestToken=token,
        SecretString=json.dumps({"password": "new"}),
        VersionStages=["AWSPENDING"],
    )
    service.run("setSecret", arn, token)

    with pytest.raises(PendingValueInvalidError, match="missing: \\['username'\\]"):
        service.run("testSecret", arn, token)

    assert json.loads(service.value(arn)) == {"username": "u", "password": "p"}


def test_test_secret_rejects_plain_pending_for_json_current(service: Service, sm: Any) -> None:
    arn = service.create("s", json.dumps({"password": "p"}))
    token = service.stage(arn)
    sm.put_secret_value(
        SecretId=arn, ClientRequestToken=token, SecretString="plain", VersionStages=["AWSPENDING"]
    )

    with pytest.raises(PendingValueInvalidError, match="plain string"):
        service.run("testSecret", arn, token)


def test_failed_step_stops_rotation_without_promoting(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "nope")
    arn = service.create("s", json.dumps({"password": "p"}))

    with pytest.raises(MissingRotateKeyError):
        service.rotate(arn)

    assert json.loads(service.value(arn)) == {"password": "p"}
    assert not any("AWSPREVIOUS" in stages for stages in service.stages(arn).values())


def test_retried_create_secret_in_the_same_container_writes_nothing(
    service: Service, calls: CallLog
) -> None:
    arn = service.create("s", json.dumps(DB_SECRET))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    calls.calls.clear()

    service.run("createSecret", arn, token)

    assert calls.calls == ["DescribeSecret"]


def test_rotate_immediately_false_tests_on_a_version_the_service_removes(
    service: Service, sm: Any
) -> None:
    arn = service.create("s", json.dumps(DB_SECRET))
    before = service.stages(arn)

    sm.rotate_secret(
        SecretId=arn,
        RotationLambdaARN=service.function_arn,
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    rotation = service.wait(arn)

    # "Secrets Manager tests the rotation configuration by running the testSecret step of the
    # Lambda rotation function. The test creates an AWSPENDING version of the secret and then
    # removes it." (API_RotateSecret, RotateImmediately)
    assert rotation["outcome"] == "succeeded"
    assert [event["Step"] for event in service.invoker.events] == ["testSecret"]
    assert service.invoker.events[0]["ClientRequestToken"] == rotation["token"]
    assert service.stages(arn) == before
    assert json.loads(service.value(arn)) == DB_SECRET
    assert sm.describe_secret(SecretId=arn)["RotationEnabled"]


def test_service_invokes_each_step_with_the_secret_arn(service: Service) -> None:
    arn = service.create("by-name", "value")

    token = service.rotate("by-name")

    assert service.invoker.events == [
        {"Step": step, "SecretId": arn, "ClientRequestToken": token} for step in STEPS
    ]


def test_rotation_is_refused_without_an_invoke_permission(
    service: Service, test_clients: dict[str, Any]
) -> None:
    arn = service.create("s", "value")
    test_clients["lambda"].remove_permission(
        FunctionName=service.function_arn, StatementId="SecretsManager"
    )

    with pytest.raises(ClientError, match="AccessDeniedException"):
        service.rotate(arn)

    assert service.invoker.events == []
    assert list(service.stages(arn).values()) == [["AWSCURRENT"]]


def test_failed_rotation_leaves_its_empty_version_and_blocks_the_next_one(
    service: Service, sm: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROTATE_KEYS", "api_key")
    arn = service.create("s", json.dumps({"password": "p"}))
    token = "11111111-2222-3333-4444-555555555555"

    with pytest.raises(MissingRotateKeyError):
        service.rotate(arn, token)

    # "When rotation is unsuccessful, the AWSPENDING staging label might be attached to an empty
    # secret version" (API_RotateSecret); until it is gone the service refuses RotateSecret.
    assert service.stages(arn)[token] == ["AWSPENDING"]
    with pytest.raises(ClientError, match="AWSPENDING"):
        service.value(arn, "AWSPENDING")
    with pytest.raises(ClientError, match="previous rotation isn't complete"):
        sm.rotate_secret(SecretId=arn)


def test_unknown_secret_is_a_clear_error(service: Service) -> None:
    missing = "arn:aws:secretsmanager:us-east-1:123456789012:secret:gone-AbCdEf"

    with pytest.raises(SecretNotFoundError, match="ResourceNotFoundException") as raised:
        service.run("createSecret", missing, "00000000-0000-0000-0000-000000000000")

    assert missing in str(raised.value)


@pytest.mark.parametrize(
    ("code", "error", "mentions"),
    [
        ("AccessDeniedException", SecretsManagerAccessDeniedError, "secretsmanager:PutSecretValue"),
        ("DecryptionFailure", SecretsManagerAccessDeniedError, "kms:Decrypt"),
        ("ThrottlingException", SecretsManagerCallError, "ThrottlingException"),
    ],
)
def test_service_errors_say_what_to_change(
    service: Service, rotator_client: Any, code: str, error: type[Exception], mentions: str
) -> None:
    arn = service.create("s", "value")
    token = service.stage(arn)

    def refuse(**_: Any) -> None:
        raise ClientError({"Error": {"Code": code, "Message": "refused"}}, "PutSecretValue")

    rotator_client.meta.events.register_first("before-call.secrets-manager.PutSecretValue", refuse)

    with pytest.raises(error, match=mentions):
        service.run("createSecret", arn, token)
    assert service.value(arn) == "value"


def test_memo_does_not_carry_over_to_a_new_secret_with_the_same_name(
    service: Service, sm: Any
) -> None:
    token = "11111111-2222-3333-4444-555555555555"
    first = service.create("same-name", "value-1")
    service.stage(first, token)
    service.run("createSecret", "same-name", token)
    sm.delete_secret(SecretId=first, ForceDeleteWithoutRecovery=True)
    second = service.create("same-name", "value-2")
    service.stage(second, token)

    for step in STEPS:
        service.run(step, "same-name", token)

    assert second != first
    assert service.value(second) not in {"value-1", "value-2"}
