"""An org stack applied in one step: a KMS key, a topic, a role and a policy made with the secrets.

tests/e2e/same_stack creates its KMS key, alert topic, reader role and a managed policy in the
same configuration as modules/secret-rotation, modules/rotation-function and
modules/rotating-secret, which take them as inputs (unknown at plan). One `terraform apply`
creates everything and runs the first rotations; a later rotation completes; the next plan shows
no changes.

RotateSecret starts an asynchronous process (API reference), so the tests wait for its end by
polling the secret's labels, with a timeout, rather than assuming it has finished on return.

The tests share one apply and run in file order; the last one destroys the stack.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import AppliedStack, fingerprint, stack_from_tests

from sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
STACK = "same_stack"
ROTATION_TIMEOUT_S = 60.0
POLL_INTERVAL_S = 0.2


@pytest.fixture(scope="module")
def same_stack(e2e_sandbox: Sandbox) -> Iterator[AppliedStack]:
    """tests/e2e/same_stack, applied with a single `terraform apply`."""
    stack = stack_from_tests(STACK, e2e_sandbox)
    try:
        stack.init()
        stack.apply()
        yield AppliedStack(stack, e2e_sandbox)
    finally:
        stack.cleanup()


def wait_for_rotation(stack: AppliedStack, secret_id: str, previous_current: str | None) -> str:
    """The new AWSCURRENT version, once it has moved and no AWSPENDING is left on another one.

    previous_current None waits for the first rotation: the initial version labelled AWSPREVIOUS.
    """
    deadline = time.monotonic() + ROTATION_TIMEOUT_S
    while True:
        stages = stack.stages(secret_id)
        current = next((v for v, s in stages.items() if "AWSCURRENT" in s), None)
        previous = next((v for v, s in stages.items() if "AWSPREVIOUS" in s), None)
        pending = [v for v, s in stages.items() if "AWSPENDING" in s and "AWSCURRENT" not in s]
        moved = previous is not None if previous_current is None else current != previous_current
        if current is not None and moved and not pending:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(
                f"rotation of {secret_id} did not finish in {ROTATION_TIMEOUT_S} s: {stages}"
            )
        time.sleep(POLL_INTERVAL_S)


def test_one_apply_encrypts_both_secrets_with_the_key_created_with_them(
    same_stack: AppliedStack,
) -> None:
    key = same_stack.outputs["kms_key_arn"]
    secrets = same_stack.client("secretsmanager")
    for output in ("secret_arn", "shared_secret_arn"):
        described = secrets.describe_secret(SecretId=same_stack.outputs[output])
        assert described["KmsKeyId"] in (key, key.rsplit("/", 1)[1]), output
    # The key given by ID was turned into its ARN for the role's grant.
    assert same_stack.outputs["shared_secret_kms_key_arn"] == key


def test_one_apply_resolves_an_alias_name_created_with_the_secret(
    same_stack: AppliedStack,
) -> None:
    # The alias's name was known at plan but the alias did not exist: read during the apply.
    assert same_stack.outputs["alias_secret_kms_key_arn"] == same_stack.outputs["kms_key_arn"]
    arn = same_stack.outputs["alias_secret_arn"]
    described = same_stack.client("secretsmanager").describe_secret(SecretId=arn)
    assert described["KmsKeyId"] == "alias/same-stack-secrets"
    wait_for_rotation(same_stack, arn, previous_current=None)  # the grant let it rotate


def test_shared_role_is_granted_the_key_by_arn(same_stack: AppliedStack) -> None:
    iam = same_stack.client("iam")
    role = same_stack.outputs["shared_role_name"]
    key = same_stack.outputs["kms_key_arn"]
    resources = set()
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        document = json.loads(document) if isinstance(document, str) else document
        for statement in document["Statement"]:
            if any(a.startswith("kms:") for a in statement["Action"]):
                found = statement["Resource"]
                resources.update([found] if isinstance(found, str) else found)
    assert resources == {key}


def test_managed_policy_of_the_same_apply_is_attached_to_the_shared_role(
    same_stack: AppliedStack,
) -> None:
    iam = same_stack.client("iam")
    role = same_stack.outputs["shared_role_name"]
    attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [same_stack.outputs["audit_policy_arn"]]


@pytest.mark.parametrize("output", ["secret_arn", "shared_secret_arn"])
def test_first_rotation_ran_during_apply_and_another_completes(
    same_stack: AppliedStack, output: str
) -> None:
    arn = same_stack.outputs[output]
    first = wait_for_rotation(same_stack, arn, previous_current=None)
    initial = json.loads(same_stack.value(arn, "AWSPREVIOUS"))
    assert "replaced-by-the-first-rotation" in initial.values()
    value = fingerprint(same_stack.value(arn))
    same_stack.rotate(arn)
    second = wait_for_rotation(same_stack, arn, previous_current=first)
    assert same_stack.version_with(arn, "AWSPREVIOUS") == first
    assert second != first
    assert fingerprint(same_stack.value(arn)) != value


def test_plan_shows_no_changes_and_destroy_removes_everything(same_stack: AppliedStack) -> None:
    code, text = same_stack.stack.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after apply and rotations:\n{text}"
    same_stack.stack.destroy()
    names = {s["Name"] for s in same_stack.client("secretsmanager").list_secrets()["SecretList"]}
    assert not names & {"same-stack/api-key", "same-stack/shared", "same-stack/alias-named"}
