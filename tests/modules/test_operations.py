"""Plan tests of the operations features: alerts, replicas, the secret's resource policy, tracing.

Each feature is planned on (in the instance named after it) and off (module "off", and the
instances that do not ask for it) in one root config, tests/modules/operations/fixture.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tfharness
from planhelpers import ACCOUNT, REGION, module_config, resource_config, statements

SUITE = Path(__file__).parent / "operations"
FIXTURE = SUITE / "fixture"
INVALID = SUITE / "invalid"
NO_ROLE = SUITE / "no_role"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:platform-alerts"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPLICA_KEY_ARN = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef"
ALERT_TYPES = (
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_cloudwatch_metric_alarm",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_kms_key",
)


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE)


@pytest.fixture(scope="module")
def invalid(tf: tfharness.TerraformHarness) -> tfharness.PlanFailure:
    return tf.plan_failure(INVALID)


def resources_of(plan: tfharness.PlanSummary, module: str, kind: str) -> dict[str, dict[str, Any]]:
    """Planned managed resources of one type anywhere under `module.<module>`."""
    return {
        address: values
        for address, values in plan.values.items()
        if address.startswith(f"module.{module}.")
        and address.split(".")[-2] == kind
        and address.split(".")[-3] != "data"
    }


def one(plan: tfharness.PlanSummary, module: str, kind: str) -> dict[str, Any]:
    found = resources_of(plan, module, kind)
    assert len(found) == 1, f"module.{module}: expected one {kind}, plan has {sorted(found)}"
    return next(iter(found.values()))


def test_plan_matches_inventory(plan_validator: Callable[..., tfharness.PlanSummary]) -> None:
    plan_validator(FIXTURE, SUITE / "inventory.yaml")


# ---- off -----------------------------------------------------------------------------------------


def test_every_feature_off_adds_nothing(plan: tfharness.PlanSummary) -> None:
    for kind in (*ALERT_TYPES, "aws_secretsmanager_secret_policy"):
        assert resources_of(plan, "off", kind) == {}, kind
    # replica is optional and computed: without replicas the provider leaves it to the service.
    assert one(plan, "off", "aws_secretsmanager_secret")["replica"] in ([], tfharness.UNKNOWN)
    function = one(plan, "off", "aws_lambda_function")
    assert function["tracing_config"] == [{"mode": "PassThrough"}]
    assert function["reserved_concurrent_executions"] == -1  # the provider's "none reserved"
    roles = resources_of(plan, "off", "aws_iam_role_policy")
    assert sorted(a.split(".")[-1] for a in roles) == ["rotation[0]", "this[0]"]


# ---- alerts --------------------------------------------------------------------------------------


def test_alerts_create_a_rule_a_topic_with_its_own_key_and_an_errors_alarm(
    plan: tfharness.PlanSummary,
) -> None:
    for kind in ALERT_TYPES:
        assert len(resources_of(plan, "alerts", kind)) == 1, kind
    key = one(plan, "alerts", "aws_kms_key")
    assert key["enable_key_rotation"] is True
    key_policy = statements(key["policy"])
    assert set(key_policy) == {"EnableIamPolicies", "PublishFromThisRule", "PublishFromThisAlarm"}
    for sid in ("PublishFromThisRule", "PublishFromThisAlarm"):
        assert key_policy[sid].actions == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert key_policy["EnableIamPolicies"].effect == "Allow"
    assert one(plan, "alerts", "aws_sns_topic")["name"] == "ops-alerts-rotation-alerts"
    alarm = one(plan, "alerts", "aws_cloudwatch_metric_alarm")
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", "Errors")
    assert alarm["dimensions"] == {"FunctionName": "ops-alerts-rotation"}
    assert alarm["comparison_operator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["treat_missing_data"] == "notBreaching"
    assert alarm["alarm_actions"] == tfharness.UNKNOWN  # the created topic's ARN


def test_topic_key_serves_only_this_rule_and_alarm_for_this_topic(
    plan: tfharness.PlanSummary,
) -> None:
    # Issue 15: without aws:SourceArn any rule or alarm (of any account) could have SNS use the key.
    key_policy = statements(one(plan, "alerts", "aws_kms_key")["policy"])
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:ops-alerts-rotation-alerts"
    expected = {
        "PublishFromThisRule": (
            "events.amazonaws.com",
            f"arn:aws:events:{REGION}:{ACCOUNT}:rule/ops-alerts-rotation-failed",
        ),
        "PublishFromThisAlarm": (
            "cloudwatch.amazonaws.com",
            f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:ops-alerts-rotation-errors",
        ),
    }
    for sid, (_service, source_arn) in expected.items():
        assert key_policy[sid].conditions == {
            ("ArnEquals", "aws:SourceArn"): {source_arn},
            ("StringEquals", "kms:EncryptionContext:aws:sns:topicArn"): {topic},
        }, sid
    # The ARNs the conditions name are those of the resources the module creates.
    assert one(plan, "alerts", "aws_sns_topic")["name"] == topic.rsplit(":", 1)[1]
    assert one(plan, "alerts", "aws_cloudwatch_event_rule")["name"] == "ops-alerts-rotation-failed"
    assert one(plan, "alerts", "aws_cloudwatch_metric_alarm")["alarm_name"] == (
        "ops-alerts-rotation-errors"
    )


def test_long_secret_names_give_rule_names_within_eventbridges_limit(
    plan: tfharness.PlanSummary,
) -> None:
    name = one(plan, "alerts_long_name", "aws_cloudwatch_event_rule")["name"]
    assert len(name) <= 64
    assert name.endswith("-failed")
    assert one(plan, "alerts_long_name", "aws_sns_topic")["name"] == name.replace(
        "-failed", "-alerts"
    )


def test_rule_matches_this_secrets_failed_and_abandoned_rotations(
    plan: tfharness.PlanSummary,
) -> None:
    # The pattern names the secret's ARN, known only after apply: the plan shows where it comes
    # from; tests/e2e/test_e2e_operations.py matches the applied pattern to a recorded event.
    assert one(plan, "alerts", "aws_cloudwatch_event_rule")["event_pattern"] == tfharness.UNKNOWN
    rule = resource_config(plan.raw, "aws_cloudwatch_event_rule.rotation_failed", "alerts")
    assert rule["expressions"]["event_pattern"]["references"] == [
        "local.rotation_failure_event_pattern"
    ]


def test_topic_policy_lets_events_publish_only_from_this_rule(plan: tfharness.PlanSummary) -> None:
    # The ARNs are known after apply (tests/e2e/test_e2e_operations.py reads the applied policy,
    # alarm statement included); the configuration shows what the condition names.
    document = resource_config(
        plan.raw, "data.aws_iam_policy_document.notifications_topic", "alerts"
    )
    (rule,) = document["expressions"]["statement"]
    assert rule["principals"][0]["identifiers"]["constant_value"] == ["events.amazonaws.com"]
    assert rule["condition"][0]["test"]["constant_value"] == "ArnEquals"
    assert rule["condition"][0]["variable"]["constant_value"] == "aws:SourceArn"
    assert rule["condition"][0]["values"]["references"][0] == (
        "aws_cloudwatch_event_rule.rotation_failed[0].arn"
    )


def test_alerts_to_an_existing_topic_create_no_topic_and_target_it(
    plan: tfharness.PlanSummary,
) -> None:
    for kind in ("aws_sns_topic", "aws_sns_topic_policy", "aws_kms_key"):
        assert resources_of(plan, "alerts_existing_topic", kind) == {}, kind
    assert one(plan, "alerts_existing_topic", "aws_cloudwatch_event_target")["arn"] == TOPIC_ARN
    # errors_alarm = false
    assert resources_of(plan, "alerts_existing_topic", "aws_cloudwatch_metric_alarm") == {}


def test_alerts_with_a_given_key_encrypt_the_topic_with_it(plan: tfharness.PlanSummary) -> None:
    assert resources_of(plan, "alerts_given_key", "aws_kms_key") == {}
    assert one(plan, "alerts_given_key", "aws_sns_topic")["kms_master_key_id"] == KEY_ARN


def test_function_alarm_notifies_the_given_topic(plan: tfharness.PlanSummary) -> None:
    alarm = one(plan, "function_alarm", "aws_cloudwatch_metric_alarm")
    assert alarm["alarm_actions"] == [TOPIC_ARN]
    assert (alarm["period"], alarm["threshold"], alarm["evaluation_periods"]) == (60, 2, 1)
    assert one(plan, "function_alarm", "aws_lambda_function")["kms_key_arn"] == KEY_ARN


# ---- replicas ------------------------------------------------------------------------------------


def test_replicas_are_declared_with_their_keys(plan: tfharness.PlanSummary) -> None:
    replicas = one(plan, "replicas", "aws_secretsmanager_secret")["replica"]
    by_region = {r["region"]: r["kms_key_id"] for r in replicas}
    # Without a key, the service picks aws/secretsmanager of that region (known after apply).
    assert by_region == {"eu-west-1": tfharness.UNKNOWN, "eu-central-1": REPLICA_KEY_ARN}


def test_rotation_role_may_encrypt_with_replica_keys_for_this_secret_only(
    plan: tfharness.PlanSummary,
) -> None:
    document = plan.values["module.replicas.module.secret.data.aws_iam_policy_document.rotation[0]"]
    replica = [s for s in document["statement"] if s["sid"].startswith("EncryptReplicaIn")]
    # Only the replica with a customer managed key needs a grant.
    (statement,) = replica
    assert statement["sid"] == "EncryptReplicaInEuCentral1"
    assert set(statement["actions"]) == {"kms:Encrypt", "kms:GenerateDataKey"}
    assert statement["resources"] == [REPLICA_KEY_ARN]
    conditions = {c["variable"]: (c["test"], c["values"]) for c in statement["condition"]}
    assert conditions["kms:ViaService"] == (
        "StringEquals",
        ["secretsmanager.eu-central-1.amazonaws.com"],
    )
    # Issue 15: the replica's ARN (known after apply), as the primary key's grant names the secret.
    assert conditions["kms:EncryptionContext:SecretARN"] == ("StringEquals", [tfharness.UNKNOWN])


def test_replica_grant_is_part_of_the_grant_the_first_rotation_waits_for(
    plan: tfharness.PlanSummary,
) -> None:
    rotation = resource_config(
        plan.raw, "aws_secretsmanager_secret_rotation.this", "replicas", "secret"
    )
    assert "aws_iam_role_policy.rotation" in rotation["depends_on"]


def test_replicas_without_a_role_to_grant_add_no_policy(plan: tfharness.PlanSummary) -> None:
    assert len(one(plan, "replicas_no_role", "aws_secretsmanager_secret")["replica"]) == 1
    assert resources_of(plan, "replicas_no_role", "aws_iam_role_policy") == {}


def test_no_replica_key_no_replica_grant(plan: tfharness.PlanSummary) -> None:
    for module in ("off", "policy_role_by_name"):
        (document,) = [
            v
            for a, v in plan.values.items()
            if a.startswith(f"module.{module}.") and "aws_iam_policy_document.rotation[" in a
        ]
        assert not [s for s in document["statement"] if s["sid"].startswith("EncryptReplica")]


# ---- resource policy -----------------------------------------------------------------------------


def exempt_principals(policy: str) -> set[str]:
    (deny,) = statements(policy).values()
    assert deny.effect == "Deny"
    assert deny.actions == {"secretsmanager:GetSecretValue"}
    return set(deny.conditions[("ArnNotLike", "aws:PrincipalArn")])


def test_resource_policy_never_locks_out_the_rotation_role(plan: tfharness.PlanSummary) -> None:
    # Issue 15: the ARN as given (with its path), never rebuilt from the role's name.
    by_name = one(plan, "policy_role_by_name", "aws_secretsmanager_secret_policy")
    assert exempt_principals(by_name["policy"]) == {
        f"arn:aws:iam::{ACCOUNT}:role/service-roles/shared-rotation"
    }
    assert by_name["block_public_policy"] is True
    by_arn = one(plan, "policy_role_by_arn", "aws_secretsmanager_secret_policy")
    assert exempt_principals(by_arn["policy"]) == {
        f"arn:aws:iam::{ACCOUNT}:role/platform/shared-rotation",
        f"arn:aws:iam::{ACCOUNT}:role/reader",
    }
    assert by_arn["block_public_policy"] is False


def test_composition_exempts_its_own_function_role(plan: tfharness.PlanSummary) -> None:
    assert one(plan, "locked", "aws_secretsmanager_secret_policy")["block_public_policy"] is True
    call = module_config(plan.raw, "locked")["module_calls"]["secret"]
    assert call["expressions"]["rotation_role_arn"]["references"][0] == (
        "module.function.rotation_role_arn"
    )


def test_resource_policy_with_only_the_role_name_fails_the_plan(
    tf: tfharness.TerraformHarness,
) -> None:
    # The name alone would give a wrong ARN for a role with a path: the plan asks for the ARN.
    failure = tf.plan_failure(NO_ROLE)
    failure.assert_error(r"set rotation_role_arn to the role's ARN")


# ---- tracing and concurrency ---------------------------------------------------------------------


def test_active_tracing_grants_only_the_xray_write_actions(plan: tfharness.PlanSummary) -> None:
    function = one(plan, "hardened", "aws_lambda_function")
    assert function["tracing_config"] == [{"mode": "Active"}]
    assert function["reserved_concurrent_executions"] == 5
    tracing = next(
        v
        for a, v in resources_of(plan, "hardened", "aws_iam_role_policy").items()
        if a.endswith("tracing[0]")
    )
    (statement,) = statements(tracing["policy"]).values()
    assert statement.actions == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


# ---- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "message"),
    [
        ("replica_key_alias", r"kms_key_id must be the ARN of a KMS key in that replica's region"),
        ("replica_key_other_region", r"must be the ARN of a KMS key in that replica's region"),
        ("replica_bad_region", r"Each key of replica_regions must be a region name"),
        ("topic_not_arn", r"notifications.sns_topic_arn must be an SNS topic ARN"),
        ("key_with_existing_topic", r"with an existing sns_topic_arn, leave it null"),
        ("reader_not_arn", r"read_principal_arns must list IAM principal ARNs"),
        ("tracing_on", r'tracing_mode must be "PassThrough" or "Active"'),
        ("alarm_period_seconds", r"errors_alarm.period must be a multiple of 60 seconds"),
        ("negative_concurrency", r"reserved_concurrent_executions must be a whole number"),
    ],
)
def test_invalid_input_fails_the_plan_with_what_to_write(
    invalid: tfharness.PlanFailure, module: str, message: str
) -> None:
    invalid.assert_error(message, context=f'module "{module}"')
