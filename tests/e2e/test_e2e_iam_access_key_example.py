"""examples/iam-access-key applied as written on the sandbox: the one-secret wrapper binds the
user to its secret through the function's configuration (IAM_USER_BINDINGS), so the first
rotation, which starts inside the same apply before anything could tag the user, succeeds.

Before that binding the strategy required a tag on the user naming the module's secret, which
the example cannot set before its own rotation starts, and this first rotation failed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from e2e_support import AppliedStack

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def applied() -> Iterator[AppliedStack]:
    with Sandbox() as sandbox:
        stack = Stack("iam-access-key", sandbox, reuse_providers=True)
        try:
            stack.init()
            stack.apply()
            yield AppliedStack(stack, sandbox)
        finally:
            stack.cleanup()


def test_the_examples_first_rotation_succeeds_and_its_key_signs_in(applied: AppliedStack) -> None:
    arn = applied.outputs["secret_arn"]
    rotation = applied.sandbox.wait_for_rotation(arn)

    assert rotation["outcome"] == "succeeded", rotation.get("error")
    value = json.loads(applied.value(arn))
    user = applied.outputs["user_arn"].rsplit("/", 1)[-1]
    assert value["UserName"] == user
    listed = applied.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
    assert {k["AccessKeyId"] for k in listed} == {value["AccessKeyId"]}
    # No tag binds the user: the module's configuration did.
    tags = applied.client("iam").list_user_tags(UserName=user)["Tags"]
    assert "rotation-secret-arn" not in {t["Key"] for t in tags}
    sts: Any = boto3.client(
        "sts",
        endpoint_url=applied.sandbox.endpoint,
        region_name="us-east-1",
        aws_access_key_id=value["AccessKeyId"],
        aws_secret_access_key=value["SecretAccessKey"],
    )
    assert sts.get_caller_identity()["Arn"] == applied.outputs["user_arn"]
