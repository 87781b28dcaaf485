"""modules/rotation-function with rotation_strategy = "iam-access-key": what plan refuses.

The grant itself (iam_user_arns, and nothing else) is exercised on the sandbox by
tests/e2e/test_e2e_iam_access_key.py, where a user outside the grant is denied.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tfharness

INVALID = Path(__file__).parent / "iam_access_key" / "invalid"


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
