"""Business hours in the schedule's own time zone, with holidays closing whole days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from firmware.config.hours import Schedule
from firmware.schedule import CLOSED, HOLIDAY, OPEN, is_open, status

KYIV = ZoneInfo("Europe/Kyiv")
WEEK = Schedule.model_validate(
    {"timezone": "Europe/Kyiv", "mon": ["09:00-13:00", "14:00-18:00"], "sat": ["20:00-24:00"]}
)


def at(*args: int) -> float:
    return datetime(*args, tzinfo=KYIV).timestamp()


def test_open_inside_ranges_closed_outside_and_at_the_end_minute():
    # 2026-12-07 is a Monday.
    assert status(WEEK, [], at(2026, 12, 7, 9, 0)) == OPEN
    assert status(WEEK, [], at(2026, 12, 7, 13, 0)) == CLOSED  # lunch: end is exclusive
    assert status(WEEK, [], at(2026, 12, 7, 17, 59, 59)) == OPEN
    assert status(WEEK, [], at(2026, 12, 7, 18, 0)) == CLOSED
    assert not is_open(WEEK, [], at(2026, 12, 8, 10, 0))  # Tuesday: no ranges


def test_range_to_midnight_and_time_zone_is_the_schedules():
    assert is_open(WEEK, [], at(2026, 12, 12, 23, 59, 59))  # Saturday, "20:00-24:00"
    # 09:30 in Kyiv is 07:30 UTC in winter: the UTC reading must not matter.
    utc = datetime(2026, 12, 7, 7, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    assert is_open(WEEK, [], utc)


def test_holiday_closes_the_whole_local_day():
    holidays = [[date(2026, 12, 7)]]
    assert status(WEEK, holidays, at(2026, 12, 7, 10, 0)) == HOLIDAY
    assert status(WEEK, holidays, at(2026, 12, 14, 10, 0)) == OPEN
