"""An org stack that creates its keys, topic, roles, network and secrets next to the modules.

tests/modules/same_stack/fixture wires all four modules to resources of the same configuration,
so every input that takes an ARN, ID, name, list or map is unknown at plan. The plan must succeed
in one step (before issue 9, "Invalid count argument" stopped it), create what each module
promises, and carry the unknown values into the policies rather than into any count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tfharness

SUITE = Path(__file__).parent / "same_stack"
FIXTURE = SUITE / "fixture"


@pytest.fixture(scope="module")
def plan(plan_validator: Callable[..., tfharness.PlanSummary]) -> tfharness.PlanSummary:
    return plan_validator(FIXTURE, SUITE / "inventory.yaml")


def under(plan: tfharness.PlanSummary, module: str, address: str) -> dict[str, Any]:
    return plan.values[f"module.{module}.{address}"]


def managed(plan: tfharness.PlanSummary, module: str) -> list[str]:
    """Addresses of the managed resources (not data sources) under `module.<module>.`."""
    return [a for a in plan.values if a.startswith(f"module.{module}.") and ".data." not in a]


def test_one_plan_covers_every_module_with_inputs_from_the_same_apply(
    plan: tfharness.PlanSummary,
) -> None:
    modules = {a.split(".")[1].split("[")[0] for a in plan.values if a.startswith("module.")}
    assert modules == {
        "composed",
        "composed_topic_key",
        "shared",
        "shared_secrets",
        "platform_secret",
        "alias_named_secret",
        "compliance",
    }


def test_given_topic_is_used_and_no_topic_or_key_is_created(plan: tfharness.PlanSummary) -> None:
    own = managed(plan, "composed")
    assert not [a for a in own if ".aws_sns_topic." in a or ".aws_kms_key." in a]
    target = under(plan, "composed", "aws_cloudwatch_event_target.rotation_failed[0]")
    assert target["arn"] == tfharness.UNKNOWN  # the fixture's topic, created in this apply
    alarm = under(plan, "composed", "module.function.aws_cloudwatch_metric_alarm.errors[0]")
    assert alarm["alarm_actions"] == tfharness.UNKNOWN


def test_created_topic_is_encrypted_with_the_given_key(plan: tfharness.PlanSummary) -> None:
    topic = under(plan, "composed_topic_key", "aws_sns_topic.notifications[0]")
    assert topic["kms_master_key_id"] == tfharness.UNKNOWN  # aws_kms_key.alerts.arn
    assert not [a for a in managed(plan, "composed_topic_key") if ".aws_kms_key." in a]


def test_secrets_are_encrypted_with_the_key_from_this_apply(plan: tfharness.PlanSummary) -> None:
    for module in ("composed.module.secret", "platform_secret", 'shared_secrets["orders"]'):
        secret = under(plan, module, "aws_secretsmanager_secret.this[0]")
        assert secret["kms_key_id"] == tfharness.UNKNOWN, module


def test_every_secret_grants_its_rotation_role(plan: tfharness.PlanSummary) -> None:
    grants = [a for a in plan.values if a.endswith("aws_iam_role_policy.rotation[0]")]
    # composed, composed_topic_key, platform, alias_named, three shared secrets
    assert len(grants) == 7
    # The platform secret's role has a generated name: granted through create_role_policy.
    platform = under(plan, "platform_secret", "aws_iam_role_policy.rotation[0]")
    assert platform["role"] == tfharness.UNKNOWN
    # Its policy is unknown until apply, as are the keys and the role it names.
    assert platform["policy"] == tfharness.UNKNOWN


def test_functions_run_in_the_network_from_this_apply(plan: tfharness.PlanSummary) -> None:
    for module in ("shared", "composed.module.function"):
        function = under(plan, module, "aws_lambda_function.this[0]")
        (vpc,) = function["vpc_config"]
        assert vpc["subnet_ids"] == tfharness.UNKNOWN or vpc["subnet_ids"] == [tfharness.UNKNOWN]


def test_compliance_rules_scope_each_secret_from_this_apply(plan: tfharness.PlanSummary) -> None:
    rules = {
        a.split('"')[1]: v for a, v in plan.values.items() if a.startswith("module.compliance.")
    }
    assert {key.split("/", 1)[1] for key in rules} == {
        "composed",
        "platform",
        "shared-billing",
        "shared-orders",
        "shared-search",
    }


def test_alias_name_of_this_apply_is_read_after_the_alias_exists(
    plan: tfharness.PlanSummary,
) -> None:
    # The name is known at plan but the alias is not created yet: a read during plan would stop
    # it with KMS's NotFoundException. The read waits for apply, after the alias.
    assert plan.actions["module.alias_named_secret.data.aws_kms_key.this[0]"] == ["read"]
    secret = under(plan, "alias_named_secret", "aws_secretsmanager_secret.this[0]")
    assert secret["kms_key_id"] == "alias/same-stack-secrets"
    # The grant names the key's ARN, which that read gives.
    grant = under(plan, "alias_named_secret", "aws_iam_role_policy.rotation[0]")
    assert grant["policy"] == tfharness.UNKNOWN
