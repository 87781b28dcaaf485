"""RotateSecret on the sandbox behaves as the service documents, where moto 5.2.5 does not."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import Inspect, unique

from sandbox.server import Sandbox


@pytest.fixture(scope="module")
def function(rotation_function: Callable[..., dict[str, str]]) -> dict[str, str]:
    return rotation_function()


def new_secret(aws: Callable[[str], Any], value: str = "initial") -> str:
    return str(
        aws("secretsmanager").create_secret(Name=unique("secret"), SecretString=value)["ARN"]
    )


def rotate(aws: Callable[[str], Any], secret: str, function: dict[str, str], **extra: Any) -> Any:
    return aws("secretsmanager").rotate_secret(
        SecretId=secret,
        RotationLambdaARN=function["arn"],
        RotationRules={"AutomaticallyAfterDays": 30},
        **extra,
    )


def test_rotation_promotes_new_value_and_clears_pending(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect
) -> None:
    secret = new_secret(aws)
    first = inspect.version_with(secret, "AWSCURRENT")
    response = rotate(aws, secret, function)
    assert inspect.value(secret) == "initial+"
    assert inspect.version_with(secret, "AWSCURRENT") == response["VersionId"]
    assert inspect.stages(secret)[str(first)] == ["AWSPREVIOUS"]
    # The service removes AWSPENDING after a successful rotation.
    assert inspect.version_with(secret, "AWSPENDING") is None


def test_failed_step_stops_rotation_and_keeps_current(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    sandbox.inject_fault(function["name"], "testSecret", "pending value does not log in")
    with pytest.raises(ClientError) as failure:
        rotate(aws, secret, function)
    error = failure.value.response["Error"]
    # Not a code the AWS provider retries (InvalidRequestException, AccessDeniedException).
    assert error["Code"] == "RotationFailedException"
    assert "testSecret" in error["Message"]
    assert "pending value does not log in" in error["Message"]
    assert inspect.version_with(secret, "AWSCURRENT") == current
    assert inspect.value(secret) == "initial"
    steps = [i["step"] for i in sandbox.invocations() if i["function_name"] == function["name"]]
    assert "finishSecret" not in steps[-3:]


def test_next_rotation_after_a_failure_completes_with_the_pending_version(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    sandbox.inject_fault(function["name"], "setSecret", "downstream unavailable")
    with pytest.raises(ClientError):
        rotate(aws, secret, function)
    pending = inspect.version_with(secret, "AWSPENDING")
    assert pending is not None
    response = rotate(aws, secret, function)
    assert response["VersionId"] == pending
    assert inspect.version_with(secret, "AWSCURRENT") == pending
    assert inspect.value(secret) == "initial+"


def test_failure_at_create_leaves_the_secret_readable(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    # moto promotes the value-less pending version when a step fails; the secret then has no
    # readable AWSCURRENT value.
    secret = new_secret(aws)
    sandbox.inject_fault(function["name"], "createSecret", "cannot generate")
    with pytest.raises(ClientError):
        rotate(aws, secret, function)
    assert inspect.value(secret) == "initial"
    assert aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"] == "initial"


def test_rotation_starts_while_pending_shares_the_current_version(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect
) -> None:
    # AWSPENDING on the AWSCURRENT version is a valid end state (AWS's templates leave it so);
    # moto refuses to start a rotation from it, the service does not.
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    aws("secretsmanager").update_secret_version_stage(
        SecretId=secret, VersionStage="AWSPENDING", MoveToVersionId=current
    )
    response = rotate(aws, secret, function)
    assert inspect.version_with(secret, "AWSCURRENT") == response["VersionId"] != current


def test_rotate_later_runs_only_test_secret_against_the_current_version(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    before = len(sandbox.invocations())
    rotate(aws, secret, function, RotateImmediately=False)
    calls = [i for i in sandbox.invocations()[before:] if i["function_name"] == function["name"]]
    assert [c["step"] for c in calls] == ["testSecret"]
    # No stale copy staged as AWSPENDING: the only version is still the current one.
    assert inspect.stages(secret) == {current: ["AWSCURRENT"]}
    assert f"step=testSecret token={current}" in inspect.log_messages(function["name"])
    assert aws("secretsmanager").describe_secret(SecretId=secret)["RotationEnabled"] is True


def test_describe_returns_schedule_expression_and_duration(
    aws: Callable[[str], Any], function: dict[str, str]
) -> None:
    secret = new_secret(aws)
    aws("secretsmanager").rotate_secret(
        SecretId=secret,
        RotationLambdaARN=function["arn"],
        RotationRules={"ScheduleExpression": "cron(0 2 ? * MON-FRI *)", "Duration": "3h"},
    )
    rules = aws("secretsmanager").describe_secret(SecretId=secret)["RotationRules"]
    assert rules == {"ScheduleExpression": "cron(0 2 ? * MON-FRI *)", "Duration": "3h"}


def test_put_secret_value_same_token_same_data_is_a_no_op(
    aws: Callable[[str], Any], inspect: Inspect
) -> None:
    secret = new_secret(aws)
    token = str(uuid.uuid4())
    client = aws("secretsmanager")
    client.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString="one", VersionStages=["AWSPENDING"]
    )
    client.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString="one", VersionStages=["AWSPENDING"]
    )
    assert inspect.value(secret, "AWSPENDING") == "one"


def test_put_secret_value_same_token_different_data_is_refused(
    aws: Callable[[str], Any], inspect: Inspect
) -> None:
    secret = new_secret(aws)
    token = str(uuid.uuid4())
    client = aws("secretsmanager")
    client.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString="one", VersionStages=["AWSPENDING"]
    )
    with pytest.raises(client.exceptions.ResourceExistsException):
        client.put_secret_value(
            SecretId=secret,
            ClientRequestToken=token,
            SecretString="two",
            VersionStages=["AWSPENDING"],
        )
    assert inspect.value(secret, "AWSPENDING") == "one"


def test_rotation_needs_the_function_to_allow_secrets_manager(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], inspect: Inspect
) -> None:
    function = make_function("def handler(event, context):\n    return None\n")
    secret = new_secret(aws)
    with pytest.raises(ClientError) as failure:
        rotate(aws, secret, function)
    assert failure.value.response["Error"]["Code"] == "AccessDeniedException"
    assert "secretsmanager.amazonaws.com" in failure.value.response["Error"]["Message"]
    assert inspect.stages(secret) == {inspect.version_with(secret, "AWSCURRENT"): ["AWSCURRENT"]}


def test_invoke_permission_scoped_to_another_secret_is_refused(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> None:
    function = make_function("def handler(event, context):\n    return None\n")
    secret, other = new_secret(aws), new_secret(aws)
    aws("lambda").add_permission(
        FunctionName=function["name"],
        StatementId="OtherSecretOnly",
        Action="lambda:InvokeFunction",
        Principal="secretsmanager.amazonaws.com",
        SourceArn=other,
    )
    with pytest.raises(ClientError) as failure:
        rotate(aws, secret, function)
    assert failure.value.response["Error"]["Code"] == "AccessDeniedException"
