"""A central rotation function rotating a secret of another account (docs/operations.md,
"Rotating secrets of another account"): tests/modules/cross_account/fixture, planned once.

Cross-account access needs an allow on both sides: "you must allow access both in a resource
policy and in an identity policy", and the key must be a customer managed one whose key policy
lets the role use it (Secrets Manager user guide, "Access AWS Secrets Manager secrets from a
different account"). Secrets Manager in the owner account invokes the function, so the function's
invoke permission names that account.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import tfharness
from planhelpers import ACCOUNT, statements

FIXTURE = Path(__file__).parent / "cross_account" / "fixture"
OWNER = "210987654321"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/central-rotation"
SECRET_PATTERN = f"arn:aws:secretsmanager:us-east-1:{OWNER}:secret:orders/partner-api-key-??????"
ROTATION_ACTIONS = {
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
}


@pytest.fixture(scope="module")
def plan(plan_validator: Callable[..., tfharness.PlanSummary]) -> tfharness.PlanSummary:
    return plan_validator(FIXTURE, {})


def test_secret_policy_allows_the_central_role_the_rotation_actions(
    plan: tfharness.PlanSummary,
) -> None:
    policy = plan.values["module.secret.aws_secretsmanager_secret_policy.this[0]"]["policy"]
    found = statements(policy)
    allow = found["AllowRotationRoleToRotate"]
    assert allow.effect == "Allow"
    assert allow.actions == ROTATION_ACTIONS
    assert allow.resources == {"*"}
    assert policy.count(ROLE) == 2, "the role is allowed, and exempt from the read deny"
    deny = found["DenyReadingExceptRotationAndListedPrincipals"]
    assert ROLE in deny.conditions[("ArnNotLike", "aws:PrincipalArn")]


def test_owner_key_policy_lets_the_central_role_use_the_key_for_this_secret_only(
    plan: tfharness.PlanSummary,
) -> None:
    policy = plan.values["aws_kms_key_policy.owner"]["policy"]
    found = statements(policy)["CentralRotationRoleThroughSecretsManager"]
    assert found.actions == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert ROLE in policy
    assert found.conditions[("StringEquals", "kms:ViaService")] == {
        "secretsmanager.us-east-1.amazonaws.com"
    }
    assert found.conditions[("StringLike", "kms:EncryptionContext:SecretARN")] == {
        SECRET_PATTERN.replace("??????", "*")
    }


def test_the_secret_and_its_key_are_in_the_owner_account_and_rotate_with_the_central_function(
    plan: tfharness.PlanSummary,
) -> None:
    rotation = plan.values["module.secret.aws_secretsmanager_secret_rotation.this[0]"]
    assert rotation["rotation_lambda_arn"] == tfharness.UNKNOWN  # the function, same apply
    assert "module.secret.aws_lambda_permission.this[0]" not in plan.values
    assert "module.secret.aws_iam_role_policy.rotation[0]" not in plan.values
    secret = plan.values["module.secret.aws_secretsmanager_secret.this[0]"]
    assert secret["kms_key_id"] == tfharness.UNKNOWN  # the owner's key, not aws/secretsmanager


def test_invoke_permission_lets_the_owner_accounts_secrets_manager_call_the_function(
    plan: tfharness.PlanSummary,
) -> None:
    permission = plan.values["aws_lambda_permission.owner_secrets"]
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["source_account"] == OWNER
    assert permission["source_arn"] == SECRET_PATTERN


def test_function_gets_the_endpoint_input_as_secrets_manager_endpoint(
    plan: tfharness.PlanSummary,
) -> None:
    function = plan.values["module.function.aws_lambda_function.this[0]"]
    variables = function["environment"][0]["variables"]
    assert variables["SECRETS_MANAGER_ENDPOINT"] == (
        "https://vpce-0123456789abcdef0-abcdefgh.secretsmanager.us-east-1.vpce.amazonaws.com"
    )
