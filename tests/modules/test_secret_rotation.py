"""Plan tests of modules/secret-rotation, the composition whose interface is fixed (issue 3)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import tfharness
from planhelpers import (
    MODULES,
    REPO_ROOT,
    beyond_context_reads,
    check_statuses,
    declarations,
    module_config,
    planned_under,
    statements,
)

SUITE = Path(__file__).parent / "secret_rotation"
FIXTURE = SUITE / "fixture"
VARIANTS = SUITE / "variants.tfvars"
FIXED_INPUTS = [
    "name",
    "description",
    "kms_key_id",
    "recovery_window_in_days",
    "secret_string_wo",
    "secret_string_wo_version",
    "rotation_rules",
    "rotate_immediately",
    "rotate_keys",
    "password_policy",
    "tags",
]
FIXED_OUTPUTS = [
    "secret_arn",
    "secret_id",
    "secret_name",
    "rotation_function_arn",
    "rotation_function_name",
    "rotation_role_arn",
]


def rotation(key: str) -> str:
    return f'module.rotation["{key}"]'


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE, VARIANTS)


@pytest.mark.parametrize("case", tfharness.cases(SUITE))
def test_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary], case: tfharness.Case
) -> None:
    plan_validator(FIXTURE, case.inventory, case.tfvars)


def test_fixed_interface_is_declared_with_its_defaults() -> None:
    variables = {
        v.name: v for v in declarations(MODULES / "secret-rotation/variables.tf", "variable")
    }
    assert set(FIXED_INPUTS) <= set(variables)
    required = {name for name, v in variables.items() if v.required}
    assert required == {"name", "rotation_rules"}
    text = (MODULES / "secret-rotation/variables.tf").read_text()
    block = re.search(r'variable "secret_string_wo" \{(.*?)\n\}', text, re.S)
    assert block
    assert re.search(r"ephemeral\s*=\s*true", block.group(1))
    assert re.search(r'variable "rotate_immediately" \{[^}]*default\s*=\s*true', text)
    assert re.search(r'variable "rotate_keys" \{[^}]*default\s*=\s*\["password"\]', text)
    outputs = [o.name for o in declarations(MODULES / "secret-rotation/outputs.tf", "output")]
    assert set(FIXED_OUTPUTS) <= set(outputs)


def test_every_fixed_output_is_planned(plan: tfharness.PlanSummary) -> None:
    for key in ("api", "minimal", "long_name", "in_vpc"):
        assert set(FIXED_OUTPUTS) <= set(plan.outputs["rotations"][key]), key


def test_create_false_plans_nothing_with_notifications_on(plan: tfharness.PlanSummary) -> None:
    # Created, this instance would have a topic, a key, a rule and an alarm, and would read its
    # kms_key_id, an alias that exists nowhere (the plan would fail).
    under = planned_under(plan.values, plan.actions, rotation("switched_off"))
    assert under  # the account, partition and region reads
    assert beyond_context_reads(under) == []
    outputs = plan.outputs["rotations"]["switched_off"]
    assert set(outputs) == set(plan.outputs["rotations"]["api"])
    assert {name: value for name, value in outputs.items() if value is not None} == {}
    # rotate_immediately (the default) without an initial value warns only when created
    # (rotating_secret/variants.tfvars: warn_no_initial_value).
    warnings = check_statuses(plan.raw, "initial_value_for_immediate_rotation")
    assert warnings[f"{rotation('switched_off')}.module.secret"] == "pass"


def test_function_name_is_derived_from_the_secret_name(plan: tfharness.PlanSummary) -> None:
    names = {
        key: value["rotation_function_name"]
        for key, value in plan.outputs["rotations"].items()
        if key != "switched_off"  # creates no function
    }
    assert names["api"] == "prod-orders-api-key-rotation"
    assert names["in_vpc"] == "db-app-user-rotation"  # given
    long_secret = "platform/shared-services/payments-gateway/production/eu-west-1/api-credentials"
    digest = hashlib.sha1(long_secret.encode()).hexdigest()[:8]  # noqa: S324  a name, not security
    assert (
        names["long_name"]
        == f"{('platform-shared-services-payments-gateway-production-eu-west-1')[:55]}-{digest}"
    )
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,64}", name) for name in names.values())


def test_function_policy_leaves_the_secret_to_the_per_secret_grant(
    plan: tfharness.PlanSummary,
) -> None:
    own = statements(
        plan.values[f"{rotation('api')}.module.function.aws_iam_role_policy.this[0]"]["policy"]
    )
    assert set(own) == {"WriteOwnLogs"}
    grant = plan.values[f"{rotation('api')}.module.secret.data.aws_iam_policy_document.rotation[0]"]
    sids = [s["sid"] for s in grant["statement"]]
    assert sids == [
        "RotateThisSecret",
        "UseThisSecretKeyThroughSecretsManager",
        "DescribeThisSecretKeyThroughSecretsManager",
    ]
    minimal = plan.values[
        f"{rotation('minimal')}.module.secret.data.aws_iam_policy_document.rotation[0]"
    ]
    assert [s["sid"] for s in minimal["statement"]] == ["RotateThisSecret"]


def test_vpc_variant_alone_gets_network_interface_permissions(plan: tfharness.PlanSummary) -> None:
    for key, expected in (("in_vpc", True), ("api", False), ("minimal", False)):
        policy = statements(
            plan.values[f"{rotation(key)}.module.function.aws_iam_role_policy.this[0]"]["policy"]
        )
        has_ec2 = any(a.startswith("ec2:") for s in policy.values() for a in s.actions)
        assert has_ec2 is expected, key


def test_permission_names_the_secret_and_the_grant_the_function_role(
    plan: tfharness.PlanSummary,
) -> None:
    calls = module_config(plan.raw, "rotation")["module_calls"]
    secret_call = calls["secret"]["expressions"]
    assert secret_call["create_lambda_permission"]["constant_value"] is True
    assert (
        secret_call["rotation_role_name"]["references"][0] == "module.function.rotation_role_name"
    )
    permission = plan.values[f"{rotation('api')}.module.secret.aws_lambda_permission.this[0]"]
    assert permission["source_account"] == "123456789012"
    assert permission["source_arn"] == tfharness.UNKNOWN  # the secret's ARN, known at apply


def test_initial_value_never_reaches_the_plan(plan: tfharness.PlanSummary) -> None:
    assert "PLACEHOLDER-api-3c9b" not in json.dumps(plan.raw)


def _copy_tree(source: Path, target: Path) -> None:
    """Copy what a clone would hold: no .terraform, zips, caches or lock files."""
    skipped = {".terraform", "builds", "__pycache__", ".terraform.lock.hcl"}
    shutil.copytree(
        source,
        target,
        symlinks=True,  # as git stores them (modules/rotation-function/package/rotator)
        ignore=lambda _dir, names: [n for n in names if n in skipped],
    )


@pytest.fixture(scope="module")
def git_source_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A root config using modules/secret-rotation through a `git::…//modules/…` source."""
    repository = tmp_path_factory.mktemp("repository")
    _copy_tree(REPO_ROOT / "modules", repository / "modules")
    _copy_tree(REPO_ROOT / "rotator", repository / "rotator")
    git = ["git", "-c", "user.name=tests", "-c", "user.email=tests@example.com"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "modules"], ["tag", "v1.0.0"]):
        subprocess.run([*git, *args], cwd=repository, check=True, capture_output=True)
    root = tmp_path_factory.mktemp("git_source_root")
    (root / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\n'
        'module "rotation" {\n'
        f'  source             = "git::file://{repository}//modules/secret-rotation?ref=v1.0.0"\n'
        '  name               = "git/source-check"\n'
        '  rotation_rules     = { schedule_expression = "cron(0 5 ? * TUE *)", duration = "3h" }\n'
        "  rotate_immediately = false\n"
        "}\n\n"
        # A second call of the same tag: Terraform copies the first download for it.
        'module "second_function" {\n'
        f'  source = "git::file://{repository}//modules/rotation-function?ref=v1.0.0"\n'
        '  name   = "git-source-second"\n'
        "}\n"
    )
    return root


def test_module_works_through_a_git_source(
    tf: tfharness.TerraformHarness, git_source_root: Path
) -> None:
    plan = tf.plan(git_source_root)
    # The module's symlink to rotator/ came down with the repository, and with the copy of it
    # Terraform makes for the second call, and resolves inside each download.
    for function_module in ("module.rotation.module.function", "module.second_function"):
        archive = plan.values[f"{function_module}.archive_file.this[0]"]
        package = git_source_root / archive["source_dir"]
        assert (package / "rotator").is_symlink(), function_module
        handler = (package / "rotator" / "handler.py").resolve()
        assert handler.is_relative_to((git_source_root / ".terraform" / "modules").resolve())
        assert handler.is_relative_to(package.parent.parent.parent.resolve()), function_module
    function = plan.values["module.rotation.module.function.aws_lambda_function.this[0]"]
    assert function["function_name"] == "git-source-check-rotation"
    assert plan.counts["aws_secretsmanager_secret_rotation"] == 1
