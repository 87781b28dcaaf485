"""EventBridge delivery in the sandbox (sandbox/events.py), on moto's in-process mock.

A rule's SQS target gets a matching event only when the queue's policy lets events.amazonaws.com
send for that rule; a target moto cannot deliver to is skipped, and the other targets still get
the event.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sandbox import events

REGION = "us-east-1"
PATTERN = {"source": ["tests.sandbox"], "detail-type": ["probe"]}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        events.install()
        try:
            yield {name: boto3.client(name, region_name=REGION) for name in ("events", "sqs")}
        finally:
            events.uninstall()


def queue(sqs: Any, name: str, policy: dict[str, Any] | None = None) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    if policy is not None:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    return url, arn


def allow_rule(queue_arn: str, rule_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
            }
        ],
    }


def put_probe(client: Any) -> None:
    response = client.put_events(
        Entries=[{"Source": "tests.sandbox", "DetailType": "probe", "Detail": "{}"}]
    )
    assert response["FailedEntryCount"] == 0


def received(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_queue_gets_the_event_only_when_its_policy_allows_this_rule(
    aws: dict[str, Any],
) -> None:
    client, sqs = aws["events"], aws["sqs"]
    rule_arn = client.put_rule(Name="probe", EventPattern=json.dumps(PATTERN))["RuleArn"]
    other_rule = rule_arn.replace(":rule/probe", ":rule/other")
    allowed_url, allowed_arn = queue(sqs, "allowed")
    allowed_policy = allow_rule(allowed_arn, rule_arn)
    sqs.set_queue_attributes(
        QueueUrl=allowed_url, Attributes={"Policy": json.dumps(allowed_policy)}
    )
    no_policy_url, no_policy_arn = queue(sqs, "no-policy")
    other_url, other_arn = queue(sqs, "other-rule")
    sqs.set_queue_attributes(
        QueueUrl=other_url, Attributes={"Policy": json.dumps(allow_rule(other_arn, other_rule))}
    )
    client.put_targets(
        Rule="probe",
        Targets=[
            {"Id": "allowed", "Arn": allowed_arn},
            {"Id": "no-policy", "Arn": no_policy_arn},
            {"Id": "other-rule", "Arn": other_arn},
        ],
    )

    put_probe(client)

    (event,) = received(sqs, allowed_url)
    assert (event["source"], event["detail-type"]) == ("tests.sandbox", "probe")
    assert received(sqs, no_policy_url) == []
    assert received(sqs, other_url) == []


def test_targets_moto_cannot_deliver_to_are_skipped_not_fatal(aws: dict[str, Any]) -> None:
    client, sqs = aws["events"], aws["sqs"]
    rule_arn = client.put_rule(Name="mixed", EventPattern=json.dumps(PATTERN))["RuleArn"]
    url, arn = queue(sqs, "mixed")
    sqs.set_queue_attributes(
        QueueUrl=url, Attributes={"Policy": json.dumps(allow_rule(arn, rule_arn))}
    )
    client.put_targets(
        Rule="mixed",
        Targets=[
            {"Id": "topic", "Arn": f"arn:aws:sns:{REGION}:123456789012:somewhere"},
            {"Id": "queue", "Arn": arn},
        ],
    )

    put_probe(client)  # moto alone raises NotImplementedError for the topic

    assert len(received(sqs, url)) == 1
    targets = client.list_targets_by_rule(Rule="mixed")["Targets"]
    assert [t["Id"] for t in targets] == ["topic", "queue"], "the rule's targets are unchanged"
