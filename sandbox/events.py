"""EventBridge delivery as AWS documents it, where moto 5.2.5 differs.

moto matches each event put on a bus against the bus's rules and delivers it to SQS queues,
CloudWatch Logs groups, archives and other buses: the sandbox's own rotation events
(``rotation_testing.secretsmanager.emit_event``) reach an SQS target of an applied rule. Two
differences remain, both repaired here:

- **Resource policies.** moto sends to a queue whatever the queue's policy says. EventBridge may
  send to a queue only when the queue's policy allows the service principal
  ``events.amazonaws.com`` ``sqs:SendMessage`` (usually under ``aws:SourceArn``, the rule's ARN);
  otherwise the event is not delivered and the rule counts a failed invocation.
  https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sqs-permissions
  The sandbox delivers only what the policy allows, and writes a notice for what it drops.
- **Targets moto cannot deliver to** (Lambda, SNS, Step Functions, ECS, ...): moto raises
  NotImplementedError from PutEvents, which stops the event's delivery to every later rule and,
  raised inside the rotation worker, ends a rotation's bookkeeping. The sandbox skips such a
  target with a notice and goes on with the others.
"""

from __future__ import annotations

import json
from typing import Any

from rotation_testing import policy
from sandbox.notices import notice

EVENTS_PRINCIPAL = "events.amazonaws.com"
# What moto's Rule.send_to_targets delivers (moto/events/models.py), by the target ARN's service.
DELIVERED = frozenset({"sqs", "logs", "events"})

_ORIGINALS: dict[str, Any] = {}


def queue_allows(queue_policy: str | None, rule_arn: str, queue_arn: str, account: str) -> bool:
    """Whether a queue's policy lets EventBridge send this rule's events to it."""
    if not queue_policy:
        return False
    document = json.loads(queue_policy)
    relevant = [
        s for s in document.get("Statement", []) if policy.principal_matches(s, EVENTS_PRINCIPAL)
    ]
    context = {"aws:SourceArn": rule_arn, "aws:SourceAccount": account}
    decision = policy.evaluate([{"Statement": relevant}], "sqs:SendMessage", queue_arn, context)
    return decision is policy.Decision.ALLOW


def install() -> None:
    """Patch moto's EventBridge rule delivery (once per process; ``uninstall`` undoes it)."""
    if _ORIGINALS:
        return
    from moto.events.models import Rule  # noqa: PLC0415  moto only where it is used
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    send_to_targets = Rule.send_to_targets
    send_to_sqs_queue = Rule._send_to_sqs_queue
    _ORIGINALS.update(send_to_targets=send_to_targets, send_to_sqs_queue=send_to_sqs_queue)

    def send_to_delivered_targets(self: Any, event: Any, *args: Any, **kwargs: Any) -> None:
        targets = self.targets
        delivered = [t for t in targets if t["Arn"].split(":")[2] in DELIVERED]
        if len(delivered) != len(targets) and self.event_pattern.matches_event(event):
            for target in targets:
                if target not in delivered:
                    notice(f"EventBridge rule {self.name}: no delivery to {target['Arn']} here")
        self.targets = delivered
        try:
            send_to_targets(self, event, *args, **kwargs)
        finally:
            self.targets = targets

    def send_to_sqs_queue_if_allowed(
        self: Any, resource_id: str, event: Any, group_id: str | None = None
    ) -> None:
        backend = sqs_backends[self.account_id][self.region_name]
        queue = backend.queues.get(resource_id)
        if queue is None:
            notice(f"EventBridge rule {self.name}: queue {resource_id} does not exist")
            return
        if not queue_allows(queue.policy, self.arn, queue.queue_arn, self.account_id):
            notice(
                f"EventBridge rule {self.name}: the policy of queue {resource_id} does not let "
                f"{EVENTS_PRINCIPAL} send this rule's events (sqs:SendMessage, aws:SourceArn)"
            )
            return
        send_to_sqs_queue(self, resource_id, event, group_id)

    Rule.send_to_targets = send_to_delivered_targets  # type: ignore[method-assign,assignment]
    Rule._send_to_sqs_queue = send_to_sqs_queue_if_allowed  # type: ignore[method-assign]


def uninstall() -> None:
    if not _ORIGINALS:
        return
    from moto.events.models import Rule  # noqa: PLC0415

    Rule.send_to_targets = _ORIGINALS.pop("send_to_targets")  # type: ignore[method-assign]
    Rule._send_to_sqs_queue = _ORIGINALS.pop("send_to_sqs_queue")  # type: ignore[method-assign]
