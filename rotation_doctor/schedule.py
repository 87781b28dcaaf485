"""Secrets Manager's rules for a rotation schedule, and when a rotation is overdue.

The rules are those of "Rotation schedules" in the Secrets Manager user guide
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html):
``AutomaticallyAfterDays`` 1 to 1000; ``rate(N hours)`` with N at least 4, ``rate(N days)`` with N
at most 999; ``cron()`` with six fields, minutes ``0``, year ``*``, hours 0 to 23; ``Duration``
``Nh``; the window must neither pass the end of the UTC day nor reach the next window; windows at
least four hours apart. The module checks the same rules at plan (modules/rotating-secret), so a
failure here means the schedule was set outside Terraform.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

RATE = re.compile(r"^rate\((\d+) (hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((\S+(?: \S+){5})\)$")
DURATION = re.compile(r"^(\d+)h$")
HOUR_ITEM = re.compile(r"^(\*|(\d{1,2})(?:-(\d{1,2}))?)(?:/(\d{1,2}))?$")
DAY = timedelta(days=1)


@dataclass(frozen=True)
class ScheduleVerdict:
    problems: tuple[str, ...]
    # The longest the schedule may go between two windows, when it can be told (else None).
    max_interval: timedelta | None
    # How long a window stays open.
    window: timedelta


def _cron_hours(field: str) -> list[int] | None:
    hours: set[int] = set()
    for item in field.split(","):
        match = HOUR_ITEM.match(item)
        if match is None:
            return None
        star, first, last, step = match.group(1), match.group(2), match.group(3), match.group(4)
        start = 0 if star == "*" else int(first)
        end = int(last) if last is not None else (23 if star == "*" or step else int(first))
        if not 0 <= start <= 23 or not 0 <= end <= 23:
            return None
        hours.update(range(start, end + 1, int(step) if step else 1))
    return sorted(hours)


def _duration_hours(text: Any, problems: list[str]) -> int | None:
    if text is None:
        return None
    match = DURATION.match(str(text))
    if match is None or not 1 <= int(match.group(1)) <= 24:
        problems.append(f'Duration {text!r} is not "Nh" with N from 1 to 24, e.g. "3h"')
        return None
    return int(match.group(1))


def check_rules(rules: Mapping[str, Any] | None) -> ScheduleVerdict:
    """The schedule's problems (each says what to write instead), its longest gap, its window."""
    rules = rules or {}
    problems: list[str] = []
    days = rules.get("AutomaticallyAfterDays")
    expression = rules.get("ScheduleExpression")
    duration = _duration_hours(rules.get("Duration"), problems)
    if days is not None and expression:
        problems.append("AutomaticallyAfterDays and ScheduleExpression are both set: keep one")
    if expression:
        return _check_expression(str(expression), duration, problems)
    if days is None:
        return ScheduleVerdict(("the secret has no rotation schedule",), None, DAY)
    if not 1 <= int(days) <= 1000:
        problems.append(f"AutomaticallyAfterDays {days} is outside 1 to 1000")
    return ScheduleVerdict(tuple(problems), timedelta(days=int(days)), _window(duration, DAY))


def _check_expression(text: str, duration: int | None, problems: list[str]) -> ScheduleVerdict:
    rate = RATE.match(text)
    if rate is not None:
        number, unit = int(rate.group(1)), rate.group(2)
        if not unit.startswith("hour"):
            if not 1 <= number <= 999:
                problems.append(f"{text}: rate() in days takes 1 to 999")
            return ScheduleVerdict(
                tuple(problems), timedelta(days=max(number, 1)), _window(duration, DAY)
            )
        if number < 4:
            problems.append(f"{text}: Secrets Manager rotates at most every 4 hours")
        if duration is not None and duration > number:
            problems.append(f'Duration "{duration}h" reaches the next window: at most {number}h')
        interval = timedelta(hours=max(number, 1))
        return ScheduleVerdict(tuple(problems), interval, timedelta(hours=duration or 1))
    cron = CRON.match(text)
    if cron is None:
        problems.append(f"{text!r} is neither rate(N hours|days) nor cron(0 H D M W *)")
        return ScheduleVerdict(tuple(problems), None, DAY)
    return _check_cron(text, cron.group(1).split(" "), duration, problems)


def _check_cron(
    text: str, fields: list[str], duration: int | None, problems: list[str]
) -> ScheduleVerdict:
    minutes, hours_field, year = fields[0], fields[1], fields[5]
    if minutes != "0":
        problems.append(f"{text}: the minutes field must be 0 (windows start on the hour)")
    if year != "*":
        problems.append(f"{text}: the year field must be *")
    hours = _cron_hours(hours_field)
    if not hours:
        problems.append(f"{text}: hours {hours_field!r} must be 0 to 23 (H, H-H, H/S, *, lists)")
        return ScheduleVerdict(tuple(problems), None, DAY)
    # Hours restart every day: the last window of a day is followed by the first of the next.
    gaps = [b - a for a, b in itertools.pairwise(hours)] + [24 - hours[-1] + hours[0]]
    if len(hours) > 1 and min(gaps) < 4:
        problems.append(f"{text}: windows less than 4 hours apart")
    if duration is not None and hours[-1] + duration > 24:
        problems.append(
            f'Duration "{duration}h" runs the {hours[-1]}:00 window past the end of the UTC '
            f'day: at most "{max(24 - hours[-1], 1)}h"'
        )
    if duration is not None and len(hours) > 1 and duration > min(gaps):
        problems.append(f'Duration "{duration}h" reaches the next window: at most {min(gaps)}h')
    # A cron() may skip days (weekdays only, one day a month): its longest gap is not computed
    # here, so overdue is judged from NextRotationDate alone.
    window = timedelta(hours=duration) if duration else timedelta(hours=24 - hours[-1])
    return ScheduleVerdict(tuple(problems), None, window)


def _window(duration: int | None, default: timedelta) -> timedelta:
    return timedelta(hours=duration) if duration else default


def overdue_since(
    *,
    now: datetime,
    next_rotation: datetime | None,
    last_rotated: datetime | None,
    verdict: ScheduleVerdict,
) -> datetime | None:
    """When the rotation should have happened by, if that time has passed; else None.

    The service moves NextRotationDate forward when a rotation starts; a NextRotationDate whose
    window has closed means no rotation started in it. Without one, the last rotation plus the
    schedule's longest gap and a window.
    """
    if next_rotation is not None:
        deadline = next_rotation + verdict.window
        return deadline if now > deadline else None
    if last_rotated is not None and verdict.max_interval is not None:
        deadline = last_rotated + verdict.max_interval + verdict.window
        return deadline if now > deadline else None
    return None
