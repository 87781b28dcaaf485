"""`resource "archive_file"` in the OFFLINE STAND-IN is built when the real one is: at apply, and
again at every refresh, from the attributes in state.

Each job is a fresh copy of the fixture with its own `terraform init`, as CI jobs are fresh
checkouts. The jobs share a state file (as CI jobs share a backend) and, from the plan job to the
apply job, the saved plan file: nothing else, in particular no zip.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tfharness

FIXTURE = Path(__file__).parent / "fixtures" / "archive_resource"


@pytest.fixture(scope="module")
def offline_tf(offline_terraform_env: dict[str, str]) -> tfharness.TerraformHarness:
    # The stand-in itself is under test: select it even if the mirror holds the real provider.
    from terraform_offline import offline_env  # noqa: PLC0415

    return tfharness.TerraformHarness({**offline_terraform_env, **offline_env(force_standin=True)})


@dataclass
class Jobs:
    root: Path
    source_dir: Path
    tf: tfharness.TerraformHarness

    def new(self, name: str) -> Path:
        """A fresh checkout of the fixture whose state lives outside it, shared by every job."""
        job = self.root / name
        shutil.copytree(FIXTURE, job)
        (job / "backend.tf").write_text(
            f'terraform {{\n  backend "local" {{\n    path = "{self.root / "shared.tfstate"}"\n'
            "  }\n}\n"
        )
        return job

    def run(self, job: Path, command: str, *args: str, ok: tuple[int, ...] = (0,)) -> str:
        # Options first: `terraform apply PLANFILE` takes the plan file as its last argument.
        result: subprocess.CompletedProcess[str] = self.tf.run(
            job, command, "-input=false", "-no-color", *args
        )
        assert result.returncode in ok, f"terraform {command} in {job.name}:\n{result.stderr}"
        return result.stdout

    def planned(self, job: Path, plan_file: str) -> tfharness.PlanSummary:
        text = self.tf.run(job, "show", "-json", plan_file).stdout
        return tfharness.summarize_plan(json.loads(text))

    def var(self) -> str:
        return f"-var=source_dir={self.source_dir}"


def _zip_names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def jobs(offline_tf: tfharness.TerraformHarness, tmp_path_factory: pytest.TempPathFactory) -> Jobs:
    root = tmp_path_factory.mktemp("jobs")
    src = root / "layer"
    (src / "python" / "pkg" / "__pycache__").mkdir(parents=True)
    (src / "python" / "pkg" / "__init__.py").write_text("")
    (src / "python" / "pkg" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"\0")
    return Jobs(root=root, source_dir=src, tf=offline_tf)


@pytest.fixture(scope="module")
def applied(jobs: Jobs) -> dict[str, Any]:
    """Plan with -out in one job; apply that plan file in another, fresh one."""
    plan_job = jobs.new("plan-job")
    jobs.run(plan_job, "plan", jobs.var(), "-out=saved.tfplan")
    apply_job = jobs.new("apply-job")
    shutil.copy(plan_job / "saved.tfplan", apply_job / "saved.tfplan")
    jobs.run(apply_job, "apply", "saved.tfplan")
    outputs = json.loads(jobs.tf.run(apply_job, "output", "-json").stdout)
    return {"plan_job": plan_job, "apply_job": apply_job, "archives": outputs["archives"]["value"]}


def test_plan_writes_no_archive_and_leaves_the_digests_unknown(
    jobs: Jobs, applied: dict[str, Any]
) -> None:
    assert not (applied["plan_job"] / "builds").exists()
    plan = jobs.planned(applied["plan_job"], "saved.tfplan")
    for name in ("archive_file.blocks", "archive_file.dir"):
        assert plan.actions[name] == ["create"]
        assert plan.values[name]["output_base64sha256"] == tfharness.UNKNOWN


def test_apply_of_the_saved_plan_writes_the_archives_in_the_apply_job(
    applied: dict[str, Any],
) -> None:
    builds = applied["apply_job"] / "builds"
    assert _zip_names(builds / "blocks.zip") == ["pkg/__init__.py", "pkg/handler.py"]
    assert _zip_names(builds / "dir.zip") == ["python/pkg/__init__.py"]
    for name in ("blocks", "dir"):
        data = (builds / f"{name}.zip").read_bytes()
        assert applied["archives"][name]["output_size"] == len(data)


@pytest.fixture(scope="module")
def later(jobs: Jobs, applied: dict[str, Any]) -> Path:
    """A third fresh job, after the apply: every later plan of the tests below runs in it."""
    return jobs.new("later-job")


def test_a_later_plan_in_a_fresh_job_rebuilds_the_archives_and_changes_nothing(
    jobs: Jobs, applied: dict[str, Any], later: Path
) -> None:
    jobs.run(later, "plan", jobs.var(), "-detailed-exitcode")
    for name in ("blocks", "dir"):
        rebuilt = (later / "builds" / f"{name}.zip").read_bytes()
        assert rebuilt == (applied["apply_job"] / "builds" / f"{name}.zip").read_bytes(), name


def test_a_changed_source_block_replaces_the_archive_and_only_it_changes_in_place(
    jobs: Jobs, applied: dict[str, Any], later: Path
) -> None:
    job = later
    jobs.run(
        job,
        "plan",
        jobs.var(),
        "-var=handler=def handler(event, context): return 1\n",
        "-var=exclude_symlink_directories=true",
        "-out=changes.tfplan",
    )
    plan = jobs.planned(job, "changes.tfplan")
    # Content and filename of a `source` block require replacement, as in the real schema.
    assert plan.actions["archive_file.blocks"] == ["delete", "create"]
    assert plan.values["archive_file.blocks"]["output_base64sha256"] == tfharness.UNKNOWN
    # exclude_symlink_directories is the one argument the real resource updates in place.
    assert plan.actions["archive_file.dir"] == ["update"]
    before = applied["archives"]["dir"]["output_base64sha256"]
    assert plan.values["archive_file.dir"]["output_base64sha256"] == before


def test_new_content_in_source_dir_only_changes_the_digests_at_refresh(
    jobs: Jobs, applied: dict[str, Any], later: Path
) -> None:
    # The real provider's behaviour too: source_dir is a path, so new files under it do not
    # replace the resource; its read rebuilds the zip and reports new digests. Whatever uploads
    # the zip then changes in a plan whose apply does not write it: why the module replaces the
    # layer archive through a digest of the directory (modules/rotation-function/layer.tf).
    added = jobs.source_dir / "python" / "pkg" / "added.py"
    added.write_text("ADDED = True\n")
    try:
        jobs.run(later, "plan", jobs.var(), "-out=refresh.tfplan")
        plan = jobs.planned(later, "refresh.tfplan")
    finally:
        added.unlink()
    assert plan.actions["archive_file.dir"] == ["no-op"]
    refreshed = plan.raw["prior_state"]["values"]["root_module"]["resources"]
    digest = next(r for r in refreshed if r["address"] == "archive_file.dir")["values"]
    assert digest["output_base64sha256"] != applied["archives"]["dir"]["output_base64sha256"]
    assert "python/pkg/added.py" in _zip_names(later / "builds" / "dir.zip")
