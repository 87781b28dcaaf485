"""Upgrading from 0.1.0: the initial version gets its label and AWSCURRENT does not move.

0.1.0 wrote the initial value as ``aws_secretsmanager_secret_version.initial`` with no label of its
own. A stack applied with that code and rotated twice is upgraded in place, as a user bumping the
module's ``?ref=`` would: same state, new sources. The upgrade must not write the initial value
back as AWSCURRENT, and afterwards plans are quiet again.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import REPO_ROOT, Sandbox
from terraform_offline.stack import COPIED, IGNORED, Stack

pytestmark = pytest.mark.e2e

# The last commit of 0.1.0's initial-version design (main before the fix).
RELEASE_0_1_0 = "9786871"
INITIAL_LABEL = "terraform-initial"


def _export(revision: str, target: Path) -> None:
    """The repository's modules/, rotator/ and examples/ as they were at ``revision``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "modules", "rotator", "examples"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryFile() as handle:
        handle.write(archive)
        handle.seek(0)
        with tarfile.open(fileobj=handle) as tar:
            tar.extractall(target, filter="data")


def _upgrade_sources(stack: Stack, example: str) -> None:
    """Replace the stack's sources with this checkout's, keeping its state and .terraform."""
    for name in COPIED:
        shutil.rmtree(stack.root / name, ignore_errors=True)  # 0.1.0 had no scripts/
        shutil.copytree(REPO_ROOT / name, stack.root / name, symlinks=True, ignore=IGNORED)
    for path in stack.dir.glob("*.tf"):
        path.unlink()
    for path in (REPO_ROOT / "examples" / example).glob("*.tf"):
        shutil.copy2(path, stack.dir / path.name)


@pytest.fixture(scope="module")
def stack_0_1_0(e2e_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    old_tree = tmp_path_factory.mktemp("release-0.1.0")
    try:
        _export(RELEASE_0_1_0, old_tree)
    except subprocess.CalledProcessError as error:
        pytest.fail(f"cannot read {RELEASE_0_1_0} from git (a shallow clone?): {error.stderr!r}")
    stack = Stack("api-key", e2e_sandbox, source_root=old_tree, reuse_providers=True)
    stack.write_vars({"name": "upgrade/orders/api-key"})
    # No destroy: the session's sandbox is discarded whole (destroying costs half a minute).
    try:
        stack.init()
        stack.apply()
        yield stack
    finally:
        stack.cleanup()


def test_upgrade_from_0_1_0_keeps_current_and_labels_the_initial_value(
    stack_0_1_0: Stack, e2e_sandbox: Sandbox
) -> None:
    applied = AppliedStack(stack_0_1_0, e2e_sandbox)
    arn = applied.outputs["secret_arn"]
    assert e2e_sandbox.wait_for_rotation(arn)["outcome"] == "succeeded"
    assert applied.rotate(arn)["outcome"] == "succeeded"
    before = applied.stages(arn)
    current_version = applied.version_with(arn, "AWSCURRENT")
    current_value = fingerprint(applied.value(arn))
    # Two rotations in, 0.1.0's initial version holds no label: housekeeping could delete it.
    assert [] in before.values()

    _upgrade_sources(stack_0_1_0, "api-key")
    # As after bumping ?ref=: terraform init fetches the new release and installs the modules it
    # added (rotating-secret's rotation_events, rotation-function's driver_layer).
    stack_0_1_0.init()
    code, plan = stack_0_1_0.plan_exit_code()
    assert code == 2
    assert (
        "aws_secretsmanager_secret_version.initial[0] will no longer be managed by Terraform, "
        "but will not be destroyed"
    ) in plan
    assert "aws_secretsmanager_secret_version.initial_value[0] will be created" in plan
    # Nothing is destroyed or replaced (0.2.0 also adds the archive resource and updates the
    # function's code, whose zip moved).
    assert re.search(r"Plan: \d+ to add, \d+ to change, 0 to destroy\.", plan), plan
    assert "must be replaced" not in plan
    stack_0_1_0.apply()

    after = applied.stages(arn)
    assert applied.version_with(arn, "AWSCURRENT") == current_version
    assert fingerprint(applied.value(arn)) == current_value
    labelled = [v for v, stages in after.items() if INITIAL_LABEL in stages]
    assert len(labelled) == 1
    assert after[labelled[0]] == [INITIAL_LABEL]
    initial = json.loads(applied.value(arn, INITIAL_LABEL))
    assert initial["api_key"] == "replaced-by-the-first-rotation"
    # The old initial version is untouched (forgotten, not destroyed): the same labels as before.
    assert {v: s for v, s in after.items() if v in before} == before

    code, plan = stack_0_1_0.plan_exit_code()
    assert code == 0, f"terraform plan wants changes after the upgrade:\n{plan}"
