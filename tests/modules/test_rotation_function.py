"""Plan tests of modules/rotation-function: inventory, IAM least privilege, ordering, the zip."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tfharness
from planhelpers import (
    ACCOUNT,
    REGION,
    REPO_ROOT,
    beyond_context_reads,
    planned_under,
    resource_config,
    statements,
)

from terraform_offline.archive_standin import build_archive
from terraform_offline.stack import IGNORED

SUITE = Path(__file__).parent / "rotation_function"
FIXTURE = SUITE / "fixture"
BASIC = 'module.function["basic"]'
SCOPED = 'module.function["scoped"]'
SECRET_ACTIONS = {
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
}
SCOPED_SECRETS = {
    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/api-key-AbCdEf",
    f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/db-??????",
}
ENROLLED_SECRETS = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:orders/bulk/*"
SCOPED_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
VIA_SECRETS_MANAGER = {
    ("StringEquals", "kms:ViaService"): {f"secretsmanager.{REGION}.amazonaws.com"}
}


@pytest.mark.parametrize("case", tfharness.cases(SUITE))
def test_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary], case: tfharness.Case
) -> None:
    plan_validator(FIXTURE, case.inventory, case.tfvars)


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE, SUITE / "variants.tfvars")


def test_default_policy_only_writes_its_own_log_group(plan: tfharness.PlanSummary) -> None:
    policy = statements(plan.values[f"{BASIC}.aws_iam_role_policy.this[0]"]["policy"])
    assert set(policy) == {"WriteOwnLogs"}, "no secret, key or network access without inputs"
    logs = policy["WriteOwnLogs"]
    assert logs.actions == {"logs:CreateLogStream", "logs:PutLogEvents"}
    assert logs.resources == {f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/basic:*"}


def test_secrets_are_granted_only_on_the_given_arns(plan: tfharness.PlanSummary) -> None:
    policy = statements(plan.values[f"{SCOPED}.aws_iam_role_policy.this[0]"]["policy"])
    rotate = policy["RotateSecrets"]
    assert rotate.effect == "Allow"
    assert rotate.actions == SECRET_ACTIONS
    assert rotate.resources == SCOPED_SECRETS
    assert rotate.conditions == {}


def test_enrolled_secrets_need_the_prefix_and_the_tag_naming_the_function(
    plan: tfharness.PlanSummary,
) -> None:
    policy = statements(plan.values[f"{SCOPED}.aws_iam_role_policy.this[0]"]["policy"])
    rotate = policy["RotateEnrolledSecrets"]
    assert rotate.effect == "Allow"
    assert rotate.actions == SECRET_ACTIONS
    assert rotate.resources == {ENROLLED_SECRETS}
    assert rotate.conditions == {("StringEquals", "aws:ResourceTag/rotation-function"): {"scoped"}}
    assert "RotateEnrolledSecrets" not in statements(
        plan.values[f"{BASIC}.aws_iam_role_policy.this[0]"]["policy"]
    )
    outputs = plan.outputs["functions"]
    assert outputs["scoped"]["secret_enrolment_tags"] == {"rotation-function": "scoped"}
    assert outputs["basic"]["secret_enrolment_tags"] == {}


def test_kms_key_is_usable_only_through_secrets_manager_for_the_given_secrets(
    plan: tfharness.PlanSummary,
) -> None:
    policy = statements(plan.values[f"{SCOPED}.aws_iam_role_policy.this[0]"]["policy"])
    use = policy["UseSecretKeysThroughSecretsManager"]
    assert use.actions == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert use.resources == {SCOPED_KEY}
    assert use.conditions == {
        **VIA_SECRETS_MANAGER,
        ("StringLike", "kms:EncryptionContext:SecretARN"): {*SCOPED_SECRETS, ENROLLED_SECRETS},
    }
    describe = policy["DescribeSecretKeysThroughSecretsManager"]
    assert describe.actions == {"kms:DescribeKey"}
    assert describe.resources == {SCOPED_KEY}
    assert describe.conditions == VIA_SECRETS_MANAGER


def test_network_interface_permissions_come_only_with_vpc_config(
    plan: tfharness.PlanSummary,
) -> None:
    basic = statements(plan.values[f"{BASIC}.aws_iam_role_policy.this[0]"]["policy"])
    assert not any(a.startswith("ec2:") for s in basic.values() for a in s.actions)
    policy = statements(plan.values[f"{SCOPED}.aws_iam_role_policy.this[0]"]["policy"])
    prefix = f"arn:aws:ec2:{REGION}:{ACCOUNT}"
    # Issue 15: Lambda's guide lists DescribeSubnets for the execution role of a VPC function (as
    # AWSLambdaVPCAccessExecutionRole v3 grants). Describe actions have no resource-level
    # permissions: the only "*" in the policy.
    describe = policy["DescribeNetworkInterfacesAndSubnets"]
    assert describe.actions == {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}
    assert describe.resources == {"*"}
    assert policy["CreateNetworkInterfacesInOwnSubnets"].actions == {"ec2:CreateNetworkInterface"}
    assert policy["CreateNetworkInterfacesInOwnSubnets"].resources == {
        f"{prefix}:network-interface/*",
        f"{prefix}:subnet/subnet-0123456789abcdef0",
        f"{prefix}:subnet/subnet-0fedcba9876543210",
        f"{prefix}:security-group/sg-0123456789abcdef0",
    }
    assert policy["ManageNetworkInterfaces"].actions == {
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    }
    assert policy["ManageNetworkInterfaces"].resources == {f"{prefix}:network-interface/*"}


def test_policies_have_no_wildcard_action_and_no_get_random_password(
    plan: tfharness.PlanSummary,
) -> None:
    for instance in (BASIC, SCOPED):
        for sid, statement in statements(
            plan.values[f"{instance}.aws_iam_role_policy.this[0]"]["policy"]
        ).items():
            assert statement.effect == "Allow"
            for action in statement.actions:
                assert "*" not in action, f"{instance} {sid}: wildcard action {action}"
            # The rotator generates values itself.
            assert "secretsmanager:GetRandomPassword" not in statement.actions
            if statement.resources == {"*"}:
                assert statement.actions == {
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                }, sid


def test_trust_policy_admits_only_lambda_and_optionally_this_account(
    plan: tfharness.PlanSummary,
) -> None:
    basic = statements(plan.values[f"{BASIC}.aws_iam_role.this[0]"]["assume_role_policy"])
    assert basic["LambdaAssumeRole"].actions == {"sts:AssumeRole"}
    assert basic["LambdaAssumeRole"].conditions == {}
    scoped = statements(plan.values[f"{SCOPED}.aws_iam_role.this[0]"]["assume_role_policy"])
    assert scoped["LambdaAssumeRole"].conditions == {
        ("StringEquals", "aws:SourceAccount"): {ACCOUNT}
    }
    document = json.loads(plan.values[f"{SCOPED}.aws_iam_role.this[0]"]["assume_role_policy"])
    assert document["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}


def test_function_is_created_after_its_log_group_and_policy(plan: tfharness.PlanSummary) -> None:
    function = resource_config(plan.raw, "aws_lambda_function.this", "function")
    # Every policy of the role, so the first rotation never runs with part of its grants.
    assert set(function["depends_on"]) == {
        "aws_cloudwatch_log_group.this",
        "aws_iam_role_policy.this",
        "aws_iam_role_policy.rds_managed_master",
        "aws_iam_role_policy.iam_access_keys",
        "aws_iam_role_policy.additional",
        "aws_iam_role_policy_attachment.additional",
    }
    # The log group has the name Lambda would otherwise create on the first invocation.
    assert plan.values[f"{BASIC}.aws_cloudwatch_log_group.this[0]"]["name"] == "/aws/lambda/basic"


def _expected_package_files() -> set[str]:
    package = REPO_ROOT / "rotator"
    return {
        f"rotator/{path.relative_to(package).as_posix()}"
        for path in package.rglob("*.py")
        if not {"tests", "test", "__pycache__"} & set(path.relative_to(package).parts)
        and not path.name.startswith("test_")
        and path.name != "conftest.py"
        # The test helper (imports moto), left out on purpose; test_custom_strategy.py checks it.
        and path.relative_to(package).as_posix() != "testing.py"
    }


def _packed_names(archive: dict[str, Any], out: Path) -> list[str]:
    """The names in the zip archive_file writes from these planned arguments (the stand-in
    walks source_dir and applies excludes as the real provider does)."""
    build_archive(
        {**archive, "source_dir": str(FIXTURE / archive["source_dir"]), "output_path": str(out)}
    )
    with zipfile.ZipFile(out) as packed:
        return packed.namelist()


def test_zip_holds_the_package_python_files_under_rotator(
    plan: tfharness.PlanSummary, tmp_path: Path
) -> None:
    archive = plan.values[f"{BASIC}.archive_file.this[0]"]
    # Packed from the directory, so the rotator's source is not in the plan (or the state).
    assert archive["source"] == []
    assert Path(archive["source_dir"]).name == "package"
    assert (FIXTURE / archive["source_dir"] / "rotator").resolve() == REPO_ROOT / "rotator"
    names = _packed_names(archive, tmp_path / "basic.zip")
    assert set(names) == _expected_package_files()
    assert "rotator/handler.py" in names, "the handler rotator.handler.lambda_handler is shipped"


def test_zip_digest_at_plan_covers_exactly_the_packed_files(
    plan: tfharness.PlanSummary, tmp_path: Path
) -> None:
    # terraform_data.rotator_package replaces the archive when a packed file changes; its list of
    # files (a regex over fileset) and the archive's excludes (globs) must name the same files.
    names = _packed_names(plan.values[f"{BASIC}.archive_file.this[0]"], tmp_path / "basic.zip")
    digests = {
        name.removeprefix("rotator/"): hashlib.sha256((REPO_ROOT / name).read_bytes()).hexdigest()
        for name in names
    }
    expected = hashlib.sha256(
        json.dumps(dict(sorted(digests.items())), separators=(",", ":")).encode()
    ).hexdigest()
    assert plan.values[f"{BASIC}.terraform_data.rotator_package[0]"]["input"] == expected


def test_zip_is_built_at_apply_and_both_functions_pack_the_same_files(
    plan: tfharness.PlanSummary,
) -> None:
    basic = plan.values[f"{BASIC}.archive_file.this[0]"]
    scoped = plan.values[f"{SCOPED}.archive_file.this[0]"]
    # Same directory, excludes and modes: the same bytes, so the same hash (the stand-in's tests
    # show the bytes depend only on these inputs).
    assert (basic["source_dir"], basic["excludes"]) == (scoped["source_dir"], scoped["excludes"])
    assert basic["output_file_mode"] == scoped["output_file_mode"] == "0644"
    # Nothing is written while planning: a saved plan applied in a fresh checkout writes the zip
    # itself before the function uploads it.
    assert not (FIXTURE / basic["output_path"]).exists()
    function = plan.values[f"{BASIC}.aws_lambda_function.this[0]"]
    assert function["filename"] == basic["output_path"]
    assert function["source_code_hash"] == tfharness.UNKNOWN


def test_zip_is_written_outside_the_module_directory(plan: tfharness.PlanSummary) -> None:
    path = (FIXTURE / plan.values[f"{BASIC}.archive_file.this[0]"]["output_path"]).resolve()
    assert path.parent == FIXTURE.resolve() / "builds"
    assert (REPO_ROOT / "modules") not in path.parents


def test_create_false_plans_nothing_and_writes_no_zip(plan: tfharness.PlanSummary) -> None:
    # A PostgreSQL strategy with no driver layer: created, its precondition would fail the plan.
    under = planned_under(plan.values, plan.actions, 'module.function["switched_off"]')
    assert under  # the account, partition and region reads
    assert beyond_context_reads(under) == []
    outputs = plan.outputs["functions"]["switched_off"]
    assert set(outputs) == set(plan.outputs["functions"]["basic"])
    assert {name: value for name, value in outputs.items() if value not in (None, {})} == {}


def test_checkout_without_symlinks_is_a_plan_error_that_says_what_to_do(
    tf: tfharness.TerraformHarness, tmp_path: Path
) -> None:
    # git with core.symlinks false (Windows' default) writes a symlink as a file holding its
    # target; archive_file would pack that file as "rotator" and the function could not start.
    for name in ("modules", "rotator"):
        shutil.copytree(
            REPO_ROOT / name,
            tmp_path / name,
            symlinks=True,
            ignore=IGNORED,
        )
    link = tmp_path / "modules" / "rotation-function" / "package" / "rotator"
    target = os.readlink(link)
    link.unlink()
    link.write_text(target)
    root = tmp_path / "stack"
    root.mkdir()
    (root / "main.tf").write_text(
        'provider "aws" {\n  region = "us-east-1"\n}\n\n'
        'module "function" {\n  source = "../modules/rotation-function"\n  name   = "no-links"\n}\n'
    )
    failure = tf.plan_failure(root)
    failure.assert_error(r"must be the symlink to \.\./\.\./\.\./rotator")
    failure.assert_error(r"core\.symlinks true")
