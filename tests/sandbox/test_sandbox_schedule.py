"""When the sandbox opens rotation windows: days, rate() and cron() (in process, no sandbox)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotation_testing.schedule import ScheduleError, parse, parse_expression


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def windows(expression: str, start: str, count: int = 4) -> list[str]:
    schedule = parse_expression(expression)
    when, found = at(start), []
    for _ in range(count):
        when = schedule.next_window(when)
        found.append(datetime.fromtimestamp(when, UTC).strftime("%a %Y-%m-%d %H:%M"))
    return found


def test_rate_in_hours_opens_every_n_hours_from_midnight() -> None:
    assert windows("rate(4 hours)", "2026-11-28T02:36:00") == [
        "Sat 2026-11-28 04:00",
        "Sat 2026-11-28 08:00",
        "Sat 2026-11-28 12:00",
        "Sat 2026-11-28 16:00",
    ]


def test_rate_in_hours_starts_again_at_each_midnight() -> None:
    assert windows("rate(5 hours)", "2026-11-28T19:00:00", 3) == [
        "Sat 2026-11-28 20:00",
        "Sun 2026-11-29 00:00",
        "Sun 2026-11-29 05:00",
    ]


def test_a_window_start_is_not_its_own_next_window() -> None:
    assert windows("rate(4 hours)", "2026-11-28T04:00:00", 1) == ["Sat 2026-11-28 08:00"]


def test_rate_in_days_opens_at_midnight_n_days_after_the_last_rotation() -> None:
    assert windows("rate(10 days)", "2026-11-28T23:59:00", 2) == [
        "Tue 2026-12-08 00:00",
        "Fri 2026-12-18 00:00",
    ]
    assert windows("rate(1 day)", "2026-11-28T00:00:00", 1) == ["Sun 2026-11-29 00:00"]


def test_automatically_after_days_is_a_rate_in_days() -> None:
    schedule = parse({"AutomaticallyAfterDays": 30})
    assert schedule is not None
    assert schedule.next_window(at("2026-11-28T13:00:00")) == at("2026-12-28T00:00:00")


def test_schedule_expression_wins_and_no_rules_mean_no_schedule() -> None:
    schedule = parse({"ScheduleExpression": "rate(4 hours)", "Duration": "2h"})
    assert schedule is not None
    assert schedule.next_window(at("2026-11-28T00:30:00")) == at("2026-11-28T04:00:00")
    assert parse(None) is None
    assert parse({"Duration": "2h"}) is None


def test_cron_weekdays_skip_the_weekend() -> None:
    assert windows("cron(0 2 ? * MON-FRI *)", "2026-11-27T03:00:00", 3) == [
        "Mon 2026-11-30 02:00",
        "Tue 2026-12-01 02:00",
        "Wed 2026-12-02 02:00",
    ]


def test_cron_hour_increments_reset_each_day() -> None:
    # "cron(0 4/12 * * ? *) means 4:00 AM, 4:00 PM, and then the next day 4:00 AM, 4:00 PM"
    assert windows("cron(0 4/12 * * ? *)", "2026-11-28T05:00:00", 3) == [
        "Sat 2026-11-28 16:00",
        "Sun 2026-11-29 04:00",
        "Sun 2026-11-29 16:00",
    ]


def test_cron_l_is_the_last_day_of_the_month() -> None:
    assert windows("cron(0 16 L * ? *)", "2027-01-31T17:00:00", 1) == ["Sun 2027-02-28 16:00"]
    assert windows("cron(0 16 L * ? *)", "2028-02-01T00:00:00", 1) == ["Tue 2028-02-29 16:00"]


def test_cron_nth_and_last_weekday_of_the_month() -> None:
    assert windows("cron(0 0 ? * SUN#1 *)", "2026-11-28T00:00:00", 2) == [
        "Sun 2026-12-06 00:00",
        "Sun 2027-01-03 00:00",
    ]
    assert windows("cron(0 3 ? * 6L *)", "2026-11-28T00:00:00", 2) == [
        "Fri 2026-12-25 03:00",
        "Fri 2027-01-29 03:00",
    ]


def test_cron_lists_steps_names_in_any_case_and_months() -> None:
    assert windows("cron(0 1,13 1/15 jan,jul ? *)", "2026-11-28T00:00:00", 4) == [
        "Fri 2027-01-01 01:00",
        "Fri 2027-01-01 13:00",
        "Sat 2027-01-16 01:00",
        "Sat 2027-01-16 13:00",
    ]
    assert windows("cron(0 9 ? * 2,FRI *)", "2026-11-28T00:00:00", 2) == [
        "Mon 2026-11-30 09:00",
        "Fri 2026-12-04 09:00",
    ]


@pytest.mark.parametrize(
    ("expression", "complaint"),
    [
        ("cron(30 2 ? * MON *)", "minutes must be 0"),
        ("cron(0 2 ? * MON 2027)", "year must be *"),
        ("cron(0 2 ? * ? *)", "exactly one of the two day fields"),
        ("cron(0 2 1 * MON *)", "exactly one of the two day fields"),
        ("cron(0 24 ? * MON *)", "outside 0-23"),
        ("cron(0 2 ? * FUNDAY *)", "not a number or a name"),
        ("cron(0 2 ? * MON#6 *)", "out of range"),
        ("cron(0 2 30 2 ? *)", "never matches"),
        ("rate(2 hours)", "4 to 23 hours"),
        ("rate(1000 days)", "1 to 999 days"),
        ("every day", "expected rate"),
    ],
)
def test_expressions_the_service_refuses_are_refused(expression: str, complaint: str) -> None:
    with pytest.raises(ScheduleError, match=complaint.replace("*", r"\*")):
        parse_expression(expression).next_window(at("2026-11-28T00:00:00"))
