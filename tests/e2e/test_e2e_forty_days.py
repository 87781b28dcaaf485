"""Forty days of rotations in about a minute: the initial value never comes back.

examples/api-key with ``rate(4 hours)`` is applied to the sandbox, whose clock then runs through
forty days of rotation windows (six a day, 240 rotations; Secrets Manager's housekeeping starts
deleting unlabelled versions once the secret has more than 100). After every simulated week
AWSCURRENT is the last rotation's version and AWSPREVIOUS the one before it, and every version a
label points to is still readable; after the third week (housekeeping has begun) and at the end,
``terraform plan`` has nothing to do. A deleted version stays deleted, so the plan at the end
sees every deletion of the weeks between; the plans of the first two weeks, before any deletion,
would cost about ten CPU seconds each and show nothing new.

Against 0.1.0's module (no label on the initial version) this fails in the third week: the
provider finds the initial version deleted and plans to write it again as AWSCURRENT.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import AppliedStack, fingerprint

from sandbox.server import Sandbox
from terraform_offline.stack import Stack

pytestmark = pytest.mark.e2e

DAY = 86_400
WEEKS_IN_DAYS = (7, 7, 7, 7, 7, 5)  # forty days, checked after each
PLAN_AFTER_WEEKS = {3, len(WEEKS_IN_DAYS)}  # housekeeping has begun (day 17); the end
ROTATIONS_PER_DAY = 6  # rate(4 hours)
INITIAL_LABEL = "terraform-initial"


@pytest.fixture(scope="module")
def four_hourly() -> Iterator[tuple[AppliedStack, Sandbox]]:
    # A sandbox of its own: advancing the clock runs every scheduled secret's windows, and the
    # other end-to-end stacks should not rotate 240 times. Discarded whole, so no destroy.
    with Sandbox() as sandbox:
        stack = Stack("api-key", sandbox, reuse_providers=True)
        stack.write_vars({"schedule_expression": "rate(4 hours)"})
        try:
            stack.init()
            stack.apply()
            yield AppliedStack(stack, sandbox), sandbox
        finally:
            stack.cleanup()


def _all_versions(applied: AppliedStack, arn: str) -> dict[str, list[str]]:
    client = applied.client("secretsmanager")
    versions: dict[str, list[str]] = {}
    request: dict[str, Any] = {"SecretId": arn, "IncludeDeprecated": True}
    while True:
        page = client.list_secret_version_ids(**request)
        for version in page["Versions"]:
            versions[version["VersionId"]] = version.get("VersionStages", [])
        if not page.get("NextToken"):
            return versions
        request["NextToken"] = page["NextToken"]


def test_forty_days_of_four_hourly_rotations_keep_current_and_plan_quiet(
    four_hourly: tuple[AppliedStack, Sandbox],
) -> None:
    applied, sandbox = four_hourly
    arn = applied.outputs["secret_arn"]
    first = sandbox.wait_for_rotation(arn)
    assert first["outcome"] == "succeeded", first
    initial_version = applied.version_with(arn, INITIAL_LABEL)
    assert initial_version is not None
    initial_value = fingerprint(applied.value(arn, INITIAL_LABEL))
    tokens = [first["token"]]

    for week, days in enumerate(WEEKS_IN_DAYS, start=1):
        rotations = sandbox.advance_clock(days * DAY)
        ours = [r for r in rotations if r["secret_arn"] == arn]
        assert len(ours) == days * ROTATIONS_PER_DAY
        assert [r for r in ours if r["outcome"] != "succeeded"] == []
        tokens += [r["token"] for r in ours]

        day = round((sandbox.now() - first["started_at"]) / DAY)
        if week in PLAN_AFTER_WEEKS:
            code, plan = applied.stack.plan_exit_code()
            assert code == 0, f"day {day}: terraform plan wants changes:\n{plan}"

        stages = applied.stages(arn)
        assert applied.version_with(arn, "AWSCURRENT") == tokens[-1], f"day {day}"
        assert applied.version_with(arn, "AWSPREVIOUS") == tokens[-2], f"day {day}"
        assert applied.version_with(arn, "AWSPENDING") is None, f"day {day}"
        assert applied.version_with(arn, INITIAL_LABEL) == initial_version, f"day {day}"
        assert fingerprint(applied.value(arn)) != initial_value
        # Every labelled version is still there and readable by its id.
        client = applied.client("secretsmanager")
        for version_id in stages:
            client.get_secret_value(SecretId=arn, VersionId=version_id)

    # Housekeeping did run: far fewer versions remain than the 241 rotations plus the initial one.
    remaining = _all_versions(applied, arn)
    assert len(tokens) == 1 + 40 * ROTATIONS_PER_DAY
    assert len(remaining) <= 100 + ROTATIONS_PER_DAY
    assert initial_version in remaining
