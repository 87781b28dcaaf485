"""The iam-access-key strategy end to end on the sandbox: tests/e2e/iam_access_key, applied once.

The sandbox runs the packaged function with its role's credentials and authorizes its IAM calls
against the role's policies with the user's ARN as resource, so the path-scoped grant
(iam_user_arns = [".../user/ci/*"]) is what lets it rotate the CI user's key and what stops it at a
user outside that path, and a year of monthly windows (the sandbox's clock, simulated) shows the
user never needs a third key. The tests share one apply and run in file order. No plan afterwards
(16 s here): the keys the rotations create are not Terraform's, and the other end-to-end tests
already show a rotated secret plans without changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from e2e_support import AppliedStack, stack_from_tests

from sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
STACK = "iam_access_key"
FUNCTION = "iam-access-key-rotation"
MONTHS = 12


@pytest.fixture(scope="module")
def applied() -> Iterator[AppliedStack]:
    # A sandbox of its own: the year of rotations advances its clock, which would run every other
    # scheduled secret's windows too. Discarded whole, so no destroy.
    with Sandbox() as sandbox:
        stack = stack_from_tests(STACK, sandbox)
        try:
            stack.init()
            stack.apply()
            applied = AppliedStack(stack, sandbox)
            # The apply starts each secret's first rotation; every test starts after they finish
            # (a RotateSecret while one runs is refused), whichever test runs first.
            for output in ("deployer_secret_arn", "outsider_secret_arn"):
                sandbox.wait_for_rotation(applied.outputs[output])
            yield applied
        finally:
            stack.cleanup()


def key_pair(stack: AppliedStack, stage: str = "AWSCURRENT") -> dict[str, str]:
    value: dict[str, str] = json.loads(stack.value(stack.outputs["deployer_secret_arn"], stage))
    return value


def user_keys(stack: AppliedStack, user: str = "ci-deployer") -> set[str]:
    listed = stack.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    return {k["AccessKeyId"] for k in listed}


def caller_arn(stack: AppliedStack, value: dict[str, str]) -> str:
    sts: Any = boto3.client(
        "sts",
        endpoint_url=stack.sandbox.endpoint,
        region_name="us-east-1",
        aws_access_key_id=value["AccessKeyId"],
        aws_secret_access_key=value["SecretAccessKey"],
    )
    arn: str = sts.get_caller_identity()["Arn"]
    return arn


def test_first_rotation_creates_the_users_first_key(applied: AppliedStack) -> None:
    rotation = applied.sandbox.wait_for_rotation(applied.outputs["deployer_secret_arn"])

    assert rotation["outcome"] == "succeeded", rotation.get("error")
    value = key_pair(applied)
    assert user_keys(applied) == {value["AccessKeyId"]}
    assert value["Purpose"] == "deploys"
    assert caller_arn(applied, value) == applied.outputs["deployer_user_arn"]


def test_later_rotations_keep_the_previous_key_and_delete_the_one_before(
    applied: AppliedStack,
) -> None:
    arn = applied.outputs["deployer_secret_arn"]
    first = key_pair(applied)["AccessKeyId"]
    assert applied.rotate(arn)["outcome"] == "succeeded"
    second = key_pair(applied)["AccessKeyId"]
    assert user_keys(applied) == {first, second}

    rotation = applied.rotate(arn)

    assert rotation["outcome"] == "succeeded", rotation.get("error")
    third = key_pair(applied)
    assert user_keys(applied) == {second, third["AccessKeyId"]}
    assert key_pair(applied, "AWSPREVIOUS")["AccessKeyId"] == second
    assert caller_arn(applied, third) == applied.outputs["deployer_user_arn"]


def test_a_user_outside_iam_user_arns_is_denied(applied: AppliedStack) -> None:
    rotation = applied.sandbox.wait_for_rotation(applied.outputs["outsider_secret_arn"])

    assert rotation["outcome"] == "failed"
    assert rotation["step"] == "createSecret"
    assert "IamAccessDeniedError" in rotation["error"]
    assert "iam:ListUserTags on user not-rotated was denied" in rotation["error"]
    assert user_keys(applied, "not-rotated") == set()


def test_a_year_of_monthly_rotations_with_a_failed_one_keeps_two_working_keys(
    applied: AppliedStack,
) -> None:
    """Keys live for years, and IAM allows a user two ("Cannot exceed quota for
    AccessKeysPerUser: 2", which the sandbox's IAM enforces). A rotation that fails after
    createSecret has made a key leaves it in AWSPENDING; the reattempt finishes that key rather
    than asking for a third.
    """
    arn = applied.outputs["deployer_secret_arn"]
    before = key_pair(applied)
    made = json.loads(applied.fail_once_then_reattempt(arn, FUNCTION, "testSecret"))
    assert user_keys(applied) == {before["AccessKeyId"], made["AccessKeyId"]}

    for previous, current in applied.rotate_in_windows(arn, MONTHS):
        pairs = [json.loads(value) for value in (previous, current)]
        assert user_keys(applied) == {pair["AccessKeyId"] for pair in pairs}
    # The last two keys work (the clients that read the secret within a month still sign in).
    for pair in pairs:
        assert caller_arn(applied, pair) == applied.outputs["deployer_user_arn"]
