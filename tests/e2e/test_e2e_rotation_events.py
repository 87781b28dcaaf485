"""Rotation events for consumers on the sandbox: a rotation's RotationSucceeded reaches a queue.

tests/e2e/rotation_events_stack applies modules/secret-rotation with rotation_events sending to an
SQS queue of the same stack (the module writes the queue's policy), and a second secret rotated
by the same function without them. The events are the sandbox's own, put on the default bus by
its Secrets Manager when a rotation ends (rotation_testing/secretsmanager.py), matched by the
applied rule as moto's EventBridge does, and sent to the queue only because its policy lets this
rule send (sandbox/events.py enforces that, as EventBridge does).

The tests share one apply and run in file order; the last one destroys the stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import AppliedStack, stack_from_tests

from sandbox.server import Sandbox

pytestmark = pytest.mark.e2e

STACK = "rotation_events_stack"


@pytest.fixture(scope="module")
def applied(e2e_sandbox: Sandbox) -> Iterator[AppliedStack]:
    stack = stack_from_tests(STACK, e2e_sandbox)
    try:
        stack.init()
        stack.apply()
        yield AppliedStack(stack, e2e_sandbox)
    finally:
        stack.cleanup()


def received(stack: AppliedStack) -> list[dict[str, Any]]:
    """Every message on the queue now, deleted once read."""
    sqs, url = stack.client("sqs"), stack.outputs["queue_url"]
    found: list[dict[str, Any]] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            found.append(json.loads(message["Body"]))
    return found


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (e["detail"]["eventName"], e["detail"]["additionalEventData"]["SecretId"]) for e in events
    ]


def test_first_rotation_at_apply_reaches_the_queue(applied: AppliedStack) -> None:
    watched, other = applied.outputs["watched_secret_arn"], applied.outputs["other_secret_arn"]
    for arn in (watched, other):
        assert applied.sandbox.wait_for_rotation(arn)["outcome"] == "succeeded"
    # Both secrets rotated once; only the watched secret's RotationSucceeded arrives (not its
    # RotationStarted, not the other secret's events).
    assert summary(received(applied)) == [("RotationSucceeded", watched)]


def test_a_rotation_sends_one_event_as_eventbridge_delivers_it(applied: AppliedStack) -> None:
    watched = applied.outputs["watched_secret_arn"]
    before = applied.version_with(watched, "AWSCURRENT")
    assert applied.rotate(watched)["outcome"] == "succeeded"
    (event,) = received(applied)
    assert event["source"] == "aws.secretsmanager"
    assert event["detail-type"] == "AWS Service Event via CloudTrail"
    assert event["detail"]["eventSource"] == "secretsmanager.amazonaws.com"
    assert summary([event]) == [("RotationSucceeded", watched)]
    # When it arrives, the new value is AWSCURRENT: a consumer that reads now gets it.
    assert applied.version_with(watched, "AWSCURRENT") != before
    assert applied.version_with(watched, "AWSPENDING") is None


def test_another_secret_rotating_sends_nothing(applied: AppliedStack) -> None:
    assert applied.rotate(applied.outputs["other_secret_arn"])["outcome"] == "succeeded"
    assert received(applied) == []


def test_a_failed_rotation_sends_nothing_without_include_failures(
    applied: AppliedStack,
) -> None:
    watched = applied.outputs["watched_secret_arn"]
    function = applied.outputs["rotation_function_name"]
    applied.sandbox.inject_fault(function, "createSecret", "injected: createSecret failed")
    rotation = applied.rotate(watched)
    assert (rotation["outcome"], rotation["step"]) == ("failed", "createSecret")
    assert received(applied) == []
    applied.clear_pending(watched)


def test_the_queue_policy_lets_this_rule_only_send(applied: AppliedStack) -> None:
    attributes = applied.client("sqs").get_queue_attributes(
        QueueUrl=applied.outputs["queue_url"], AttributeNames=["Policy"]
    )["Attributes"]
    (statement,) = json.loads(attributes["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Resource"] == applied.outputs["queue_arn"]
    assert statement["Condition"] == {
        "ArnEquals": {"aws:SourceArn": applied.outputs["rotation_events_rule_arn"]}
    }


def test_plan_shows_no_changes_and_destroy_removes_the_rule(applied: AppliedStack) -> None:
    code, text = applied.stack.plan_exit_code()
    assert code == 0, text
    rule = str(applied.outputs["rotation_events_rule_arn"]).rsplit("/", 1)[1]
    applied.stack.destroy()
    assert applied.client("events").list_rules(NamePrefix=rule)["Rules"] == []
