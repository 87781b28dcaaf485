"""Forty days of rotations in about a minute: the initial value never comes back.

examples/api-key with ``rate(4 hours)`` is applied to the sandbox, whose clock then runs through
forty days of rotation windows (six a day, 240 rotations; Secrets Manager's housekeeping starts
deleting unlabelled versions once the secret has more than 100). After every simulated week:
``terraform plan`` has nothing to do, AWSCURRENT is the last rotation's version and AWSPREVIOUS the
one before it, and every version a label points to is still readable.

Against 0.1.0's module (no label on the initial version) this fails in the third week: the
provider finds the initial version deleted and plans to write it again as AWSCURRENT.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import Sandbox
from sandbox.stack import Stack

pytestmark = pytest.mark.e2e

DAY = 86_400
WEEKS_IN_DAYS = (7, 7, 7, 7, 7, 5)  # forty days, checked after each
ROTATIONS_PER_DAY = 6  # rate(4 hours)
INITIAL_LABEL = "terraform-initial"


@pytest.fixture(scope="module")
def four_hourly(e2e_sandbox: Sandbox) -> Iterator[AppliedStack]:
    stack = Stack("api-key", e2e_sandbox)
    stack.write_vars({"name": "forty-days/orders/api-key", "schedule_expression": "rate(4 hours)"})
    try:
        stack.init()
        stack.apply()
        yield AppliedStack(stack, e2e_sandbox)
        stack.destroy()
    finally:
        stack.cleanup()


def _all_versions(applied: AppliedStack, arn: str) -> dict[str, list[str]]:
    client = applied.client("secretsmanager")
    versions: dict[str, list[str]] = {}
    for page in client.get_paginator("list_secret_version_ids").paginate(
        SecretId=arn, IncludeDeprecated=True
    ):
        for version in page["Versions"]:
            versions[version["VersionId"]] = version.get("VersionStages", [])
    return versions


def test_forty_days_of_four_hourly_rotations_keep_current_and_plan_quiet(
    four_hourly: AppliedStack, e2e_sandbox: Sandbox
) -> None:
    arn = four_hourly.outputs["secret_arn"]
    first = e2e_sandbox.wait_for_rotation(arn)
    assert first["outcome"] == "succeeded", first
    initial_version = four_hourly.version_with(arn, INITIAL_LABEL)
    assert initial_version is not None
    initial_value = fingerprint(four_hourly.value(arn, INITIAL_LABEL))
    tokens = [first["token"]]

    for days in WEEKS_IN_DAYS:
        rotations = e2e_sandbox.advance_clock(days * DAY)
        ours = [r for r in rotations if r["secret_arn"] == arn]
        assert len(ours) == days * ROTATIONS_PER_DAY
        assert [r for r in ours if r["outcome"] != "succeeded"] == []
        tokens += [r["token"] for r in ours]

        code, plan = four_hourly.stack.plan_exit_code()
        day = round((e2e_sandbox.now() - first["started_at"]) / DAY)
        assert code == 0, f"day {day}: terraform plan wants changes:\n{plan}"

        stages = four_hourly.stages(arn)
        assert four_hourly.version_with(arn, "AWSCURRENT") == tokens[-1], f"day {day}"
        assert four_hourly.version_with(arn, "AWSPREVIOUS") == tokens[-2], f"day {day}"
        assert four_hourly.version_with(arn, "AWSPENDING") is None, f"day {day}"
        assert four_hourly.version_with(arn, INITIAL_LABEL) == initial_version, f"day {day}"
        assert fingerprint(four_hourly.value(arn)) != initial_value
        # Every labelled version is still there and readable by its id.
        client = four_hourly.client("secretsmanager")
        for version_id in stages:
            client.get_secret_value(SecretId=arn, VersionId=version_id)

    # Housekeeping did run: far fewer versions remain than the 241 rotations plus the initial one.
    remaining = _all_versions(four_hourly, arn)
    assert len(tokens) == 1 + 40 * ROTATIONS_PER_DAY
    assert len(remaining) <= 100 + ROTATIONS_PER_DAY
    assert initial_version in remaining
