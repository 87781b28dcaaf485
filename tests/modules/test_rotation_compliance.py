"""Plan tests of modules/rotation-compliance: AWS Config managed rules for rotation, on and off."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import tfharness
from planhelpers import REGION

SUITE = Path(__file__).parent / "rotation_compliance"
FIXTURE = SUITE / "fixture"
INVALID = SUITE / "invalid"
INVALID_SCOPE = SUITE / "invalid_scope"
VARIANTS = SUITE / "variants.tfvars"
RULE = "aws_config_config_rule"


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE, VARIANTS)


@pytest.fixture(scope="module")
def invalid(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(INVALID)


def rules_of(plan: tfharness.PlanSummary, module: str) -> dict[str, dict[str, Any]]:
    prefix = f"{module}.{RULE}.this["
    return {
        address.removeprefix(prefix).rstrip("]").strip('"'): values
        for address, values in plan.values.items()
        if address.startswith(prefix)
    }


@pytest.mark.parametrize("case", tfharness.cases(SUITE))
def test_plan_matches_inventory(
    plan_validator: Callable[..., tfharness.PlanSummary], case: tfharness.Case
) -> None:
    plan_validator(FIXTURE, case.inventory, case.tfvars)


def test_off_creates_nothing(plan: tfharness.PlanSummary) -> None:
    assert rules_of(plan, 'module.compliance["off"]') == {}


def test_per_secret_scope_has_one_rule_per_check_and_secret(plan: tfharness.PlanSummary) -> None:
    rules = rules_of(plan, 'module.compliance["per_secret"]')
    by_secret: dict[str, set[str]] = {}
    for values in rules.values():
        (scope,) = values["scope"]
        by_secret.setdefault(scope["compliance_resource_id"], set()).add(
            values["source"][0]["source_identifier"]
        )
    checks = {
        "SECRETSMANAGER_ROTATION_ENABLED_CHECK",
        "SECRETSMANAGER_SCHEDULED_ROTATION_SUCCESS_CHECK",
        "SECRETSMANAGER_SECRET_PERIODIC_ROTATION",
    }
    assert by_secret == {
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/api-key-AbC123": checks,
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders/db-XyZ789": checks,
    }


def test_only_the_periodic_rule_has_a_frequency(plan: tfharness.PlanSummary) -> None:
    for address, values in plan.values.items():
        if f".{RULE}." not in address:
            continue
        periodic = values["source"][0]["source_identifier"].endswith("PERIODIC_ROTATION")
        assert (values["maximum_execution_frequency"] is not None) == periodic, address


def test_rule_names_are_unique_and_fit_configs_limit(plan: tfharness.PlanSummary) -> None:
    names = [v["name"] for a, v in plan.values.items() if f".{RULE}." in a]
    assert len(names) == len(set(names))
    assert max(len(n) for n in names) <= 128


def test_both_or_neither_scope_is_rejected(tf: tfharness.TerraformHarness) -> None:
    failure = tf.plan_failure(INVALID_SCOPE)
    message = r"Set exactly one of secret_arns .* and tag"
    failure.assert_error(message, context='module "both_scopes"')
    # no_scope sets neither variable, so its error has no source line to name the call by.
    matching = [e for e in failure.errors if re.search(message, e.detail, re.S)]
    assert len(matching) == 2, failure.text


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("secret_name_not_arn", r"secret's full ARN"),
        ("partial_arn", r"secret's full ARN"),
        ("bad_key", r"Each key of secret_arns must be 1 to 64 characters"),
        ("bad_prefix", r"name_prefix must be 1 to 40 characters"),
        ("zero_days", r"max_days_since_rotation must be a whole number of days from 1 to 1000"),
        ("fractional_interval", r"max_rotation_interval_days must be a whole number"),
        ("bad_frequency", r"periodic_frequency must be One_Hour, Three_Hours"),
        ("empty_tag_key", r"tag.key must be 1 to 128 characters"),
    ],
)
def test_invalid_input_fails_the_plan_with_what_to_write(
    invalid: tfharness.PlanFailure, module: str, message: str
) -> None:
    invalid.assert_error(message, context=f'module "{module}"')


def test_rules_apply_on_moto_with_the_managed_rules_parameters(
    tf: tfharness.TerraformHarness, moto_endpoint: str, tmp_path: Path
) -> None:
    """moto checks managed rule identifiers, parameter names and scope combinations on
    PutConfigRule, so an apply proves the rules are well-formed (it evaluates nothing)."""
    state = str(tmp_path / "terraform.tfstate")
    var_file = f"-var-file={VARIANTS.resolve()}"
    applied = tf.run(
        FIXTURE, "apply", "-auto-approve", "-input=false", "-no-color", "-lock=false",
        f"-state={state}", var_file,
    )  # fmt: skip
    try:
        assert applied.returncode == 0, applied.stdout[-3000:] + applied.stderr[-3000:]
        config = boto3.client(
            "config",
            endpoint_url=moto_endpoint,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        rules = {
            rule["ConfigRuleName"]: rule
            for page in config.get_paginator("describe_config_rules").paginate()
            for rule in page["ConfigRules"]
        }
        enabled = rules["orders-rotation-enabled-api_key"]
        assert json.loads(enabled["InputParameters"]) == {"maximumAllowedRotationFrequency": "30"}
        assert enabled["Scope"]["ComplianceResourceTypes"] == ["AWS::SecretsManager::Secret"]
        tagged = rules["tagged-rotation-success"]
        # moto accepted the tag scope (it rejects tag plus resource type) but 5.2.5 answers it
        # under a key the API does not have, which boto3 drops: the plan tests check its value.
        assert "ComplianceResourceTypes" not in tagged["Scope"]
        periodic = rules["periodic-periodic-rotation"]
        assert periodic["MaximumExecutionFrequency"] == "Twelve_Hours"
        assert len([name for name in rules if name.startswith(("orders-", "tagged-"))]) == 9
    finally:
        destroyed = tf.run(
            FIXTURE, "destroy", "-auto-approve", "-input=false", "-no-color", "-lock=false",
            f"-state={state}", var_file,
        )  # fmt: skip
        assert destroyed.returncode == 0, destroyed.stdout[-3000:] + destroyed.stderr[-3000:]
