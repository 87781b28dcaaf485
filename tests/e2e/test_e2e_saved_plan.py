"""A saved plan applies from a fresh checkout, as in CI with separate plan and apply jobs.

examples/api-key with its default inputs (only its name differs, so it can share the sandbox with
the other tests), planned with `terraform plan -out` in one copy of the repository, applied with
`terraform apply PLANFILE` from another, fresh copy (new `terraform init`; only the plan file and
the backend's state are shared, as CI jobs share a remote backend), then planned again from a
third fresh copy. The rotator's zip is written by the apply job itself (resource "archive_file").
Last, a later commit that changes a rotator file goes through the same two jobs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import e2e_support
import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = pytest.mark.e2e

NAME = "ci-pipeline/orders/api-key"
PLACEHOLDER = "replaced-by-the-first-rotation"  # the example's initial api_key


def zips(job: Stack) -> list[Path]:
    return sorted((job.dir / "builds").glob("*.zip")) if (job.dir / "builds").exists() else []


@pytest.fixture(scope="module")
def pipeline(e2e_sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    shared = tmp_path_factory.mktemp("ci-pipeline")
    plan_job_zips: list[Path] = []
    apply_job = e2e_support.apply_saved_plan(
        "api-key",
        e2e_sandbox,
        shared,
        {"name": NAME},
        after_plan=lambda plan_job: plan_job_zips.extend(zips(plan_job)),
    )
    try:
        yield {
            "state": e2e_support.state_file(shared),
            "plan_job_zips": plan_job_zips,
            "apply_job": apply_job,
            "applied": AppliedStack(apply_job, e2e_sandbox),
        }
    finally:
        # No destroy (a plan and an apply more): the names are this test's own, and the session's
        # sandbox, which keeps everything in memory, goes away at the end of the run.
        apply_job.cleanup()


def test_plan_job_writes_no_zip(pipeline: dict[str, Any]) -> None:
    assert pipeline["plan_job_zips"] == []


def test_function_runs_the_zip_the_apply_job_wrote(pipeline: dict[str, Any]) -> None:
    applied: AppliedStack = pipeline["applied"]
    [written] = zips(pipeline["apply_job"])
    function = applied.outputs["rotation_function_name"]
    code_sha256 = applied.client("lambda").get_function(FunctionName=function)["Configuration"][
        "CodeSha256"
    ]
    assert code_sha256 == base64.b64encode(hashlib.sha256(written.read_bytes()).digest()).decode()


def test_rotation_by_the_function_from_the_saved_plan_succeeds(pipeline: dict[str, Any]) -> None:
    applied: AppliedStack = pipeline["applied"]
    arn = applied.outputs["secret_arn"]
    # The apply's RotateSecret (rotate_immediately) ran the four steps of the deployed function.
    rotation = applied.sandbox.wait_for_rotation(arn)
    assert rotation["outcome"] == "succeeded", rotation.get("error")
    stages = applied.stages(arn)
    assert sorted(tuple(sorted(s)) for s in stages.values()) == [
        ("AWSCURRENT",),
        ("AWSPREVIOUS", "terraform-initial"),
    ]
    previous = json.loads(applied.value(arn, "AWSPREVIOUS"))
    current = json.loads(applied.value(arn))
    # Compared by fingerprint: a failing assertion never prints a secret.
    assert fingerprint(previous["api_key"]) == fingerprint(PLACEHOLDER)
    assert fingerprint(current["api_key"]) != fingerprint(PLACEHOLDER)
    assert current["client_id"] == previous["client_id"]


def test_later_plan_from_another_fresh_checkout_has_no_changes(
    e2e_sandbox: Sandbox, pipeline: dict[str, Any]
) -> None:
    later_job = e2e_support.fresh_job("api-key", e2e_sandbox, pipeline["state"], {"name": NAME})
    try:
        code, text = later_job.plan_exit_code()
        assert code == 0, f"a plan from a fresh checkout wants changes:\n{text}"
        # Its refresh wrote the zip again, byte for byte: the hash in state did not move.
        [rebuilt] = zips(later_job)
        [applied_zip] = zips(pipeline["apply_job"])
        assert rebuilt.read_bytes() == applied_zip.read_bytes()
    finally:
        later_job.cleanup()


def test_a_changed_rotator_file_reaches_the_function_through_a_saved_plan(
    e2e_sandbox: Sandbox, pipeline: dict[str, Any]
) -> None:
    # The archive packs the rotator's directory, whose files are not its arguments: the digest
    # of them (terraform_data.rotator_package) moves in the plan job and replaces the archive, so
    # the apply job writes the new zip before Lambda uploads it. Last in this file: the plans
    # above expect the first commit's code.
    release_note = "\n# a later commit of the rotator\n"

    def later_commit(job: Stack) -> None:
        handler = job.root / "rotator" / "handler.py"
        handler.write_text(handler.read_text() + release_note)

    applied: AppliedStack = pipeline["applied"]
    function = applied.outputs["rotation_function_name"]
    before = applied.client("lambda").get_function(FunctionName=function)["Configuration"]
    apply_job = e2e_support.apply_saved_plan(
        "api-key",
        e2e_sandbox,
        pipeline["state"].parent,
        {"name": NAME},
        commit=later_commit,
    )
    try:
        [written] = zips(apply_job)
        with zipfile.ZipFile(written) as packed:
            assert packed.read("rotator/handler.py").decode().endswith(release_note)
        after = applied.client("lambda").get_function(FunctionName=function)["Configuration"]
        digest = base64.b64encode(hashlib.sha256(written.read_bytes()).digest()).decode()
        assert after["CodeSha256"] == digest != before["CodeSha256"]
    finally:
        apply_job.cleanup()
