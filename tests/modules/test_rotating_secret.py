"""Plan tests of modules/rotating-secret: the secret, the grant, the permission, the rotation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import tfharness
from planhelpers import (
    ACCOUNT,
    REGION,
    check_statuses,
    planned_under,
    resource_config,
    walk_values,
)

SUITE = Path(__file__).parent / "rotating_secret"
FIXTURE = SUITE / "fixture"
VARIANTS = SUITE / "variants.tfvars"
KMS_ALIAS = "alias/rotating-secret-tests"  # named in variants.tfvars
PLACEHOLDERS = (
    "PLACEHOLDER-per-secret-7f3a",
    "PLACEHOLDER-alias-key-91c2",
    "PLACEHOLDER-warn-5d1e",
)


def secret(key: str) -> str:
    return f'module.secret["{key}"]'


@pytest.fixture(scope="module")
def alias_key_arn(moto_endpoint: str) -> Iterator[str]:
    """A customer managed key behind KMS_ALIAS in moto, for the alias_key variant to resolve."""
    kms = boto3.client(
        "kms",
        endpoint_url=moto_endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    existing = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    if KMS_ALIAS in existing:
        yield kms.describe_key(KeyId=KMS_ALIAS)["KeyMetadata"]["Arn"]
        return
    key = kms.create_key(Description="rotating-secret plan tests")["KeyMetadata"]
    kms.create_alias(AliasName=KMS_ALIAS, TargetKeyId=key["KeyId"])
    yield key["Arn"]


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness, alias_key_arn: str) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE, VARIANTS)


@pytest.mark.parametrize("case", tfharness.cases(SUITE))
def test_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary],
    alias_key_arn: str,
    case: tfharness.Case,
) -> None:
    plan_validator(FIXTURE, case.inventory, case.tfvars)


def test_grant_names_this_secret_only(plan: tfharness.PlanSummary) -> None:
    document = resource_config(plan.raw, "data.aws_iam_policy_document.rotation", "secret")
    rotate = document["expressions"]["statement"][0]
    assert rotate["sid"]["constant_value"] == "RotateThisSecret"
    # The ARN is unknown until apply; the plan shows where it comes from: the module's local for
    # its own secret's ARN (main.tf says why a local), nothing else.
    assert rotate["resources"]["references"] == ["local.secret_arn"]
    grant = resource_config(plan.raw, "aws_iam_role_policy.rotation", "secret")
    assert grant["expressions"]["policy"]["references"][0] == (
        "data.aws_iam_policy_document.rotation[0].json"
    )
    assert grant["expressions"]["role"]["references"] == ["var.rotation_role_name"]


def test_key_given_by_alias_is_granted_by_its_arn(
    plan: tfharness.PlanSummary, alias_key_arn: str
) -> None:
    document = plan.values[f"{secret('alias_key')}.data.aws_iam_policy_document.rotation[0]"]
    kms_statements = {
        s["sid"]: s for s in document["statement"] if s["sid"].startswith(("Use", "Describe"))
    }
    assert set(kms_statements) == {
        "UseThisSecretKeyThroughSecretsManager",
        "DescribeThisSecretKeyThroughSecretsManager",
    }
    for statement in kms_statements.values():
        # IAM matches key ARNs only: an alias in Resource would grant nothing.
        assert statement["resources"] == [alias_key_arn]
    assert plan.outputs["secrets"]["alias_key"]["kms_key_arn"] == alias_key_arn


def test_aws_managed_key_needs_no_kms_statement(plan: tfharness.PlanSummary) -> None:
    document = plan.values[f"{secret('aws_managed_key')}.data.aws_iam_policy_document.rotation[0]"]
    assert [s["sid"] for s in document["statement"]] == ["RotateThisSecret"]


def test_permission_is_for_this_secret_and_this_account(plan: tfharness.PlanSummary) -> None:
    permission = plan.values[f"{secret('per_secret')}.aws_lambda_permission.this[0]"]
    assert permission["principal"] == "secretsmanager.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["source_account"] == ACCOUNT
    config = resource_config(plan.raw, "aws_lambda_permission.this", "secret")
    assert config["expressions"]["source_arn"]["references"] == ["local.secret_arn"]


def test_given_aws_context_replaces_the_reads(plan: tfharness.PlanSummary) -> None:
    own = [address for address in plan.values if address.startswith(secret("given_context"))]
    reads = [a for a in own if ".data." in a and ".data.aws_iam_policy_document." not in a]
    assert reads == [], "aws_context given: the module reads no account, region or KMS key"
    other_account = "210987654321"
    outputs = plan.outputs["secrets"]["given_context"]
    assert outputs["kms_key_arn"] == (
        f"arn:aws:kms:us-east-1:{other_account}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    permission = plan.values[f"{secret('given_context')}.aws_lambda_permission.this[0]"]
    assert permission["source_account"] == other_account
    # Without aws_context the module reads them itself.
    assert f"{secret('shared')}.data.aws_caller_identity.current[0]" in plan.values


def test_secret_of_a_shared_function_adds_no_permission_and_no_grant(
    plan: tfharness.PlanSummary,
) -> None:
    own = [address for address in plan.values if address.startswith(secret("shared"))]
    assert not [a for a in own if "aws_lambda_permission" in a or "aws_iam_role_policy" in a]


def _graph_edges(dot: str) -> dict[str, set[str]]:
    """`terraform graph` output as node -> the nodes it waits for (names without "[root] ")."""
    edges: dict[str, set[str]] = {}
    for source, target in re.findall(r'"\[root\] ([^"]+)" -> "\[root\] ([^"]+)"', dot):
        edges.setdefault(source, set()).add(target)
    return edges


def _waits_for(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in edges.get(todo.pop(), set()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_rotation_waits_for_permission_grant_and_initial_value(
    tf: tfharness.TerraformHarness, plan: tfharness.PlanSummary
) -> None:
    # Terraform's own ordering, as its plan graph has it: the first rotation (immediate by
    # default) reads AWSCURRENT and needs the invoke permission and the role's grant.
    result = tf.run(FIXTURE, "graph", "-type=plan")
    assert result.returncode == 0, result.stderr
    edges = _graph_edges(result.stdout)
    waits_for = _waits_for(edges, "module.secret.aws_secretsmanager_secret_rotation.this (expand)")
    for prerequisite in (
        "aws_secretsmanager_secret_version.initial_value",
        "aws_lambda_permission.this",
        "aws_iam_role_policy.rotation",
    ):
        assert f"module.secret.{prerequisite} (expand)" in waits_for, prerequisite
    # Through locals, not direct references (main.tf says why): the reference the plan shows.
    rotation = resource_config(plan.raw, "aws_secretsmanager_secret_rotation.this", "secret")
    assert rotation["expressions"]["secret_id"]["references"] == [
        "local.secret_id_after_initial_value"
    ]


def test_initial_value_is_write_only_and_never_in_the_plan(plan: tfharness.PlanSummary) -> None:
    text = json.dumps(plan.raw)
    for placeholder in PLACEHOLDERS:
        assert placeholder not in text
    for address, values in plan.values.items():
        if ".aws_secretsmanager_secret_version." in address:
            assert values["secret_string_wo_version"] == 1
        for key, value in walk_values(values):
            assert not (key == "secret_string" and value is not None), address
    # Only the write-only argument is configured, never a tracked secret_string.
    version = resource_config(plan.raw, "aws_secretsmanager_secret_version.initial_value", "secret")
    assert "secret_string" not in version["expressions"]
    assert "secret_string_wo" in version["expressions"]


def test_long_names_are_shortened_within_iam_and_lambda_limits(
    plan: tfharness.PlanSummary,
) -> None:
    policy_name = plan.values[f"{secret('long_name')}.aws_iam_role_policy.rotation[0]"]["name"]
    statement_id = plan.values[f"{secret('long_name')}.aws_lambda_permission.this[0]"][
        "statement_id"
    ]
    assert len(policy_name) == 128
    assert len(statement_id) == 100


def test_name_ending_like_an_arn_suffix_is_a_warning(plan: tfharness.PlanSummary) -> None:
    statuses = check_statuses(plan.raw, "secret_name_suffix")
    assert statuses[secret("warn_name_suffix")] == "fail"
    assert statuses[secret("per_secret")] == "pass"


def test_immediate_rotation_without_initial_value_is_a_warning(
    plan: tfharness.PlanSummary,
) -> None:
    statuses = check_statuses(plan.raw, "initial_value_for_immediate_rotation")
    assert statuses[secret("warn_no_initial_value")] == "fail"
    assert statuses[secret("per_secret")] == "pass"
    assert statuses[secret("shared")] == "pass"  # rotate_immediately = false


def test_create_false_plans_and_reads_nothing_and_warns_of_nothing(
    plan: tfharness.PlanSummary,
) -> None:
    off = secret("switched_off")
    # Its kms_key_id is an alias that exists nowhere: reading it would have failed the plan.
    assert planned_under(plan.values, plan.actions, off) == []
    assert plan.outputs["secrets"]["switched_off"] == dict.fromkeys(
        plan.outputs["secrets"]["per_secret"]
    )
    # Both inputs warn when the secret is created (warn_name_suffix, warn_no_initial_value).
    assert check_statuses(plan.raw, "secret_name_suffix")[off] == "pass"
    assert check_statuses(plan.raw, "initial_value_for_immediate_rotation")[off] == "pass"
