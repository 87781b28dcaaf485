"""RotateSecret on the sandbox behaves as the service documents, where moto 5.2.5 does not."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import ROTATION_HANDLER, Inspect, unique

from sandbox.server import Sandbox, SandboxError

# createSecret waits until a secret named GATE_NAME exists: the test decides when the rotation
# may go on, so it can look at the secret while the rotation is still running.
GATED_HANDLER = (
    ROTATION_HANDLER
    + """
import time

_protocol = handler


def handler(event, context):
    while event["Step"] == "createSecret":
        try:
            client.describe_secret(SecretId="GATE_NAME")
            break
        except client.exceptions.ResourceNotFoundException:
            time.sleep(0.05)
    return _protocol(event, context)
"""
)


@pytest.fixture(scope="module")
def function(rotation_function: Callable[..., dict[str, str]]) -> dict[str, str]:
    return rotation_function()


@pytest.fixture
def failed_events(aws: Callable[[str], Any]) -> Iterator[Callable[[str], list[dict[str, Any]]]]:
    """An EventBridge rule for RotationFailed on the default bus, delivering to a queue."""
    events, sqs = aws("events"), aws("sqs")
    name = unique("rotation-failed")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    pattern = {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {"eventName": ["RotationFailed"]},
    }
    rule_arn = events.put_rule(Name=name, EventPattern=json.dumps(pattern))["RuleArn"]
    # EventBridge sends to a queue only as its policy allows (sandbox/events.py).
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    events.put_targets(Rule=name, Targets=[{"Id": "queue", "Arn": arn}])

    def received(secret_arn: str) -> list[dict[str, Any]]:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        bodies = [json.loads(m["Body"]) for m in messages]
        return [b for b in bodies if b["detail"]["additionalEventData"]["SecretId"] == secret_arn]

    yield received
    events.remove_targets(Rule=name, Ids=["queue"])
    events.delete_rule(Name=name)
    sqs.delete_queue(QueueUrl=url)


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


def function_steps(sandbox: Sandbox, function: dict[str, str], since: int) -> list[str | None]:
    return [
        i["step"] for i in sandbox.invocations()[since:] if i["function_name"] == function["name"]
    ]


def test_rotation_promotes_new_value_and_clears_pending(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    first = inspect.version_with(secret, "AWSCURRENT")
    response = rotate(aws, secret, function)
    rotation = sandbox.wait_for_rotation(secret)
    assert rotation["outcome"] == "succeeded"
    assert rotation["token"] == response["VersionId"]
    assert rotation["secret_arn"] == secret
    assert inspect.value(secret) == "initial+"
    assert inspect.version_with(secret, "AWSCURRENT") == response["VersionId"]
    assert inspect.stages(secret)[str(first)] == ["AWSPREVIOUS"]
    # The service removes AWSPENDING after a successful rotation.
    assert inspect.version_with(secret, "AWSPENDING") is None


def test_rotate_secret_retried_with_its_token_starts_nothing_new(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    # A client that did not get the answer resends RotateSecret with the same token (the AWS
    # provider does); the service treats the token as an idempotency key.
    secret = new_secret(aws)
    token = str(uuid.uuid4())
    first = rotate(aws, secret, function, ClientRequestToken=token)
    assert sandbox.wait_for_rotation(secret)["outcome"] == "succeeded"
    rotations_before = len([i for i in sandbox.invocations() if i["step"] == "createSecret"])
    again = rotate(aws, secret, function, ClientRequestToken=token)
    assert again["VersionId"] == first["VersionId"] == token
    assert len(inspect.stages(secret)) == 2, "no second version"
    assert inspect.version_with(secret, "AWSCURRENT") == token
    rotations_after = len([i for i in sandbox.invocations() if i["step"] == "createSecret"])
    assert rotations_after == rotations_before


def test_rotate_secret_answers_before_the_steps_run(
    aws: Callable[[str], Any],
    rotation_function: Callable[..., dict[str, str]],
    inspect: Inspect,
    sandbox: Sandbox,
) -> None:
    gate = unique("gate")
    function = rotation_function(GATED_HANDLER.replace("GATE_NAME", gate))
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    token = rotate(aws, secret, function)["VersionId"]
    # The steps are blocked on the gate, so this is the state while the rotation runs: the new
    # version staged as AWSPENDING with no value yet, AWSCURRENT untouched.
    with pytest.raises(SandboxError, match="still runs"):
        sandbox.wait_for_rotation(secret, timeout=0)
    assert inspect.stages(secret) == {current: ["AWSCURRENT"], token: ["AWSPENDING"]}
    with pytest.raises(ClientError) as refused:
        rotate(aws, secret, function)
    assert refused.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "previous rotation isn't complete" in refused.value.response["Error"]["Message"]

    aws("secretsmanager").create_secret(Name=gate, SecretString="open")
    assert sandbox.wait_for_rotation(secret)["outcome"] == "succeeded"
    assert inspect.version_with(secret, "AWSCURRENT") == token


def test_failed_step_keeps_current_leaves_pending_and_emits_rotation_failed(
    aws: Callable[[str], Any],
    function: dict[str, str],
    inspect: Inspect,
    sandbox: Sandbox,
    failed_events: Callable[[str], list[dict[str, Any]]],
) -> None:
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    since = len(sandbox.invocations())
    sandbox.inject_fault(function["name"], "testSecret", "pending value does not log in")
    token = rotate(aws, secret, function)["VersionId"]  # answers: the steps run afterwards
    rotation = sandbox.wait_for_rotation(secret)
    assert rotation["outcome"] == "failed"
    assert rotation["step"] == "testSecret"
    assert "pending value does not log in" in rotation["error"]
    assert function_steps(sandbox, function, since) == ["createSecret", "setSecret", "testSecret"]
    assert inspect.version_with(secret, "AWSCURRENT") == current
    assert inspect.value(secret) == "initial"
    assert inspect.version_with(secret, "AWSPENDING") == token

    (event,) = failed_events(secret)
    assert event["source"] == "aws.secretsmanager"
    assert event["detail-type"] == "AWS Service Event via CloudTrail"
    assert event["detail"]["eventName"] == "RotationFailed"
    assert event["detail"]["errorMessage"] == (
        f"Error when executing lambda {function['arn']} during testSecret step"
    )


def test_rotate_secret_while_a_failed_rotation_is_pending_is_refused(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    sandbox.inject_fault(function["name"], "setSecret", "downstream unavailable")
    token = rotate(aws, secret, function)["VersionId"]
    assert sandbox.wait_for_rotation(secret)["outcome"] == "failed"
    with pytest.raises(ClientError) as refused:
        aws("secretsmanager").rotate_secret(SecretId=secret)
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidRequestException"
    assert error["Message"] == (
        "A previous rotation isn't complete. That rotation will be reattempted."
    )
    # Configuration changes are refused too, and nothing was staged.
    with pytest.raises(ClientError):
        rotate(aws, secret, function, RotateImmediately=False)
    assert inspect.version_with(secret, "AWSPENDING") == token
    assert len(inspect.stages(secret)) == 2


def test_failure_at_create_leaves_the_secret_readable(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    # moto promotes the value-less pending version when a step fails; the secret then has no
    # readable AWSCURRENT value.
    secret = new_secret(aws)
    sandbox.inject_fault(function["name"], "createSecret", "cannot generate")
    rotate(aws, secret, function)
    assert sandbox.wait_for_rotation(secret)["step"] == "createSecret"
    assert inspect.value(secret) == "initial"
    assert aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"] == "initial"


def test_rotation_starts_while_pending_shares_the_current_version(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    # AWSPENDING on the AWSCURRENT version is a valid end state (AWS's templates leave it so);
    # moto refuses to start a rotation from it, the service does not.
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    aws("secretsmanager").update_secret_version_stage(
        SecretId=secret, VersionStage="AWSPENDING", MoveToVersionId=current
    )
    response = rotate(aws, secret, function)
    assert sandbox.wait_for_rotation(secret)["outcome"] == "succeeded"
    assert inspect.version_with(secret, "AWSCURRENT") == response["VersionId"] != current


def test_rotate_later_tests_a_pending_copy_of_the_current_value_then_removes_it(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    since = len(sandbox.invocations())
    rotate(aws, secret, function, RotateImmediately=False)
    rotation = sandbox.wait_for_rotation(secret)
    assert rotation["outcome"] == "succeeded"
    assert function_steps(sandbox, function, since) == ["testSecret"]
    # testSecret ran against a version of its own (the handler reads it as AWSPENDING by id),
    # not against AWSCURRENT; that version is gone afterwards and nothing else changed.
    assert rotation["token"] != current
    assert f"step=testSecret token={rotation['token']}" in inspect.log_messages(function["name"])
    assert inspect.stages(secret) == {current: ["AWSCURRENT"]}
    assert inspect.value(secret) == "initial"
    assert aws("secretsmanager").describe_secret(SecretId=secret)["RotationEnabled"] is True


def test_rotate_later_that_fails_removes_its_version_too(
    aws: Callable[[str], Any], function: dict[str, str], inspect: Inspect, sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    current = inspect.version_with(secret, "AWSCURRENT")
    sandbox.inject_fault(function["name"], "testSecret", "cannot log in")
    rotate(aws, secret, function, RotateImmediately=False)
    rotation = sandbox.wait_for_rotation(secret)
    assert (rotation["outcome"], rotation["step"]) == ("failed", "testSecret")
    assert inspect.stages(secret) == {current: ["AWSCURRENT"]}
    # Nothing is left pending: a rotation can start.
    rotate(aws, secret, function)
    assert sandbox.wait_for_rotation(secret)["outcome"] == "succeeded"


def test_describe_returns_schedule_expression_and_duration(
    aws: Callable[[str], Any], function: dict[str, str], sandbox: Sandbox
) -> None:
    secret = new_secret(aws)
    aws("secretsmanager").rotate_secret(
        SecretId=secret,
        RotationLambdaARN=function["arn"],
        RotationRules={"ScheduleExpression": "cron(0 2 ? * MON-FRI *)", "Duration": "3h"},
    )
    sandbox.wait_for_rotation(secret)
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


def test_put_secret_value_resent_after_finish_leaves_the_labels_alone(
    aws: Callable[[str], Any], inspect: Inspect
) -> None:
    # createSecret's PutSecretValue answered after the rotator's read timeout, botocore resent it,
    # and the first copy reaches the service after finishSecret moved AWSCURRENT: "the request is
    # ignored" (same data), so AWSCURRENT stays and no AWSPENDING comes back.
    secret = new_secret(aws)
    token = str(uuid.uuid4())
    client = aws("secretsmanager")
    client.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString="two", VersionStages=["AWSPENDING"]
    )
    previous = inspect.version_with(secret, "AWSCURRENT")
    client.update_secret_version_stage(
        SecretId=secret,
        VersionStage="AWSCURRENT",
        MoveToVersionId=token,
        RemoveFromVersionId=previous,
    )
    client.update_secret_version_stage(
        SecretId=secret, VersionStage="AWSPENDING", RemoveFromVersionId=token
    )

    client.put_secret_value(
        SecretId=secret, ClientRequestToken=token, SecretString="two", VersionStages=["AWSPENDING"]
    )

    assert sorted(inspect.stages(secret)[token]) == ["AWSCURRENT"]
    assert inspect.value(secret) == "two"


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


def test_first_version_gets_awscurrent_whatever_labels_are_asked_for(
    aws: Callable[[str], Any], inspect: Inspect
) -> None:
    client = aws("secretsmanager")
    secret = client.create_secret(Name=unique("empty"))["ARN"]  # no value: no version yet
    token = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=secret,
        ClientRequestToken=token,
        SecretString="initial",
        VersionStages=["terraform-initial"],
    )
    assert sorted(inspect.stages(secret)[token]) == ["AWSCURRENT", "terraform-initial"]
    assert inspect.value(secret) == "initial"
    # The second version gets only what it asks for.
    second = str(uuid.uuid4())
    client.put_secret_value(
        SecretId=secret, ClientRequestToken=second, SecretString="x", VersionStages=["other"]
    )
    assert inspect.stages(secret)[second] == ["other"]
    assert inspect.version_with(secret, "AWSCURRENT") == token


def test_put_secret_value_moves_awscurrent_and_keeps_other_labels(
    aws: Callable[[str], Any], inspect: Inspect
) -> None:
    # moto replaces all labels of the old AWSCURRENT version with AWSPREVIOUS.
    client = aws("secretsmanager")
    secret = new_secret(aws)
    first = inspect.version_with(secret, "AWSCURRENT")
    client.update_secret_version_stage(
        SecretId=secret, VersionStage="terraform-initial", MoveToVersionId=first
    )
    second = client.put_secret_value(SecretId=secret, SecretString="second")["VersionId"]
    assert sorted(inspect.stages(secret)[str(first)]) == ["AWSPREVIOUS", "terraform-initial"]
    third = client.put_secret_value(SecretId=secret, SecretString="third")["VersionId"]
    assert inspect.stages(secret) == {
        first: ["terraform-initial"],
        second: ["AWSPREVIOUS"],
        third: ["AWSCURRENT"],
    }


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
