"""An outage longer than the client's retries, at every Secrets Manager call of every step.

After each: the step failed with an error that says so, AWSCURRENT is untouched, and the service's
retry with the same token completes the rotation.
"""

from __future__ import annotations

import json

import pytest
from rotator_harness import STEPS, CallLog, Outage, Service

from rotator import context
from rotator.errors import SecretsManagerUnavailableError
from rotator.secret_store import MAX_ATTEMPTS

ORIGINAL = {"username": "app", "password": "before-outage", "port": 5432}

# (step, API, which call of that API in the step, container ran the earlier steps)
CALL_POINTS = [
    ("createSecret", "DescribeSecret", 1, True),
    ("createSecret", "GetSecretValue", 1, True),
    ("createSecret", "PutSecretValue", 1, True),
    ("setSecret", "DescribeSecret", 1, True),
    ("testSecret", "GetSecretValue", 1, True),
    ("testSecret", "GetSecretValue", 1, False),
    ("testSecret", "DescribeSecret", 1, False),
    ("testSecret", "GetSecretValue", 2, False),
    ("finishSecret", "DescribeSecret", 1, True),
    ("finishSecret", "UpdateSecretVersionStage", 1, True),
]


def test_call_points_are_every_call_of_a_rotation(service: Service, calls: CallLog) -> None:
    arn = service.create("s", json.dumps(ORIGINAL))
    token = service.stage(arn)
    observed = []
    for step in STEPS:
        if step == "testSecret":
            context.forget_all()  # also the calls of a testSecret on a fresh container
        calls.calls.clear()
        service.run(step, arn, token)
        observed += [(step, api) for api in calls.calls]

    warm = [(step, api) for step, api, _, warm in CALL_POINTS if warm]
    cold = [(step, api) for step, api, _, warm in CALL_POINTS if not warm]
    assert observed == [p for p in warm if p[0] != "testSecret"][:4] + cold + warm[-2:]


@pytest.mark.parametrize(
    "point",
    CALL_POINTS,
    ids=[f"{s}-{a}-{n}-{'warm' if w else 'cold'}" for s, a, n, w in CALL_POINTS],
)
def test_outage_at_call_leaves_current_intact_and_retry_completes(
    service: Service, outage: Outage, point: tuple[str, str, int, bool]
) -> None:
    step, api, nth, warm = point
    arn = service.create("s", json.dumps(ORIGINAL))
    token = service.stage(arn)
    done = STEPS[: STEPS.index(step)]
    for earlier in done:
        service.run(earlier, arn, token)
    pending = service.value(arn, "AWSPENDING") if done else None
    if not warm:
        context.forget_all()

    outage.start_at(api, nth)
    with pytest.raises(SecretsManagerUnavailableError) as raised:
        service.run(step, arn, token)

    assert outage.failed_attempts == MAX_ATTEMPTS, "the client retried, then gave up"
    message = str(raised.value)
    assert f"{api} failed after {MAX_ATTEMPTS} attempts" in message
    assert step in message
    assert arn in message
    assert json.loads(service.value(arn)) == ORIGINAL
    assert service.stages(arn)[token] == ["AWSPENDING"]

    outage.heal()
    for remaining in STEPS[STEPS.index(step) :]:
        service.run(remaining, arn, token)

    rotated = json.loads(service.value(arn))
    assert rotated.keys() == ORIGINAL.keys()
    assert rotated["password"] != ORIGINAL["password"]
    assert "AWSCURRENT" in service.stages(arn)[token]
    assert json.loads(service.value(arn, "AWSPREVIOUS")) == ORIGINAL
    if pending is not None:
        assert service.value(arn) == pending, "the value stored before the outage is the one used"
