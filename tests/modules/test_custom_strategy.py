"""Plan tests of custom strategies: packaging beside the rotator, the environment, extra IAM.

One plan of tests/modules/custom_strategy/fixture (rotation-function and secret-rotation with a
custom strategy) and one of .../invalid, where each module call breaks one rule. The rotation
itself, from the packed zip, runs on the sandbox in tests/e2e/test_e2e_custom_api_key.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tfharness
from planhelpers import MODULES, REPO_ROOT, statements

from rotator import strategies

SUITE = Path(__file__).parent / "custom_strategy"
FIXTURE = SUITE / "fixture"
STRATEGY = FIXTURE / "strategy"
FUNCTION = "module.function"
WRAPPED = "module.wrapped.module.function"


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE)


@pytest.fixture(scope="module")
def failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SUITE / "invalid")


@pytest.fixture(scope="module")
def pairing_failure(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(SUITE / "invalid_pairing")


def _entries(plan: tfharness.PlanSummary, function: str) -> dict[str, str]:
    archive = plan.values[f"{function}.archive_file.this[0]"]
    return {block["filename"]: block["content"] for block in archive["source"]}


def test_strategy_files_are_packed_under_custom_strategy_beside_the_rotator(
    plan: tfharness.PlanSummary,
) -> None:
    entries = _entries(plan, FUNCTION)
    custom = {name for name in entries if name.startswith("custom_strategy/")}
    # Code, a library's metadata and data files as pip install --target leaves them; left out:
    # the user's tests (tests/, test/), hidden folders, a virtualenv, and a compiled file.
    assert custom == {
        "custom_strategy/vendor_x.py",
        "custom_strategy/vendor_lib/__init__.py",
        "custom_strategy/vendor_lib/data/words.txt",
        "custom_strategy/vendor_lib-1.0.dist-info/METADATA",
        "custom_strategy/vendor_lib-1.0.dist-info/RECORD",
        "custom_strategy/notes.txt",
    }
    for name in custom:
        assert entries[name] == (STRATEGY / name.removeprefix("custom_strategy/")).read_text()
    assert "rotator/handler.py" in entries
    # The wrapper packs the same files.
    assert _entries(plan, WRAPPED) == entries


def _check_problems(plan: tfharness.PlanSummary, module: str) -> list[str]:
    """The messages of the failed assertions of the module's check blocks (plan warnings)."""
    messages = []
    for check in plan.raw.get("checks", []):
        if check["address"].get("module") != module:
            continue
        for instance in check.get("instances", []):
            messages += [problem["message"] for problem in instance.get("problems", [])]
    return messages


def test_plan_warns_of_a_virtualenv_and_of_files_it_cannot_pack(
    plan: tfharness.PlanSummary,
) -> None:
    problems = _check_problems(plan, FUNCTION)
    assert len(problems) == 2, problems
    venv = next(p for p in problems if "virtualenv" in p)
    assert "holds a virtualenv (env)" in venv
    assert "pip install --target <source_dir> <package>" in venv
    binary = next(p for p in problems if "not UTF-8 text" in p)
    assert ": vendor_lib/_speedups.so. A compiled extension" in binary
    assert "layers input" in binary
    assert len(_check_problems(plan, WRAPPED)) == 2, "the wrapper's function warns the same"


def test_the_users_layers_are_attached_and_none_by_default(plan: tfharness.PlanSummary) -> None:
    wrapped = plan.values[f"{WRAPPED}.aws_lambda_function.this[0]"]
    assert wrapped["layers"] == ["arn:aws:lambda:us-east-1:123456789012:layer:vendor-x-sdk:3"]
    assert not plan.values[f"{FUNCTION}.aws_lambda_function.this[0]"].get("layers")


def test_the_zip_holds_the_rotator_package_and_not_the_test_helper(
    plan: tfharness.PlanSummary,
) -> None:
    """rotation_testing/ imports moto; the function has no use for it, nor for tests."""
    entries = _entries(plan, FUNCTION)
    rotator = {
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "rotator").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert {name for name in entries if name.startswith("rotator/")} == rotator
    assert not [name for name in entries if name.startswith("rotation_testing")]


def test_the_function_is_told_to_load_the_class(plan: tfharness.PlanSummary) -> None:
    for function in (FUNCTION, WRAPPED):
        variables = plan.values[f"{function}.aws_lambda_function.this[0]"]["environment"][0][
            "variables"
        ]
        assert variables["ROTATION_STRATEGY"] == "custom"
        assert variables["CUSTOM_STRATEGY"] == "vendor_x:VendorXKey"
        # The generic strategy's password defaults, for ctx.new_password().
        assert variables["EXCLUDE_CHARACTERS"] == "/@\"'\\"


def test_extra_statements_get_an_inline_policy_of_their_own(plan: tfharness.PlanSummary) -> None:
    policy = statements(plan.values[f"{FUNCTION}.aws_iam_role_policy.additional[0]"]["policy"])
    assert set(policy) == {"ReadVendorParameters", "NeverDeleteParameters"}
    read = policy["ReadVendorParameters"]
    assert (read.effect, read.actions) == ("Allow", {"ssm:GetParameter"})
    assert read.resources == {"arn:aws:ssm:us-east-1:123456789012:parameter/vendor-x/*"}
    assert read.conditions == {("StringEquals", "aws:ResourceTag/team"): {"payments"}}
    assert policy["NeverDeleteParameters"].effect == "Deny"
    # The rotator's own policy is unchanged by them.
    own = statements(plan.values[f"{FUNCTION}.aws_iam_role_policy.this[0]"]["policy"])
    assert set(own) == {"WriteOwnLogs"}
    wrapped = statements(plan.values[f"{WRAPPED}.aws_iam_role_policy.additional[0]"]["policy"])
    assert set(wrapped) == {"ReadVendorUrl"}


def test_managed_policies_known_only_at_apply_are_attached_by_their_key(
    plan: tfharness.PlanSummary,
) -> None:
    attachment = plan.values[f'{FUNCTION}.aws_iam_role_policy_attachment.additional["vendor"]']
    assert attachment["role"] == "vendor-x-rotation"
    assert attachment["policy_arn"] == tfharness.UNKNOWN
    assert not [a for a in plan.values if a.startswith(f"{WRAPPED}.aws_iam_role_policy_attach")]


def test_the_function_waits_for_the_extra_grants(plan: tfharness.PlanSummary) -> None:
    text = (MODULES / "rotation-function" / "function.tf").read_text()
    depends = re.search(r"depends_on\s*=\s*\[(.*?)\]", text, re.S)
    assert depends is not None
    assert "aws_iam_role_policy.additional" in depends.group(1)
    assert "aws_iam_role_policy_attachment.additional" in depends.group(1)
    assert f"{FUNCTION}.aws_lambda_function.this[0]" in plan.values


def test_the_module_and_the_rotator_agree_on_the_name_and_the_class_form() -> None:
    """Terraform cannot import Python: the restated name and pattern are compared here."""
    text = (MODULES / "rotation-function" / "custom_strategy.tf").read_text()
    name = re.search(r'^\s*custom_strategy_name\s*=\s*"([^"]+)"', text, re.M)
    pattern = re.search(r'^\s*custom_class_pattern\s*=\s*"((?:[^"\\]|\\.)*)"', text, re.M)
    assert name is not None
    assert pattern is not None
    assert name.group(1) == strategies.CUSTOM
    assert pattern.group(1).replace("\\\\", "\\") == strategies.CUSTOM_CLASS_SPEC.pattern


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("bad_class", r"custom_strategy.class must be a module path, a colon and a class name"),
        ("missing_module", r"custom_strategy.source_dir holds no file for the module"),
        ("any_action", r"no action \"\*\": name the actions"),
        ("bad_sid", r"statement id: letters and digits only"),
        ("too_many_policies", r"more than 10 managed policies"),
        ("bad_layer", r"Each entry of layers must be a layer version ARN, ending in the version"),
    ],
)
def test_plan_refuses_saying_what_to_change(
    failure: tfharness.PlanFailure, module: str, message: str
) -> None:
    failure.assert_error(message, context=f'module "{module}"')
    if module == "bad_class":
        assert len(failure.errors_in('module "bad_class"')) == 1, "one error for one mistake"


def test_custom_strategy_and_rotation_strategy_custom_go_together(
    pairing_failure: tfharness.PlanFailure,
) -> None:
    together = r"custom_strategy and rotation_strategy = \"custom\" go together"
    pairing_failure.assert_error(together, context='module "custom_without_class"')
    # class_without_custom leaves rotation_strategy at its default, so Terraform reports the
    # rule without a source location: count it instead.
    matching = [
        d for d in pairing_failure.errors if re.search(together, f"{d.summary}\n{d.detail}")
    ]
    assert len(matching) == 2, matching
