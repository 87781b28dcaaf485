"""The shared plan harness: inventories, cached plans and expected plan failures, against moto."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tfharness

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "harness"


@pytest.mark.parametrize("case", tfharness.cases(HERE / "harness_cases"))
def test_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary], case: tfharness.Case
) -> None:
    plan_validator(FIXTURE, case.inventory, case.tfvars)


def test_inventory_difference_names_address_and_puts_plan_value_first(
    tf: tfharness.TerraformHarness,
) -> None:
    summary = tf.plan(FIXTURE, HERE / "harness_cases" / "two_roles.tfvars")
    wrong = {
        "values": {'module.thing["a"].aws_iam_role.this': {"name": "role-x"}},
        "counts": {"aws_iam_role": 3},
        "outputs": {"role_names": {"a": "role-a"}, "missing": 1},
    }
    with pytest.raises(AssertionError) as raised:
        tfharness.check_inventory(summary, wrong)
    message = str(raised.value)
    assert """module.thing["a"].aws_iam_role.this.name: plan has 'role-a', expected 'role-x'""" in (
        message
    )
    assert "counts.aws_iam_role: plan has 2, expected 3" in message
    assert "output missing: not in the plan" in message


def test_plans_are_cached_by_inputs(tf: tfharness.TerraformHarness) -> None:
    tfvars = HERE / "harness_cases" / "two_roles.tfvars"
    assert tf.plan(FIXTURE, tfvars) is tf.plan(FIXTURE, tfvars)


def test_plan_failure_attributes_validation_error_to_its_module_call(
    tf: tfharness.TerraformHarness,
) -> None:
    failure = tf.plan_failure(FIXTURE, HERE / "harness_invalid.tfvars")
    diagnostic = failure.assert_error(r"at most 10 characters", context='module "thing"')
    assert diagnostic.filename.endswith("main.tf")
    assert len(failure.errors) == 1


def test_plan_failure_fails_the_test_when_the_plan_succeeds(
    offline_terraform_env: dict[str, str], tmp_path: Path
) -> None:
    # An archive-only config: no AWS provider to start, so this costs a second, not eight.
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "f.txt").write_text("x\n")
    tfvars = tmp_path / "ok.tfvars"
    tfvars.write_text(
        f'source_dir = "{tmp_path / "src"}"\n'
        f'source_file = "{tmp_path / "src" / "f.txt"}"\n'
        f'out_dir = "{tmp_path / "out"}"\n'
    )
    harness = tfharness.TerraformHarness(offline_terraform_env)
    with pytest.raises(AssertionError, match="succeeded; expected it to fail"):
        harness.plan_failure(HERE / "fixtures" / "archive", tfvars)


@pytest.mark.parametrize(
    ("actual", "expected", "problems"),
    [
        ({"a": 1, "b": 2}, {"a": 1}, 0),
        ({"a": 1}, {"a": 2}, 1),
        ('{"Statement": [{"Effect": "Allow"}]}', {"Statement": [{"Effect": "Allow"}]}, 0),
        ("not json", {"a": 1}, 1),
        ([1, 2], [1], 1),
        (tfharness.UNKNOWN, tfharness.UNKNOWN, 0),
        ("known", tfharness.UNKNOWN, 1),
        ({"a": {"b": [1, {"c": 3, "d": 4}]}}, {"a": {"b": [1, {"c": 3}]}}, 0),
    ],
)
def test_mismatches_compare_subsets_lists_json_and_unknowns(
    actual: Any, expected: Any, problems: int
) -> None:
    assert len(tfharness.mismatches(actual, expected, "x")) == problems
