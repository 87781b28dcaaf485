"""Plan tests of how rotation-function gets a database driver: built by pip during apply
(modules/driver-layer, the default), or a layer version published beforehand (driver_layer_arn).

Nothing of the build happens at plan: the layer is tied to the requirements file and its own
arguments, all known at plan, and its zip is written by the apply (tests/e2e/test_e2e_git_source.py
applies it, from a git source, and as a saved plan in a fresh directory).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import tfharness
from planhelpers import REPO_ROOT

SUITE = Path(__file__).parent / "driver_layer"
PUBLISHED = "arn:aws:lambda:us-east-1:123456789012:layer:rotation-pg8000:7"


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(SUITE / "fixture")


def test_default_builds_the_layer_during_apply_from_the_pinned_requirements(
    plan: tfharness.PlanSummary,
) -> None:
    build = plan.values["module.built.module.driver_layer[0].terraform_data.build"]
    triggers = build["triggers_replace"]
    requirements = (REPO_ROOT / "scripts/layers/postgres.txt").read_bytes()
    assert triggers["requirements"] == hashlib.sha256(requirements).hexdigest()
    layer = plan.values["module.built.module.driver_layer[0].aws_lambda_layer_version.this"]
    assert layer["layer_name"] == "orders-db-rotation-pg8000"
    assert layer["compatible_runtimes"] == ["python3.13"]
    assert sorted(layer["compatible_architectures"]) == ["arm64", "x86_64"]
    # The zip the apply writes: relative to the directory Terraform runs in, as the function's.
    assert layer["filename"] == "./builds/orders-db-rotation-pg8000.zip"
    # Every argument that makes a new version (which reads the zip) also rebuilds the zip.
    for argument in ("layer_name", "description", "filename", "compatible_runtimes"):
        assert triggers[argument] == layer[argument], argument
    # Not set: no hash of a zip that does not exist at plan (computed by the provider).
    assert layer.get("source_code_hash") in (None, tfharness.UNKNOWN)
    function = plan.values["module.built.aws_lambda_function.this[0]"]
    assert function["layers"] == tfharness.UNKNOWN
    assert not [a for a in plan.values if a.startswith("module.built.archive_file.driver")]


def test_published_layer_arn_is_attached_and_nothing_is_built(
    plan: tfharness.PlanSummary,
) -> None:
    for module in ("module.published", "module.wrapped.module.function"):
        function = plan.values[f"{module}.aws_lambda_function.this[0]"]
        assert function["layers"] == [PUBLISHED], module
        built = [a for a in plan.values if a.startswith(module) and "layer" in a]
        assert built == [], module


def test_driver_layer_module_publishes_on_its_own(plan: tfharness.PlanSummary) -> None:
    layer = plan.values["module.standalone.aws_lambda_layer_version.this"]
    assert layer["layer_name"] == "rotation-pg8000"
    assert layer["compatible_runtimes"] == ["python3.12"]
    assert "module.standalone.terraform_data.build" in plan.values
    assert plan.counts["aws_lambda_layer_version"] == 2, "built and standalone only"
