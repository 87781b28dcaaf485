"""Plan tests of rotation events for consumers: modules/rotation-events, through rotating-secret's
and secret-rotation's rotation_events input and on its own (the shared-function layout).

tests/modules/rotation_events/fixture plans every target type on one secret, a queue from the
same apply (ARN unknown at plan), a secret without the input, and a rule on a name prefix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import tfharness
from planhelpers import planned_under, resource_config, statements

SUITE = Path(__file__).parent / "rotation_events"
FIXTURE = SUITE / "fixture"
INVALID = SUITE / "invalid"
EVENTS = "module.secret.module.rotation_events[0]"
UNKNOWN = tfharness.UNKNOWN


@pytest.fixture(scope="module")
def plan(tf: tfharness.TerraformHarness) -> tfharness.PlanSummary:
    return tf.plan(FIXTURE)


def value(plan: tfharness.PlanSummary, address: str) -> dict[str, Any]:
    assert address in plan.values, f"{address} is not planned"
    return plan.values[address]


def test_one_rule_per_secret_for_its_rotation_events(plan: tfharness.PlanSummary) -> None:
    rule = value(plan, f"{EVENTS}.aws_cloudwatch_event_rule.this")
    assert rule["name"] == "orders-db-rotated"
    assert rule["event_bus_name"] == "default"
    # The secret's ARN is known at apply only; the module call passes the module's own secret.
    call = plan.raw["configuration"]["root_module"]["module_calls"]["secret"]["module"]
    events_call = call["module_calls"]["rotation_events"]
    assert events_call["expressions"]["secret_arns"]["references"] == ["local.secret_arn"]
    assert events_call["count_expression"]["references"] == [
        "var.create",
        "var.rotation_events",
    ]


def test_pattern_matches_the_named_secrets_and_events(plan: tfharness.PlanSummary) -> None:
    rule = value(plan, "module.shared.aws_cloudwatch_event_rule.this")
    assert rule["name"] == "orders-rotated"
    assert json.loads(rule["event_pattern"]) == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationSucceeded"],
            "additionalEventData": {
                "SecretId": [
                    {"prefix": "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/"}
                ]
            },
        },
    }
    with_failures = value(plan, f"{EVENTS}.aws_cloudwatch_event_rule.this")["description"]
    assert "RotationSucceeded, RotationFailed, RotationAbandoned" in with_failures


def test_each_target_gets_the_event_as_it_is(plan: tfharness.PlanSummary) -> None:
    targets = {
        key: value(plan, f'{EVENTS}.aws_cloudwatch_event_target.this["{key}"]')
        for key in ("reload", "queue", "topic", "redeploy", "task")
    }
    assert (
        targets["reload"]["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:orders-reload"
    )
    assert targets["queue"]["arn"] == UNKNOWN  # the queue of the same apply
    for key, target in targets.items():
        assert target["target_id"] == key
        assert target["input"] is None, "no input transformer: the event itself"
        assert target["input_transformer"] == []
    # Resource policies for Lambda, SQS, SNS; a role for Step Functions and ECS.
    for key in ("reload", "queue", "topic"):
        assert targets[key]["role_arn"] is None, key
    assert targets["redeploy"]["role_arn"] == UNKNOWN  # the role created here
    assert targets["task"]["role_arn"] == UNKNOWN
    (ecs,) = targets["task"]["ecs_target"]
    assert ecs["task_definition_arn"] == (
        "arn:aws:ecs:us-east-1:123456789012:task-definition/orders-reload:3"
    )
    assert (ecs["launch_type"], ecs["task_count"]) == ("FARGATE", 1)
    (network,) = ecs["network_configuration"]
    assert network["subnets"] == ["subnet-0123456789abcdef0"]
    assert network["assign_public_ip"] is False


def test_lambda_may_be_invoked_by_this_rule_only(plan: tfharness.PlanSummary) -> None:
    permission = value(plan, f'{EVENTS}.aws_lambda_permission.target["reload"]')
    assert permission["principal"] == "events.amazonaws.com"
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["function_name"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:orders-reload"
    )
    assert permission["statement_id"] == "orders-db-rotated-reload"
    config = resource_config(plan.raw, "aws_lambda_permission.target", "secret", "rotation_events")
    assert config["expressions"]["source_arn"]["references"][0] == (
        "aws_cloudwatch_event_rule.this.arn"
    )


def test_queue_policy_lets_this_rule_send_and_topic_policy_is_left_to_its_owner(
    plan: tfharness.PlanSummary,
) -> None:
    document = value(plan, f'{EVENTS}.data.aws_iam_policy_document.resource_policy["queue"]')
    (statement,) = document["statement"]
    assert statement["actions"] == ["sqs:SendMessage"]
    assert statement["principals"] == [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    (condition,) = statement["condition"]
    assert (condition["test"], condition["variable"]) == ("ArnEquals", "aws:SourceArn")
    assert f'{EVENTS}.aws_sqs_queue_policy.target["queue"]' in plan.values
    # create_resource_policy = false: the statement is computed (an output to merge), the
    # topic's own policy is not replaced.
    assert f'{EVENTS}.data.aws_iam_policy_document.resource_policy["topic"]' in plan.values
    assert not [a for a in plan.values if "aws_sns_topic_policy" in a]
    assert not [a for a in plan.values if a.startswith("module.shared.aws_sqs_queue_policy")]


def test_roles_may_start_this_state_machine_or_run_this_task_only(
    plan: tfharness.PlanSummary,
) -> None:
    sfn = statements(value(plan, f'{EVENTS}.aws_iam_role_policy.target["redeploy"]')["policy"])
    assert sfn["StartThisStateMachine"].actions == {"states:StartExecution"}
    assert sfn["StartThisStateMachine"].resources == {
        "arn:aws:states:us-east-1:123456789012:stateMachine:orders-redeploy"
    }
    ecs = statements(value(plan, f'{EVENTS}.aws_iam_role_policy.target["task"]')["policy"])
    assert ecs["RunThisTaskOnThisCluster"].actions == {"ecs:RunTask"}
    assert ecs["RunThisTaskOnThisCluster"].conditions == {
        ("ArnEquals", "ecs:cluster"): {"arn:aws:ecs:us-east-1:123456789012:cluster/orders"}
    }
    assert ecs["PassTheTaskRoles"].resources == {"arn:aws:iam::123456789012:role/orders-task"}
    assert ecs["PassTheTaskRoles"].conditions == {
        ("StringLike", "iam:PassedToService"): {"ecs-tasks.amazonaws.com"}
    }
    trust = value(plan, f'{EVENTS}.data.aws_iam_policy_document.target_trust["task"]')
    (statement,) = trust["statement"]
    assert statement["principals"][0]["identifiers"] == ["events.amazonaws.com"]
    assert statement["condition"][0]["variable"] == "aws:SourceArn"
    # A target with its own role gets none created.
    roles = sorted(a for a in plan.values if ".aws_iam_role.target[" in a)
    assert roles == [
        f'{EVENTS}.aws_iam_role.target["redeploy"]',
        f'{EVENTS}.aws_iam_role.target["task"]',
    ]


def test_a_secret_without_the_input_plans_nothing_more(plan: tfharness.PlanSummary) -> None:
    assert planned_under(plan.values, plan.actions, "module.plain.module.rotation_events") == []


def test_secret_rotation_passes_the_input_through(plan: tfharness.PlanSummary) -> None:
    prefix = "module.rotation.module.secret.module.rotation_events[0]"
    rule = value(plan, f"{prefix}.aws_cloudwatch_event_rule.this")
    assert rule["name"] == "orders-api-key-rotated"
    assert f'{prefix}.aws_cloudwatch_event_target.this["queue"]' in plan.values
    assert f'{prefix}.aws_sqs_queue_policy.target["queue"]' in plan.values
    given = value(plan, f'{prefix}.aws_cloudwatch_event_target.this["given_role"]')
    assert given["role_arn"] == "arn:aws:iam::123456789012:role/events-start-audit"


def test_inputs_a_user_can_get_wrong_are_refused_with_what_to_write(
    tf: tfharness.TerraformHarness,
) -> None:
    failure = tf.plan_failure(INVALID, SUITE / "invalid.tfvars")
    for message in (
        "A rule takes at most 5 targets",
        "Each key of targets must be 1 to 32 of",
        "Each target's type must be one of lambda, sqs, sns, sfn, ecs",
        "Each target's arn must be of its type",
        "An ecs target needs ecs = { task_definition_arn",
        "role_arn and create_role are for sfn and ecs targets",
    ):
        failure.assert_error(re.escape(message))
