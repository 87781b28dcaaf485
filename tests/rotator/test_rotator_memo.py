"""The warm container's memo: bounded, most recently used kept, cleared when a rotation ends.

A container can serve many secrets for hours; the memo must neither grow without bound nor keep
facts about a rotation that has finished.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from rotator_harness import STEPS, CallLog, Service

from rotator import context
from rotator.config import Config
from rotator.context import Memo, StepContext, recall, remember
from rotator.errors import TokenNotPendingError
from rotator.events import RotationEvent
from rotator.logs import StepLog
from rotator.secret_store import SecretStore
from rotator.values import PlainShape

MEMO = Memo(current_shape=PlainShape())


@pytest.fixture(autouse=True)
def _empty_memo() -> Iterator[None]:
    context.forget_all()
    yield
    context.forget_all()


def _keys(n: int) -> list[tuple[str, str]]:
    return [(f"arn:secret-{i}", f"token-{i}") for i in range(n)]


def test_the_memo_keeps_the_64_most_recent_rotations() -> None:
    keys = _keys(65)
    for key in keys[:64]:
        remember(key, MEMO)
    assert all(recall(key) == MEMO for key in keys[:64])

    remember(keys[64], MEMO)

    assert recall(keys[0]) is None
    assert all(recall(key) == MEMO for key in keys[1:])


def test_remembering_again_makes_a_rotation_the_most_recent() -> None:
    keys = _keys(65)
    for key in keys[:64]:
        remember(key, MEMO)

    remember(keys[0], Memo(current_shape=None, pending_stored=True))
    remember(keys[64], MEMO)

    assert recall(keys[0]) == Memo(current_shape=None, pending_stored=True)
    assert recall(keys[1]) is None


def test_forgetting_one_rotation_keeps_the_others() -> None:
    first, second = _keys(2)
    remember(first, MEMO)
    remember(second, MEMO)

    context.forget(first)

    assert recall(first) is None
    assert recall(second) == MEMO


def test_a_finished_rotation_leaves_nothing_in_the_memo(service: Service) -> None:
    arn = service.create("memo", json.dumps({"password": "p"}))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    assert recall((arn, token)) is not None

    for step in STEPS[1:]:
        service.run(step, arn, token)

    assert recall((arn, token)) is None


def test_test_secret_in_a_warm_container_still_refuses_a_token_no_longer_pending(
    service: Service,
) -> None:
    """The warm path skips DescribeSecret but still checks the version's own labels."""
    arn = service.create("moved", json.dumps({"password": "p"}))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    service.sm.update_secret_version_stage(
        SecretId=arn, VersionStage="AWSPENDING", RemoveFromVersionId=token
    )

    with pytest.raises(TokenNotPendingError) as raised:
        service.run("testSecret", arn, token)

    assert raised.value.problem == f"version {token} has no staging label, not AWSPENDING"


def test_create_secret_retried_in_a_new_container_keeps_the_stored_value_and_says_so(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("retried", json.dumps({"password": "p"}))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    stored = service.value(arn, "AWSPENDING")
    context.forget_all()  # the retry lands in another container
    capfd.readouterr()

    service.run("createSecret", arn, token)

    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [(line["message"], line.get("outcome")) for line in lines] == [
        ("a value for this token was stored by an earlier attempt; keeping it", None),
        ("step_finished", "already_created"),
    ]
    assert service.value(arn, "AWSPENDING") == stored


@pytest.mark.parametrize("step", STEPS)
def test_every_step_run_again_after_the_rotation_finished_is_a_noop(
    service: Service, capfd: pytest.CaptureFixture[str], step: str
) -> None:
    arn = service.create("done", json.dumps({"password": "p"}))
    token = service.rotate(arn)
    value = service.value(arn)
    capfd.readouterr()

    service.run(step, arn, token)

    (line,) = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert (line["step"], line["outcome"]) == (step, "noop")
    assert service.value(arn) == value


def test_test_secret_after_set_secret_in_the_same_container_skips_describe_secret(
    service: Service, calls: CallLog
) -> None:
    arn = service.create("warm", json.dumps({"password": "p"}))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    context.forget_all()  # setSecret and testSecret land in another container
    service.run("setSecret", arn, token)
    calls.calls.clear()

    service.run("testSecret", arn, token)

    assert "DescribeSecret" not in calls.calls


def test_create_secret_retried_in_the_same_container_says_it_keeps_its_value(
    service: Service, capfd: pytest.CaptureFixture[str]
) -> None:
    arn = service.create("warm-retry", json.dumps({"password": "p"}))
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    capfd.readouterr()

    service.run("createSecret", arn, token)

    lines = [json.loads(line) for line in capfd.readouterr().out.splitlines()]
    assert [(line["message"], line.get("outcome")) for line in lines] == [
        ("this container already stored the value for this token; keeping it", None),
        ("step_finished", "already_created"),
    ]


@pytest.mark.parametrize("rotated_before", [False, True], ids=["first-rotation", "later"])
def test_a_strategy_asking_twice_for_a_version_pays_one_call_each(
    service: Service, calls: CallLog, rotator_client: object, rotated_before: bool
) -> None:
    """ctx.current(), ctx.pending() and ctx.previous(): read once per invocation, even when the
    answer is "none" (AWSPREVIOUS before a secret's first rotation)."""
    arn = service.create("asked-twice", json.dumps({"password": "p"}))
    if rotated_before:
        service.rotate(arn)
    previous_value = service.value(arn, "AWSPREVIOUS") if rotated_before else None
    token = service.stage(arn)
    service.run("createSecret", arn, token)
    ctx = StepContext(
        RotationEvent(secret_id=arn, token=token, step="setSecret"),
        Config.from_env({}),
        SecretStore(rotator_client, StepLog()),
        StepLog(),
    )
    calls.calls.clear()

    versions = [(ctx.current(), ctx.pending(), ctx.previous()) for _ in range(2)]

    assert versions[0] == versions[1]
    current, pending, previous = versions[0]
    assert "AWSCURRENT" in current.stages
    assert pending.version_id == token
    assert (previous and previous.value) == previous_value
    assert calls.calls == ["GetSecretValue"] * 3
