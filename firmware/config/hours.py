"""``[hours.<name>]`` (weekly business hours in a time zone) and ``[holidays]`` (dates)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BeforeValidator, Field

from .base import Section, TimeRange, invalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except Exception:  # not found, malformed, a path: all mean "not a zone name"
        raise invalid(
            "is not a time zone (expected an IANA name such as 'Europe/Kyiv' or 'UTC')"
        ) from None
    return value


TimeZone = Annotated[str, AfterValidator(_check_zone)]

_DAY = Field([], title="Open", description="Ranges 'HH:MM-HH:MM' the day is open (none: closed).")


class Schedule(Section):
    """When a queue or a flow's ``hours`` node counts as open. Holidays are always closed."""

    timezone: TimeZone = Field(
        title="Time zone", description="IANA time zone the ranges are in ('Europe/Kyiv')."
    )
    mon: list[TimeRange] = _DAY
    tue: list[TimeRange] = _DAY
    wed: list[TimeRange] = _DAY
    thu: list[TimeRange] = _DAY
    fri: list[TimeRange] = _DAY
    sat: list[TimeRange] = _DAY
    sun: list[TimeRange] = _DAY

    def ranges(self, weekday: int) -> list:
        """The open ranges of ``weekday`` (0 = Monday, as ``date.weekday()``)."""
        return getattr(self, WEEKDAYS[weekday])


def _one_or_many(value: Any) -> Any:
    # A holiday is one date or a list of them (a long weekend).
    return value if isinstance(value, list) else [_as_date(value)]


def _as_date(value: Any) -> Any:
    # TOML offset/local date-times are date subclasses; a holiday is a whole day.
    if not isinstance(value, date) or hasattr(value, "hour"):
        raise invalid("is not a date (expected a TOML date such as 2026-01-01, no quotes)")
    return value


HolidayDates = Annotated[
    list[Annotated[date, BeforeValidator(_as_date)]], BeforeValidator(_one_or_many)
]
