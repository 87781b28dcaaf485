"""Alerts on the sandbox: the applied rule catches the RotationFailed event of a failed rotation.

The stack in tests/e2e/operations_stack is applied and a probe queue becomes the target of the
module's rule in place of its topic (moto cannot deliver to SNS targets). A rotation whose step
fails makes the sandbox put Secrets Manager's RotationFailed event on the default bus, as the
service does; moto's EventBridge matches it against the rule's pattern as applied. A successful
rotation's events (RotationStarted, RotationSucceeded) must not reach it. Events the sandbox never
emits (RotationAbandoned, another service's, another secret's) are put from the recorded document
tests/events/rotation_failed_event.json. The secret's resource policy is applied too (the sandbox
does not enforce resource policies: what it denies is checked at plan,
tests/modules/test_operations.py).

The tests share one apply and run in file order; the last one destroys the stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import AppliedStack, stack_from_tests

from sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

HERE = Path(__file__).parent
REPO_ROOT = HERE.parents[1]
EVENT_FILE = REPO_ROOT / "tests" / "events" / "rotation_failed_event.json"
STACK = "operations_stack"
PROBE_ID = "e2e-probe"
OTHER_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-AbC123"


@pytest.fixture(scope="module")
def alerted(e2e_sandbox: Sandbox) -> Iterator[AppliedStack]:
    """tests/e2e/operations_stack applied: secret-rotation with notifications and a policy."""
    stack = stack_from_tests(STACK, e2e_sandbox)
    try:
        stack.init()
        stack.apply()
        applied = AppliedStack(stack, e2e_sandbox)
        e2e_sandbox.wait_for_rotation(applied.outputs["secret_arn"])
        yield applied
    finally:
        stack.cleanup()


@pytest.fixture
def probe(alerted: AppliedStack) -> Iterator[str]:
    """A queue in place of the rule's topic: what the rule lets through.

    moto 5.2.5 cannot deliver an EventBridge event to an SNS target (PutEvents fails with
    NotImplementedError), so the module's target steps aside while the probe listens, and is put
    back as Terraform created it.
    """
    sqs, events = alerted.client("sqs"), alerted.client("events")
    url = sqs.create_queue(QueueName="rotation-alerts-probe")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    rule = rule_name(alerted)
    # EventBridge sends to a queue only as its policy allows (the sandbox enforces it).
    allow = {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": alerted.outputs["rotation_failed_rule_arn"]}},
    }
    policy = json.dumps({"Version": "2012-10-17", "Statement": [allow]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    (topic_target,) = events.list_targets_by_rule(Rule=rule)["Targets"]
    events.remove_targets(Rule=rule, Ids=[topic_target["Id"]])
    events.put_targets(Rule=rule, Targets=[{"Id": PROBE_ID, "Arn": arn}])
    try:
        yield url
    finally:
        events.remove_targets(Rule=rule, Ids=[PROBE_ID])
        events.put_targets(Rule=rule, Targets=[topic_target])
        sqs.delete_queue(QueueUrl=url)


def rule_name(stack: AppliedStack) -> str:
    return str(stack.outputs["rotation_failed_rule_arn"]).rsplit("/", 1)[1]


def recorded_event(stack: AppliedStack, **changes: Any) -> dict[str, Any]:
    text = EVENT_FILE.read_text()
    arn = str(stack.outputs["secret_arn"])
    account = arn.split(":")[4]
    function_arn = f"arn:aws:lambda:{stack.region}:{account}:function:"
    function_arn += str(stack.outputs["rotation_function_name"])
    for placeholder, value in {
        "<SECRET_ID>": arn,
        "<ACCOUNT>": account,
        "<REGION>": stack.region,
        "<FUNCTION_ARN>": function_arn,
    }.items():
        text = text.replace(placeholder, value)
    event: dict[str, Any] = json.loads(text)
    event["detail"].update(changes)
    return event


def put(stack: AppliedStack, event: dict[str, Any]) -> None:
    response = stack.client("events").put_events(
        Entries=[
            {
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": json.dumps(event["detail"]),
                "Resources": event["resources"],
            }
        ]
    )
    assert response["FailedEntryCount"] == 0, response


def delivered(stack: AppliedStack, queue_url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_rule_pattern_names_this_secret(alerted: AppliedStack) -> None:
    rule = alerted.client("events").describe_rule(Name=rule_name(alerted))
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.secretsmanager"],
        "detail-type": ["AWS Service Event via CloudTrail"],
        "detail": {
            "eventSource": ["secretsmanager.amazonaws.com"],
            "eventName": ["RotationFailed", "RotationAbandoned"],
            "additionalEventData": {"SecretId": [alerted.outputs["secret_arn"]]},
        },
    }
    targets = alerted.client("events").list_targets_by_rule(Rule=rule_name(alerted))["Targets"]
    assert [t["Arn"] for t in targets] == [alerted.outputs["notifications_topic_arn"]]


def test_failed_rotation_event_reaches_the_rule(alerted: AppliedStack, probe: str) -> None:
    arn = alerted.outputs["secret_arn"]
    function = alerted.outputs["rotation_function_name"]
    alerted.sandbox.inject_fault(function, "createSecret", "injected: no random password")
    rotation = alerted.rotate(arn)
    assert (rotation["outcome"], rotation["step"]) == ("failed", "createSecret")
    (message,) = delivered(alerted, probe)  # the sandbox's own event, nothing put by hand
    assert message["source"] == "aws.secretsmanager"
    assert message["detail-type"] == "AWS Service Event via CloudTrail"
    assert message["detail"]["eventName"] == "RotationFailed"
    assert message["detail"]["additionalEventData"]["SecretId"] == arn
    assert message["detail"]["errorMessage"].endswith("during createSecret step")
    alerted.clear_pending(arn)


def test_successful_rotation_events_do_not_reach_the_rule(
    alerted: AppliedStack, probe: str
) -> None:
    assert alerted.rotate(alerted.outputs["secret_arn"])["outcome"] == "succeeded"
    assert delivered(alerted, probe) == []


def test_rotation_abandoned_reaches_the_rule_too(alerted: AppliedStack, probe: str) -> None:
    # Same CloudTrail service event document, another event name (AWS lists both).
    put(alerted, recorded_event(alerted, eventName="RotationAbandoned", errorMessage=None))
    assert [m["detail"]["eventName"] for m in delivered(alerted, probe)] == ["RotationAbandoned"]


@pytest.mark.parametrize(
    "changes",
    [
        {"additionalEventData": {"SecretId": OTHER_SECRET_ARN}},
        {"eventSource": "lambda.amazonaws.com"},
    ],
    ids=["other-secret", "other-service"],
)
def test_other_events_do_not_reach_the_rule(
    alerted: AppliedStack, probe: str, changes: dict[str, Any]
) -> None:
    put(alerted, recorded_event(alerted, **changes))
    assert delivered(alerted, probe) == []


def test_topic_is_encrypted_and_only_the_rule_and_the_alarm_may_publish(
    alerted: AppliedStack,
) -> None:
    topic = alerted.outputs["notifications_topic_arn"]
    attributes = alerted.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]
    assert attributes["KmsMasterKeyId"].startswith("arn:aws:kms:")
    alarm_name = f"{alerted.outputs['rotation_function_name']}-errors"
    (alarm,) = alerted.client("cloudwatch").describe_alarms(AlarmNames=[alarm_name])["MetricAlarms"]
    assert alarm["AlarmActions"] == [topic]
    assert alarm["MetricName"] == "Errors"
    publishers = {
        statement["Principal"]["Service"]: statement["Condition"]["ArnEquals"]["aws:SourceArn"]
        for statement in json.loads(attributes["Policy"])["Statement"]
    }
    assert publishers == {
        "events.amazonaws.com": alerted.outputs["rotation_failed_rule_arn"],
        "cloudwatch.amazonaws.com": alarm["AlarmArn"],
    }


def test_resource_policy_exempts_the_rotation_role(alerted: AppliedStack) -> None:
    policy = alerted.client("secretsmanager").get_resource_policy(
        SecretId=alerted.outputs["secret_arn"]
    )
    (deny,) = json.loads(policy["ResourcePolicy"])["Statement"]
    exempt = deny["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert alerted.outputs["rotation_role_arn"] in exempt
    # The first rotation (during apply) and another one still work under the policy.
    assert alerted.rotate(alerted.outputs["secret_arn"])["outcome"] == "succeeded"


def test_plan_shows_no_changes_and_destroy_removes_everything(alerted: AppliedStack) -> None:
    code, text = alerted.stack.plan_exit_code()
    assert code == 0, text
    alerted.stack.destroy()
    assert alerted.client("events").list_rules(NamePrefix=rule_name(alerted))["Rules"] == []
    topics = alerted.client("sns").list_topics()["Topics"]
    assert alerted.outputs["notifications_topic_arn"] not in [t["TopicArn"] for t in topics]
