"""examples/many-secrets at 150 secrets on the sandbox, with AWS's policy size quotas enforced.

150 is above where the old design failed: the shared function's policy listed every secret's ARN
and passed IAM's 10,240-character quota on a role's inline policies at about 110 secrets
(issue 13). The enrolled form (name prefix and tag) keeps the policy's size constant; the per-ARN
form, applied to the same sandbox, is refused with LimitExceeded.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import AppliedStack

from sandbox.quotas import iam_policy_size
from sandbox.server import Sandbox
from terraform_offline.stack import Stack, StackError

# About a minute (`make test-scale` runs only this file); part of `make test`.
pytestmark = [pytest.mark.e2e, pytest.mark.scale]

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
SECRETS = 150
NAME_PREFIX = "team-payments/prod/"
PLACEHOLDER = "replaced-by-the-first-rotation"
PARALLELISM = 30


def secret_keys() -> list[str]:
    return [f"key-{i:03d}" for i in range(SECRETS)]


@pytest.fixture(scope="module")
def scale_sandbox() -> Iterator[Sandbox]:
    """A sandbox of its own, discarded whole: a later file's advance_clock in the shared one would
    otherwise run the windows of these 150 secrets too."""
    with Sandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def at_scale(scale_sandbox: Sandbox) -> Iterator[AppliedStack]:
    """examples/many-secrets with 150 secrets; apply starts each secret's first rotation."""
    stack = Stack("many-secrets", scale_sandbox, reuse_providers=True)
    try:
        stack.write_vars(
            {
                "function_name": "scale-150-rotation",
                "name_prefix": NAME_PREFIX,
                "secrets": {key: {"client_id": f"client-{key}"} for key in secret_keys()},
            }
        )
        stack.init()
        # Three resources per secret, each a short call to the local sandbox: more than
        # Terraform's default ten at a time keeps the apply of 150 secrets short.
        stack.terraform(
            "apply", "-auto-approve", "-input=false", "-no-color", f"-parallelism={PARALLELISM}"
        )
        yield AppliedStack(stack, scale_sandbox)
    finally:
        stack.cleanup()


def test_one_function_rotates_150_enrolled_secrets(at_scale: AppliedStack) -> None:
    secret_arns: dict[str, str] = at_scale.outputs["secret_arns"]
    assert sorted(secret_arns) == secret_keys()
    client = at_scale.client("secretsmanager")
    for key, arn in secret_arns.items():
        rotation = at_scale.sandbox.wait_for_rotation(arn, timeout=120)
        assert rotation["outcome"] == "succeeded", (key, rotation)
        current = json.loads(at_scale.value(arn))
        assert current["client_id"] == f"client-{key}", key
        assert current["api_key"] != PLACEHOLDER, key
        tags = {t["Key"]: t["Value"] for t in client.describe_secret(SecretId=arn)["Tags"]}
        assert tags["rotation-function"] == "scale-150-rotation", key


def test_role_policy_size_does_not_grow_with_the_secrets(at_scale: AppliedStack) -> None:
    iam = at_scale.client("iam")
    role = at_scale.outputs["rotation_role_arn"].rsplit("/", 1)[-1]
    names = iam.list_role_policies(RoleName=role)["PolicyNames"]
    documents = [
        json.dumps(iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"])
        for n in names
    ]
    # No secret is named in it: one statement for the prefix and the tag, whatever their number.
    assert not any("key-0" in document for document in documents)
    assert sum(iam_policy_size(document) for document in documents) < 1_000


def test_per_arn_policy_for_150_secrets_is_refused(scale_sandbox: Sandbox) -> None:
    with tempfile.TemporaryDirectory(prefix="per-arn-source-") as source:
        # Stack copies <source>/modules, <source>/rotator and <source>/examples/<name>.
        root = Path(source)
        (root / "examples").mkdir()
        (root / "modules").symlink_to(REPO_ROOT / "modules")
        (root / "rotator").symlink_to(REPO_ROOT / "rotator")
        (root / "examples" / "per_arn_stack").symlink_to(HERE / "per_arn_stack")
        stack = Stack("per_arn_stack", scale_sandbox, source_root=root, reuse_providers=True)
    try:
        stack.write_vars(
            {
                "function_name": "per-arn-150-rotation",
                "secret_names": [f"{NAME_PREFIX}{key}" for key in secret_keys()],
            }
        )
        stack.init()
        with pytest.raises(StackError) as refused:
            stack.apply()
        message = str(refused.value)
        assert "LimitExceeded" in message
        assert "Maximum policy size of 10240 bytes exceeded for role per-arn-150-rotation" in (
            " ".join(message.split())
        )
    finally:
        stack.cleanup()
