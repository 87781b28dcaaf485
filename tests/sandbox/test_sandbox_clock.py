"""The sandbox clock: dates come from it, advancing it runs the rotation windows, old versions go.

Every test deletes its secrets at the end, so later clock advances do not rotate them again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sandbox_helpers import Inspect, unique

from sandbox.server import Sandbox

HOUR = 3600
DAY = 24 * HOUR


@pytest.fixture
def secrets(aws: Callable[[str], Any]) -> Iterator[Callable[..., str]]:
    """Create secrets for one test; they are deleted when it ends."""
    client = aws("secretsmanager")
    created: list[str] = []

    def create(value: str = "initial") -> str:
        arn = str(client.create_secret(Name=unique("clock"), SecretString=value)["ARN"])
        created.append(arn)
        return arn

    yield create
    for arn in created:
        client.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)


@pytest.fixture(scope="module")
def function(rotation_function: Callable[..., dict[str, str]]) -> dict[str, str]:
    return rotation_function()


def schedule(
    aws: Callable[[str], Any], secret: str, function: dict[str, str], expression: str, **extra: Any
) -> None:
    aws("secretsmanager").rotate_secret(
        SecretId=secret,
        RotationLambdaARN=function["arn"],
        RotationRules={"ScheduleExpression": expression},
        **extra,
    )


def utc_hour(epoch: float) -> int:
    return datetime.fromtimestamp(epoch, UTC).hour


def test_advance_clock_moves_the_dates_secrets_manager_writes(
    aws: Callable[[str], Any], sandbox: Sandbox, secrets: Callable[..., str]
) -> None:
    before = sandbox.now()
    sandbox.advance_clock(2 * HOUR)
    after = sandbox.now()
    assert 2 * HOUR <= after - before < 2 * HOUR + 60
    secret = secrets()
    created = aws("secretsmanager").describe_secret(SecretId=secret)["CreatedDate"].timestamp()
    # Sandbox time, not the machine's: at least the two hours ahead.
    assert abs(created - sandbox.now()) < 60
    assert created - time.time() > 2 * HOUR - 60


def test_windows_run_in_time_order_each_at_its_start(
    aws: Callable[[str], Any],
    sandbox: Sandbox,
    function: dict[str, str],
    inspect: Inspect,
    secrets: Callable[..., str],
) -> None:
    every_four, twice_a_day = secrets(), secrets()
    schedule(aws, every_four, function, "rate(4 hours)")
    assert sandbox.wait_for_rotation(every_four)["outcome"] == "succeeded"  # rotate immediately
    # Not rotated now, only tested; its first rotation comes at its first window.
    schedule(aws, twice_a_day, function, "cron(0 1/12 * * ? *)", RotateImmediately=False)
    sandbox.wait_for_rotation(twice_a_day)

    ran = [r for r in sandbox.advance_clock(DAY) if r["secret_arn"] in {every_four, twice_a_day}]

    assert [r["outcome"] for r in ran] == ["succeeded"] * 8
    starts = [r["started_at"] for r in ran]
    assert starts == sorted(starts)
    assert all(abs(start - round(start / HOUR) * HOUR) < 1 for start in starts)
    hours = {
        arn: [utc_hour(r["started_at"]) for r in ran if r["secret_arn"] == arn]
        for arn in (every_four, twice_a_day)
    }
    assert len(hours[every_four]) == 6
    assert {hour % 4 for hour in hours[every_four]} == {0}
    assert sorted(hours[twice_a_day]) == [1, 13]
    # Each rotation moved AWSCURRENT to its own new version.
    last = [r for r in ran if r["secret_arn"] == every_four][-1]
    assert inspect.version_with(every_four, "AWSCURRENT") == last["token"]
    assert len({r["token"] for r in ran}) == 8
    description = aws("secretsmanager").describe_secret(SecretId=every_four)
    assert description["NextRotationDate"].timestamp() == pytest.approx(
        last["started_at"] + 4 * HOUR, abs=1
    )


def test_failed_window_is_reattempted_with_the_same_version_at_the_next_one(
    aws: Callable[[str], Any],
    sandbox: Sandbox,
    rotation_function: Callable[..., dict[str, str]],
    inspect: Inspect,
    secrets: Callable[..., str],
) -> None:
    function = rotation_function()  # its own: no other secret may take the injected fault
    secret = secrets()
    schedule(aws, secret, function, "rate(4 hours)")
    sandbox.wait_for_rotation(secret)
    current = inspect.version_with(secret, "AWSCURRENT")
    sandbox.inject_fault(function["name"], "setSecret", "database unreachable")

    failed, retried = [r for r in sandbox.advance_clock(8 * HOUR) if r["secret_arn"] == secret]

    assert (failed["outcome"], failed["step"]) == ("failed", "setSecret")
    assert retried["outcome"] == "succeeded"
    assert retried["token"] == failed["token"]
    assert retried["started_at"] - failed["started_at"] == pytest.approx(4 * HOUR, abs=1)
    assert inspect.version_with(secret, "AWSCURRENT") == failed["token"]
    assert inspect.stages(secret)[str(current)] == ["AWSPREVIOUS"]


def version_ids(aws: Callable[[str], Any], secret: str) -> list[str]:
    client = aws("secretsmanager")
    versions = client.list_secret_version_ids(SecretId=secret, IncludeDeprecated=True)["Versions"]
    return [v["VersionId"] for v in versions]


def test_versions_above_100_are_removed_once_a_day_old_and_unlabelled(
    aws: Callable[[str], Any], sandbox: Sandbox, inspect: Inspect, secrets: Callable[..., str]
) -> None:
    client = aws("secretsmanager")
    secret = secrets()
    labelled = inspect.version_with(secret, "AWSCURRENT")
    client.update_secret_version_stage(
        SecretId=secret, VersionStage="terraform-initial", MoveToVersionId=labelled
    )
    written = [str(uuid.uuid4()) for _ in range(105)]
    for index, token in enumerate(written):
        client.put_secret_value(SecretId=secret, ClientRequestToken=token, SecretString=f"v{index}")
    # 106 versions, but none is a day old yet: none goes.
    assert len(version_ids(aws, secret)) == 106

    sandbox.advance_clock(DAY)
    client.put_secret_value(SecretId=secret, SecretString="after a day")

    kept = version_ids(aws, secret)
    assert len(kept) == 100
    # The oldest unlabelled ones went; the oldest version stays because a label points to it.
    assert labelled in kept
    assert set(written[:7]).isdisjoint(kept)
    assert set(written[7:]) <= set(kept)
    assert inspect.value(secret) == "after a day"
    assert inspect.value(secret, "AWSPREVIOUS") == "v104"
