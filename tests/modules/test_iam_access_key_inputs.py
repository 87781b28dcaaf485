"""modules/rotation-function with rotation_strategy = "iam-access-key": what plan refuses, and the
binding by configuration (iam_user_bindings) that modules/secret-rotation sets for its secret.

The grant itself (iam_user_arns, and nothing else) is exercised on the sandbox by
tests/e2e/test_e2e_iam_access_key.py, where a user outside the grant is denied.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import tfharness

INVALID = Path(__file__).parent / "iam_access_key" / "invalid"
INVALID_BINDINGS = Path(__file__).parent / "iam_access_key" / "invalid_bindings"
BINDINGS = Path(__file__).parent / "iam_access_key" / "bindings"
DEPLOYER = "arn:aws:secretsmanager:us-east-1:123456789012:secret:ci/deployer-AbCdEf"


@pytest.fixture(scope="module")
def failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(INVALID)


def test_iam_access_key_without_users_fails_plan_saying_what_to_set(
    failure: tfharness.PlanFailure,
) -> None:
    failure.assert_error(
        r'rotation_strategy "iam-access-key" creates and deletes access keys: set iam_user_arns'
        r".*user/ci/\*"
    )


def test_iam_access_key_with_enrolled_secrets_fails_plan_saying_what_to_use_instead(
    failure: tfharness.PlanFailure,
) -> None:
    failure.assert_error(
        r'rotation_strategy "iam-access-key" cannot be combined with enrolled_secrets: list the'
        r"\s+key-pair secrets in secret_arns"
    )


@pytest.fixture(scope="module")
def bindings_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(INVALID_BINDINGS)


def test_bindings_sharing_a_user_fail_plan(bindings_failure: tfharness.PlanFailure) -> None:
    bindings_failure.assert_error(
        r"iam_user_bindings binds one IAM user to more than one secret: a user has one key pair"
    )


def test_malformed_bindings_fail_plan_with_examples(
    bindings_failure: tfharness.PlanFailure,
) -> None:
    bindings_failure.assert_error(r"Each key of iam_user_bindings must be a whole secret ARN")
    bindings_failure.assert_error(
        r"Each value of iam_user_bindings must be an IAM user name .* not an ARN"
    )


def test_bindings_for_another_strategy_fail_plan(failure: tfharness.PlanFailure) -> None:
    failure.assert_error(r'iam_user_bindings is for rotation_strategy "iam-access-key"')


def test_the_wrapper_needs_exactly_one_user_arn_without_wildcards(
    failure: tfharness.PlanFailure,
) -> None:
    # One error for each wrapper call that breaks the rule: two ARNs, and a wildcard.
    message = (
        r'rotation_strategy "iam-access-key" rotates the key of one IAM user: set iam_user_arns'
        r"\s+to exactly one user ARN without wildcards, for example \[aws_iam_user.deployer.arn\]"
    )
    failure.assert_error(message)
    matching = [e for e in failure.errors if re.search(message, f"{e.summary}\n{e.detail}")]
    assert len(matching) == 2, matching


@pytest.fixture(scope="module")
def bindings(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(BINDINGS)


def _environment(plan: tfharness.PlanSummary, function: str) -> dict[str, object]:
    resource = plan.values[f"{function}.aws_lambda_function.this[0]"]
    variables: dict[str, object] = resource["environment"][0]["variables"]
    return variables


def test_bindings_reach_the_function_as_json(bindings: tfharness.PlanSummary) -> None:
    environment = _environment(bindings, "module.shared")
    assert json.loads(str(environment["IAM_USER_BINDINGS"])) == {DEPLOYER: "ci-deployer"}
    # Without bindings an iam-access-key function gets an empty map (the tag binds), and a
    # function of another strategy none.
    assert _environment(bindings, "module.tag_only")["IAM_USER_BINDINGS"] == "{}"
    assert "IAM_USER_BINDINGS" not in _environment(bindings, "module.generic")


def test_the_wrapper_binds_its_own_secret_to_its_one_user(
    bindings: tfharness.PlanSummary,
) -> None:
    # The secret's ARN exists only after apply, and the provider plans a map with an unknown value
    # as wholly unknown: the environment is known after apply. What binds it is in the wrapper's
    # configuration: its own secret's ARN => the last segment of its one user ARN.
    function = bindings.values["module.wrapper.module.function.aws_lambda_function.this[0]"]
    assert function["environment"][0]["variables"] is tfharness.UNKNOWN
    wrapper = bindings.raw["configuration"]["root_module"]["module_calls"]["wrapper"]["module"]
    passed = wrapper["module_calls"]["function"]["expressions"]["iam_user_bindings"]
    assert passed["references"] == ["local.iam_user_bindings"]
    assert (
        bindings.values["module.wrapper.module.secret.aws_secretsmanager_secret.this[0]"]["name"]
        == "ci/deployer-access-key"
    )
