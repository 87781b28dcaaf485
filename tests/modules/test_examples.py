"""Plan tests of the example root stacks (they double as plan fixtures)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import tfharness
from planhelpers import ACCOUNT, EXAMPLES, module_config, statements

SUITE = Path(__file__).parent / "examples"
EXAMPLE_CASES = [
    pytest.param(name, param.values[0], id=f"{name}-{param.id}")
    for name in ("api-key", "many-secrets", "iam-access-key")
    for param in tfharness.cases(SUITE / name)
]
MANY_SECRETS_REGION = "eu-west-1"


@pytest.mark.parametrize(("example", "case"), EXAMPLE_CASES)
def test_example_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary], example: str, case: tfharness.Case
) -> None:
    plan_validator(EXAMPLES / example, case.inventory, case.tfvars)


@pytest.fixture(scope="module")
def many_secrets(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(EXAMPLES / "many-secrets", SUITE / "many-secrets" / "defaults.tfvars")


@pytest.fixture(scope="module")
def api_key(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(EXAMPLES / "api-key", SUITE / "api-key" / "defaults.tfvars")


def test_shared_function_may_rotate_only_enrolled_secrets_under_the_prefix(
    many_secrets: tfharness.PlanSummary,
) -> None:
    policy = statements(
        many_secrets.values["module.function.aws_iam_role_policy.this[0]"]["policy"]
    )
    prefix = f"arn:aws:secretsmanager:{MANY_SECRETS_REGION}:{ACCOUNT}:secret:example/api-keys/"
    assert set(policy) == {"WriteOwnLogs", "RotateEnrolledSecrets"}
    rotate = policy["RotateEnrolledSecrets"]
    assert rotate.resources == {f"{prefix}*"}
    assert rotate.conditions == {
        ("StringEquals", "aws:ResourceTag/rotation-function"): {"example-api-keys-rotation"}
    }
    # Every secret of the stack carries the tag that enrols it, beside the stack's own tags.
    for key in ("payments", "search", "mail"):
        tags = many_secrets.values[f'module.secrets["{key}"].aws_secretsmanager_secret.this[0]'][
            "tags"
        ]
        assert tags == {
            "stack": "examples/many-secrets",
            "rotation-function": "example-api-keys-rotation",
        }, key


def test_secrets_read_the_account_region_and_partition_once(
    many_secrets: tfharness.PlanSummary,
) -> None:
    kinds = (".data.aws_caller_identity.", ".data.aws_partition.", ".data.aws_region.")
    reads = [
        address
        for address in many_secrets.values
        if address.startswith("module.secrets[") and any(kind in address for kind in kinds)
    ]
    assert reads == [], "each secret reads what the stack read once (aws_context)"
    # The stack's own reads, once (the function module reads its own, once, too).
    assert "data.aws_caller_identity.current" in many_secrets.values


def test_shared_function_has_one_account_scoped_permission(
    many_secrets: tfharness.PlanSummary,
) -> None:
    permissions = {
        a: v
        for a, v in many_secrets.values.items()
        if ".aws_lambda_permission." in a or a.startswith("aws_lambda_permission.")
    }
    assert list(permissions) == ["aws_lambda_permission.secretsmanager"]
    permission = permissions["aws_lambda_permission.secretsmanager"]
    assert permission["source_account"] == ACCOUNT
    # Only secrets under the enrolment prefix may make Secrets Manager invoke it (ArnLike).
    assert permission["source_arn"] == (
        f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT}:secret:example/api-keys/*"
    )


def test_each_rotation_waits_for_the_shared_permission(many_secrets: tfharness.PlanSummary) -> None:
    secrets_call = module_config(many_secrets.raw)["module_calls"]["secrets"]["expressions"]
    assert secrets_call["create_lambda_permission"]["constant_value"] is False
    assert secrets_call["rotation_function_arn"]["references"][0] == (
        "aws_lambda_permission.secretsmanager.function_name"
    )


def test_api_key_initial_value_stays_out_of_the_plan(api_key: tfharness.PlanSummary) -> None:
    # The placeholder is write-only: neither it nor the client_id JSON is in the plan.
    text = json.dumps(api_key.raw)
    assert "replaced-by-the-first-rotation" not in text
    version = api_key.values[
        "module.api_key.module.secret.aws_secretsmanager_secret_version.initial_value[0]"
    ]
    assert version["secret_string_wo"] is None


@pytest.fixture(scope="module")
def iam_access_key(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(EXAMPLES / "iam-access-key", SUITE / "iam-access-key" / "defaults.tfvars")


def test_iam_access_key_function_may_manage_keys_of_the_stacks_user_only(
    iam_access_key: tfharness.PlanSummary,
) -> None:
    # The user's ARN is unknown until apply: the grant names it by reference, nothing wider.
    calls = module_config(iam_access_key.raw)["module_calls"]
    assert calls["access_key"]["expressions"]["iam_user_arns"]["references"][0] == (
        "aws_iam_user.this.arn"
    )
    grant = iam_access_key.values[
        "module.access_key.module.function.data.aws_iam_policy_document.iam_access_keys[0]"
    ]
    (statement,) = grant["statement"]
    assert set(statement["actions"]) == {
        "iam:ListUserTags",
        "iam:ListAccessKeys",
        "iam:GetAccessKeyLastUsed",
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
    }
    assert statement["resources"] == ["(known after apply)"], "one resource: the user"


def test_iam_access_key_binds_the_user_to_the_secret_in_the_functions_configuration(
    iam_access_key: tfharness.PlanSummary,
) -> None:
    # The wrapper binds its secret to its one user (IAM_USER_BINDINGS), so the first rotation,
    # started by this apply, needs no tag on the user; tests/e2e/test_e2e_iam_access_key_example.py
    # applies it.
    calls = module_config(iam_access_key.raw)["module_calls"]
    wrapper = calls["access_key"]["module"]
    assert calls["access_key"]["expressions"]["rotation_strategy"]["constant_value"] == (
        "iam-access-key"
    )
    passed = wrapper["module_calls"]["function"]["expressions"]["iam_user_bindings"]
    assert passed["references"] == ["local.iam_user_bindings"]


def test_iam_access_key_no_key_passes_through_terraform(
    iam_access_key: tfharness.PlanSummary,
) -> None:
    # The initial value as jsonencode writes it (keys sorted) is nowhere: it is write-only.
    text = json.dumps(iam_access_key.raw)
    assert json.dumps('{"AccessKeyId":"","SecretAccessKey":""')[1:-1] not in text
    version = iam_access_key.values[
        "module.access_key.module.secret.aws_secretsmanager_secret_version.initial_value[0]"
    ]
    assert version["secret_string_wo"] is None
    assert not [a for a in iam_access_key.values if "aws_iam_access_key" in a]
