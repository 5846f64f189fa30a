"""Business hours: whether a schedule is open at a moment, in its own time zone.

Used by the IVR's ``hours`` node and by queues with ``hours`` set. Holidays close
every schedule for the whole local day.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .config.hours import Schedule

OPEN, CLOSED, HOLIDAY = "open", "closed", "holiday"


def status(schedule: Schedule, holidays: Iterable[Iterable[date]], wall_t: float) -> str:
    """``open``, ``closed`` or ``holiday`` at Unix time ``wall_t``."""
    local = datetime.fromtimestamp(wall_t, ZoneInfo(schedule.timezone))
    day = local.date()
    if any(day in dates for dates in holidays):
        return HOLIDAY
    now = local.time().replace(tzinfo=None)
    for first, last in schedule.ranges(local.weekday()):
        # "24:00" parses to time.max, so "< last" holds to the end of the day.
        if first <= now < last or now == last == time.max:
            return OPEN
    return CLOSED


def is_open(schedule: Schedule, holidays: Iterable[Iterable[date]], wall_t: float) -> bool:
    return status(schedule, holidays, wall_t) == OPEN
