"""Permissions boundaries: the function gets only what its policies and its boundary both allow.

"An entity's permissions boundary allows it to perform only the actions that are allowed by both
its identity-based policies and its permissions boundaries."
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html

The product's rotator runs on the sandbox with a role whose policies allow every rotation action;
the test invokes the four steps itself, as the service would, on a secret that RotateSecret left
staged (with a stand-in function that fails, so the rotation under test is the only one).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sandbox_helpers import LOGS_STATEMENT, rotator_files, unique

from rotation_testing import policy as iam_policy

ROTATION_ACTIONS = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
)
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
ORIGINAL = {"username": "app", "password": "before-rotation"}


@pytest.fixture(scope="module")
def rotator(
    aws: Callable[[str], Any], make_function: Callable[..., dict[str, str]]
) -> dict[str, str]:
    """The product's rotator, its role allowed every rotation action on every secret."""
    return make_function(
        "from rotator.handler import lambda_handler as handler\n",
        statements=[
            {"Effect": "Allow", "Action": list(ROTATION_ACTIONS), "Resource": "*"},
            LOGS_STATEMENT,
        ],
        extra_files=rotator_files(),
    )


@pytest.fixture(scope="module")
def stager(rotation_function: Callable[..., dict[str, str]]) -> dict[str, str]:
    """A rotation function that always fails: RotateSecret enables rotation and stages a version."""
    return rotation_function(
        "def handler(event, context):\n    raise RuntimeError('staging only')\n"
    )


def _staged_secret(aws: Callable[[str], Any], stager: dict[str, str]) -> tuple[str, str]:
    sm = aws("secretsmanager")
    arn: str = sm.create_secret(Name=unique("bounded"), SecretString=json.dumps(ORIGINAL))["ARN"]
    with contextlib.suppress(ClientError):  # the stand-in's failure, if reported to the caller
        sm.rotate_secret(
            SecretId=arn,
            RotationLambdaARN=stager["arn"],
            RotationRules={"AutomaticallyAfterDays": 30},
        )
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    token = next(v for v, labels in stages.items() if labels == ["AWSPENDING"])
    return arn, token


def _set_boundary(aws: Callable[[str], Any], role: str, actions: list[str]) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}, LOGS_STATEMENT],
    }
    policy = aws("iam").create_policy(
        PolicyName=unique("boundary"), PolicyDocument=json.dumps(document)
    )
    aws("iam").put_role_permissions_boundary(
        RoleName=role, PermissionsBoundary=policy["Policy"]["Arn"]
    )


def _rotate(
    aws: Callable[[str], Any], function: dict[str, str], arn: str, token: str
) -> dict[str, Any] | None:
    """Invoke the steps in order; the first failure's payload (errorType, errorMessage), or None."""
    for step in STEPS:
        event = {"SecretId": arn, "ClientRequestToken": token, "Step": step}
        response = aws("lambda").invoke(FunctionName=function["name"], Payload=json.dumps(event))
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            return {"step": step, **payload}
    return None


def _current(aws: Callable[[str], Any], arn: str) -> Any:
    return json.loads(aws("secretsmanager").get_secret_value(SecretId=arn)["SecretString"])


@pytest.mark.parametrize(
    ("missing", "failing_step"),
    [
        ("secretsmanager:DescribeSecret", "createSecret"),
        ("secretsmanager:GetSecretValue", "createSecret"),
        ("secretsmanager:PutSecretValue", "createSecret"),
        ("secretsmanager:UpdateSecretVersionStage", "finishSecret"),
    ],
)
def test_boundary_without_one_rotation_action_fails_the_rotation(
    aws: Callable[[str], Any],
    rotator: dict[str, str],
    stager: dict[str, str],
    missing: str,
    failing_step: str,
) -> None:
    _set_boundary(aws, rotator["role"], [a for a in ROTATION_ACTIONS if a != missing])
    arn, token = _staged_secret(aws, stager)

    failure = _rotate(aws, rotator, arn, token)

    assert failure is not None, "the rotation went through an action outside the boundary"
    assert failure["step"] == failing_step
    assert failure["errorType"] == "SecretsManagerAccessDeniedError"
    assert f"because no permissions boundary allows the {missing} action" in failure["errorMessage"]
    assert _current(aws, arn) == ORIGINAL


def test_boundary_with_every_rotation_action_lets_the_rotation_complete(
    aws: Callable[[str], Any], rotator: dict[str, str], stager: dict[str, str]
) -> None:
    _set_boundary(aws, rotator["role"], list(ROTATION_ACTIONS))
    arn, token = _staged_secret(aws, stager)

    assert _rotate(aws, rotator, arn, token) is None

    rotated = _current(aws, arn)
    assert rotated.keys() == ORIGINAL.keys()
    assert rotated["password"] != ORIGINAL["password"]


# The evaluation itself, in process.

ALLOW_ALL = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
ALLOW_GET = {
    "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]
}


def test_an_allow_outside_the_boundary_is_denied() -> None:
    verdict = iam_policy.evaluate_within_boundary(
        [ALLOW_ALL], ALLOW_GET, "secretsmanager:PutSecretValue", "arn:aws:secretsmanager:s"
    )

    assert verdict.decision is iam_policy.Decision.IMPLICIT_DENY
    assert verdict.reason == (
        "because no permissions boundary allows the secretsmanager:PutSecretValue action"
    )


def test_the_boundary_grants_nothing_the_policies_do_not() -> None:
    verdict = iam_policy.evaluate_within_boundary(
        [ALLOW_GET], ALLOW_ALL, "secretsmanager:PutSecretValue", "arn:aws:secretsmanager:s"
    )

    assert verdict.decision is iam_policy.Decision.IMPLICIT_DENY
    assert "no identity-based policy allows" in verdict.reason


def test_inside_both_is_allowed_and_an_explicit_deny_in_the_boundary_wins() -> None:
    deny_get = {
        "Statement": [
            *ALLOW_ALL["Statement"],
            {"Effect": "Deny", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        ]
    }
    get, put, secret = "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "arn:s"

    assert iam_policy.evaluate_within_boundary([ALLOW_ALL], ALLOW_ALL, get, secret).decision is (
        iam_policy.Decision.ALLOW
    )
    assert iam_policy.evaluate_within_boundary([ALLOW_ALL], None, put, secret).decision is (
        iam_policy.Decision.ALLOW
    )
    denied = iam_policy.evaluate_within_boundary([ALLOW_ALL], deny_get, get, secret)
    assert denied.decision is iam_policy.Decision.EXPLICIT_DENY
    assert denied.reason == "with an explicit deny in a permissions boundary"
