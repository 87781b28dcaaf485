"""When Secrets Manager opens the next rotation window: days, rate() and cron() schedules.

The rules, from "Rotation schedules"
(https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html):

- "Secrets Manager rotation schedules use UTC time zone" and "rotation windows always start on
  the hour".
- Days (``AutomaticallyAfterDays`` or ``rate(N days)``): "For a rotation schedule that uses a
  rate() expression in days, the rotation window starts at midnight", and the day is the last
  rotation's date plus the interval ("Secrets Manager schedules the date by adding the rotation
  interval (number of days) to the actual date of the last rotation", Troubleshoot rotation).
- Hours (``rate(N hours)``): "For a rate in hours, the default rotation window starts at
  midnight"; the sandbox opens windows at midnight and every N hours after it, again from each
  midnight ("A cron expression that includes increments of hours resets each day"). For the
  divisors of 24 (4, 6, 8, 12 hours) this is simply every N hours.
- ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``: "the rotation window opens at the
  time you specify"; fields and wildcards as that page lists them.

The service rotates "at any time during the rotation window"; the sandbox rotates at the window's
start, so tests are deterministic. ``Duration`` only closes the window, so it changes nothing here.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

HOUR = 3600
DAY = 86400
# Far enough for any schedule the service accepts ("does not support rotation schedules that are
# more than a year apart"), with room for SUN#5 and 29 February.
MAX_DAYS_AHEAD = 366 * 8

MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
# Secrets Manager (like EventBridge) numbers the week from Sunday: 1 = SUN ... 7 = SAT.
WEEKDAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

RATE = re.compile(r"^rate\((\d+) (hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((\S+( \S+){5})\)$")


class ScheduleError(ValueError):
    """A schedule expression the sandbox cannot read; the message says what is wrong."""


DayMatcher = Callable[[date], bool]


@dataclass(frozen=True)
class Cron:
    hours: tuple[int, ...]
    months: frozenset[int]
    day: DayMatcher

    def next_after(self, after: float) -> float:
        start = datetime.fromtimestamp(after, UTC).date()
        for offset in range(MAX_DAYS_AHEAD):
            day = start + timedelta(days=offset)
            if day.month not in self.months or not self.day(day):
                continue
            midnight = _midnight(day)
            for hour in self.hours:
                when = midnight + hour * HOUR
                if when > after:
                    return when
        raise ScheduleError("the cron() expression never matches a date")


@dataclass(frozen=True)
class Schedule:
    """A secret's rotation schedule: ``every`` days or hours, or a cron()."""

    unit: str  # "days", "hours" or "cron"
    every: int = 0
    cron: Cron | None = None

    def next_window(self, after: float) -> float:
        """Start of the first rotation window strictly after ``after`` (epoch seconds).

        For days, ``after`` is the time of the last rotation (or of enabling rotation).
        """
        if self.unit == "days":
            today = datetime.fromtimestamp(after, UTC).date()
            return _midnight(today) + self.every * DAY
        if self.unit == "hours":
            day = datetime.fromtimestamp(after, UTC).date()
            for _ in range(2):
                midnight = _midnight(day)
                for hour in range(0, 24, self.every):
                    if midnight + hour * HOUR > after:
                        return midnight + hour * HOUR
                day += timedelta(days=1)
        assert self.cron is not None
        return self.cron.next_after(after)


def parse(rules: Mapping[str, Any] | None) -> Schedule | None:
    """The schedule of RotateSecret's ``RotationRules``; None when it has none."""
    if not rules:
        return None
    days = rules.get("AutomaticallyAfterDays")
    expression = rules.get("ScheduleExpression")
    if expression:
        return parse_expression(str(expression))
    if days:
        return Schedule("days", int(days))
    return None


def parse_expression(expression: str) -> Schedule:
    text = expression.strip()
    rate = RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2)
        if unit.startswith("hour"):
            if not 4 <= value <= 23:  # "as often as every four hours"
                raise ScheduleError(f"{expression}: a rate in hours takes 4 to 23 hours")
            return Schedule("hours", value)
        if not 1 <= value <= 999:  # "The maximum rotation period is 999 days"
            raise ScheduleError(f"{expression}: a rate in days takes 1 to 999 days")
        return Schedule("days", value)
    cron = CRON.match(text)
    if cron:
        return Schedule("cron", cron=parse_cron(cron.group(1)))
    raise ScheduleError(f"{expression}: expected rate(N hours|days) or cron(six fields)")


def parse_cron(fields_text: str) -> Cron:
    minutes, hours, day_of_month, month, day_of_week, year = fields_text.upper().split(" ")
    if minutes != "0":
        raise ScheduleError(f"cron({fields_text}): minutes must be 0 (windows open on the hour)")
    if year != "*":
        raise ScheduleError(f"cron({fields_text}): year must be *")
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ScheduleError(f"cron({fields_text}): exactly one of the two day fields must be ?")
    day = (
        _day_of_week(day_of_week, fields_text)
        if day_of_month == "?"
        else _day_of_month(day_of_month, fields_text)
    )
    return Cron(
        hours=tuple(sorted(_values(hours, 0, 23, {}, fields_text))),
        months=frozenset(_values(month, 1, 12, MONTHS, fields_text)),
        day=day,
    )


def _values(text: str, low: int, high: int, names: Mapping[str, int], where: str) -> set[int]:
    """A field of ``,``-separated items: ``*``, ``N``, ``N-M``, each optionally ``/step``."""
    values: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = _number(step_text, {}, where) if slash else 1
        if base in {"*", "?"}:
            start, end = low, high
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = _number(first, names, where), _number(last, names, where)
        else:
            start = _number(base, names, where)
            end = high if slash else start
        if not low <= start <= end <= high or step < 1:
            raise ScheduleError(f"cron({where}): {item!r} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return values


def _number(text: str, names: Mapping[str, int], where: str) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise ScheduleError(f"cron({where}): {text!r} is not a number or a name")
    return int(text)


def _day_of_month(text: str, where: str) -> DayMatcher:
    items = text.split(",")
    last = "L" in items  # "the last day of the month"
    numbered = [item for item in items if item != "L"]
    days = _values(",".join(numbered), 1, 31, {}, where) if numbered else set()

    def matches(day: date) -> bool:
        if last and day.day == calendar.monthrange(day.year, day.month)[1]:
            return True
        return day.day in days

    return matches


def _weekday(day: date) -> int:
    """1 = SUN ... 7 = SAT, from Python's 0 = MON ... 6 = SUN."""
    return (day.weekday() + 1) % 7 + 1


def _day_of_week(text: str, where: str) -> DayMatcher:
    plain: list[str] = []
    nth: list[tuple[int, int]] = []  # (weekday, n): the n-th such weekday of the month
    last_of_month: list[int] = []  # weekday: the last such weekday of the month
    for item in text.split(","):
        if "#" in item:
            weekday, _, n = item.partition("#")
            nth.append((_number(weekday, WEEKDAYS, where), _number(n, {}, where)))
        elif item == "L":
            plain.append("7")  # L alone: the last day of the week, Saturday
        elif item.endswith("L"):
            last_of_month.append(_number(item[:-1], WEEKDAYS, where))
        else:
            plain.append(item)
    weekdays = _values(",".join(plain), 1, 7, WEEKDAYS, where) if plain else set()
    if any(not 1 <= w <= 7 or not 1 <= n <= 5 for w, n in nth) or any(
        not 1 <= w <= 7 for w in last_of_month
    ):
        raise ScheduleError(f"cron({where}): day-of-week {text!r} is out of range")

    def matches(day: date) -> bool:
        weekday = _weekday(day)
        if weekday in weekdays:
            return True
        if (weekday, (day.day - 1) // 7 + 1) in nth:
            return True
        days_in_month = calendar.monthrange(day.year, day.month)[1]
        return weekday in last_of_month and day.day + 7 > days_in_month

    return matches


def _midnight(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
