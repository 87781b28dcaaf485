"""IAM for the function: its requests are authorized against its role's policies, by ARN."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sandbox_helpers import LOGS_STATEMENT, unique

from rotation_testing import policy as iam_policy
from sandbox import iam
from sandbox.server import Sandbox

SECRET_ARN_PREFIX = "arn:aws:secretsmanager:us-east-1:123456789012:secret:"

# Calls GetSecretValue as the function and returns the outcome instead of raising.
READER = """
import boto3
from botocore.exceptions import ClientError

client = boto3.client("secretsmanager")


def handler(event, context):
    try:
        client.get_secret_value(SecretId=event["secret_id"])
    except ClientError as error:
        return {"code": error.response["Error"]["Code"], "message": str(error)}
    return {"code": "OK"}
"""


def get_as_function(aws: Callable[[str], Any], function: dict[str, str], secret_id: str) -> Any:
    response = aws("lambda").invoke(
        FunctionName=function["name"], Payload=json.dumps({"secret_id": secret_id})
    )
    return json.loads(response["Payload"].read())


def allow_get(resource: str) -> list[dict[str, Any]]:
    return [
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": resource},
        LOGS_STATEMENT,
    ]


@pytest.fixture(scope="module")
def secrets(aws: Callable[[str], Any]) -> dict[str, str]:
    """An allowed secret, one whose name extends it, and an unrelated one (name -> ARN)."""
    base = unique("app")
    client = aws("secretsmanager")
    return {
        name: client.create_secret(Name=name, SecretString="v")["ARN"]
        for name in (base, f"{base}-x", unique("other"))
    }


def test_policy_with_six_character_wildcard_allows_only_that_secret(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    allowed, extended, other = secrets
    function = make_function(READER, statements=allow_get(f"{SECRET_ARN_PREFIX}{allowed}-??????"))
    assert get_as_function(aws, function, allowed)["code"] == "OK"
    assert get_as_function(aws, function, secrets[allowed])["code"] == "OK"
    # `-??????` is exactly the six random characters: a longer name does not match.
    assert get_as_function(aws, function, extended)["code"] == "AccessDeniedException"
    denied = get_as_function(aws, function, other)
    assert denied["code"] == "AccessDeniedException"
    assert (
        f"is not authorized to perform: secretsmanager:GetSecretValue on resource: {secrets[other]}"
        in denied["message"]
    )


def test_every_form_of_secret_id_is_checked_against_the_full_arn(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    allowed = next(iter(secrets))
    function = make_function(READER, statements=allow_get(secrets[allowed]))
    partial_arn = f"{SECRET_ARN_PREFIX}{allowed}"
    for secret_id in (allowed, partial_arn, secrets[allowed]):
        assert get_as_function(aws, function, secret_id)["code"] == "OK", secret_id


def test_explicit_deny_overrides_allow(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    allowed = next(iter(secrets))
    statements = [
        *allow_get("*"),
        {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": secrets[allowed]},
    ]
    function = make_function(READER, statements=statements)
    assert get_as_function(aws, function, allowed)["code"] == "AccessDeniedException"
    assert get_as_function(aws, function, list(secrets)[2])["code"] == "OK"


def test_attached_managed_policy_counts(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    function = make_function(READER, statements=[LOGS_STATEMENT])
    assert get_as_function(aws, function, next(iter(secrets)))["code"] == "AccessDeniedException"
    aws("iam").attach_role_policy(
        RoleName=function["role"], PolicyArn="arn:aws:iam::aws:policy/SecretsManagerReadWrite"
    )
    assert get_as_function(aws, function, next(iter(secrets)))["code"] == "OK"


def test_role_policy_change_applies_to_the_next_invocation(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    name = next(iter(secrets))
    function = make_function(READER, statements=allow_get(secrets[name]))
    assert get_as_function(aws, function, name)["code"] == "OK"
    aws("iam").put_role_policy(
        RoleName=function["role"],
        PolicyName="inline",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [LOGS_STATEMENT]}),
    )
    assert get_as_function(aws, function, name)["code"] == "AccessDeniedException"


def test_only_enrolled_secrets_under_the_prefix_can_be_rotated(
    aws: Callable[[str], Any],
    rotation_function: Callable[..., dict[str, str]],
    sandbox: Sandbox,
) -> None:
    # The shape of modules/rotation-function's RotateEnrolledSecrets: the name prefix in the
    # resource, and the secret's tag naming the function (ABAC).
    prefix = unique("team") + "/"
    enrolment = unique("fn")
    statement = {
        "Effect": "Allow",
        "Action": [
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ],
        "Resource": f"{SECRET_ARN_PREFIX}{prefix}*",
        "Condition": {"StringEquals": {"aws:ResourceTag/rotation-function": enrolment}},
    }
    function = rotation_function(statements=[statement, LOGS_STATEMENT])
    client = aws("secretsmanager")

    def create(name: str, tags: dict[str, str]) -> str:
        tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
        return str(client.create_secret(Name=name, SecretString="v", Tags=tag_list)["ARN"])

    enrolled = create(f"{prefix}enrolled", {"rotation-function": enrolment})
    untagged = create(f"{prefix}untagged", {"team": "payments"})
    other_function = create(f"{prefix}other", {"rotation-function": "another-function"})
    outside = create(unique("elsewhere"), {"rotation-function": enrolment})
    for arn in (enrolled, untagged, other_function, outside):
        client.rotate_secret(SecretId=arn, RotationLambdaARN=function["arn"])

    assert sandbox.wait_for_rotation(enrolled)["outcome"] == "succeeded"
    for arn in (untagged, other_function, outside):
        rotation = sandbox.wait_for_rotation(arn)
        assert rotation["outcome"] == "failed", arn
        assert "AccessDeniedException" in rotation["error"], rotation
        # The value was never replaced: only the initial version is AWSCURRENT.
        stages = client.describe_secret(SecretId=arn)["VersionIdsToStages"]
        assert sum("AWSCURRENT" in labels for labels in stages.values()) == 1
        assert client.get_secret_value(SecretId=arn)["SecretString"] == "v"

    # Enrolling is tagging: once tagged, the same secret rotates.
    client.tag_resource(SecretId=untagged, Tags=[{"Key": "rotation-function", "Value": enrolment}])
    client.cancel_rotate_secret(SecretId=untagged)
    client.update_secret_version_stage(
        SecretId=untagged,
        VersionStage="AWSPENDING",
        RemoveFromVersionId=next(
            v
            for v, labels in client.describe_secret(SecretId=untagged)["VersionIdsToStages"].items()
            if "AWSPENDING" in labels
        ),
    )
    client.rotate_secret(SecretId=untagged, RotationLambdaARN=function["arn"])
    assert sandbox.wait_for_rotation(untagged)["outcome"] == "succeeded"


def test_resource_tags_are_condition_keys() -> None:
    context = iam.resource_tag_context({"rotation-function": "f"})
    statement = {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "*",
        "Condition": {"StringEquals": {"secretsmanager:ResourceTag/rotation-function": "f"}},
    }
    decide = iam_policy.evaluate
    assert decide([{"Statement": [statement]}], "secretsmanager:GetSecretValue", "s", context) is (
        iam_policy.Decision.ALLOW
    )
    assert decide([{"Statement": [statement]}], "secretsmanager:GetSecretValue", "s", {}) is (
        iam_policy.Decision.IMPLICIT_DENY
    )


def test_callers_without_runner_credentials_are_not_authorized(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]], secrets: dict[str, str]
) -> None:
    # Terraform and the tests use arbitrary keys and must keep working while roles exist.
    make_function(READER, statements=[LOGS_STATEMENT])
    for secret_id in secrets:
        assert aws("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"] == "v"
    assert aws("iam").list_roles()["Roles"]


# --- the evaluator itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        (
            "arn:aws:secretsmanager:*:*:secret:db-??????",
            "arn:aws:secretsmanager:r:1:secret:db-AbC123",
            True,
        ),
        (
            "arn:aws:secretsmanager:*:*:secret:db-??????",
            "arn:aws:secretsmanager:r:1:secret:db-AbC12",
            False,
        ),
        (
            "arn:aws:secretsmanager:*:*:secret:db.x-*",
            "arn:aws:secretsmanager:r:1:secret:dbyx-1",
            False,
        ),
        (
            "arn:aws:secretsmanager:*:*:secret:a+b-*",
            "arn:aws:secretsmanager:r:1:secret:a+b-1",
            True,
        ),
        ("*", "anything", True),
    ],
)
def test_wildcards_are_iam_globs_not_regular_expressions(
    pattern: str, value: str, expected: bool
) -> None:
    assert iam_policy.glob_match(pattern, value) is expected


def test_actions_match_case_insensitively_and_resources_do_not() -> None:
    policy = {
        "Statement": [{"Effect": "Allow", "Action": "SecretsManager:Get*", "Resource": "arn:a:B"}]
    }
    assert (
        iam_policy.evaluate([policy], "secretsmanager:GetSecretValue", "arn:a:B")
        is iam_policy.Decision.ALLOW
    )
    assert (
        iam_policy.evaluate([policy], "secretsmanager:GetSecretValue", "arn:a:b")
        is iam_policy.Decision.IMPLICIT_DENY
    )


def test_not_resource_excludes_the_named_resource() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": "*", "NotResource": "arn:x:protected"}]}
    assert iam_policy.evaluate([policy], "s:A", "arn:x:other") is iam_policy.Decision.ALLOW
    assert (
        iam_policy.evaluate([policy], "s:A", "arn:x:protected") is iam_policy.Decision.IMPLICIT_DENY
    )


def test_conditions_on_missing_keys_do_not_grant() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "lambda:InvokeFunction",
        "Resource": "*",
        "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}},
    }
    policy = {"Statement": [statement]}
    assert (
        iam_policy.evaluate(
            [policy], "lambda:InvokeFunction", "f", {"aws:SourceAccount": "123456789012"}
        )
        is iam_policy.Decision.ALLOW
    )
    assert (
        iam_policy.evaluate([policy], "lambda:InvokeFunction", "f", {"aws:SourceAccount": "999"})
        is iam_policy.Decision.IMPLICIT_DENY
    )
    assert (
        iam_policy.evaluate([policy], "lambda:InvokeFunction", "f", {})
        is iam_policy.Decision.IMPLICIT_DENY
    )
