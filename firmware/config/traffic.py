"""``[traffic]``: the callers ``hotline simulate --config`` sends through the flows.

The box itself never reads it. It describes a typical week: arrivals per hour of
day (weekdays, and optionally weekends), handle and patience times, how quickly
agents pick up, and what callers key in at each prompt, so a simulated month goes
through the same menus, queues and agents as a real one.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from .base import Name, PositiveSeconds, Seconds, Section, invalid
from .hours import TimeZone

_KEYS_EXPECTED = "expected DTMF keys 0-9, *, #, A-D, e.g. '1' or '12345678#'"


def _check_keys(value: str) -> str:
    if not value or any(c not in "0123456789*#ABCD" for c in value):
        raise invalid(f"is not a key sequence ({_KEYS_EXPECTED})")
    return value


KeySequence = Annotated[str, AfterValidator(_check_keys)]


def _check_day(values: list[float]) -> list[float]:
    if len(values) != 24:
        raise invalid(f"has {len(values)} values (expected 24: one per hour of the day, 00-23)")
    return values


HourlyRates = Annotated[list[Annotated[float, Field(ge=0)]], AfterValidator(_check_day)]


class Traffic(Section):
    timezone: TimeZone = Field(
        "UTC", title="Time zone", description="The zone the hours of the day are in."
    )
    arrivals_per_hour: HourlyRates = Field(
        title="Arrivals per hour",
        description="24 numbers: mean calls arriving in each hour of a weekday (Poisson).",
    )
    weekend_arrivals_per_hour: HourlyRates | None = Field(
        None, title="Weekend arrivals", description="The same for Saturday and Sunday "
        "(none: as weekdays).",
    )
    aht_s: PositiveSeconds = Field(
        180, title="Talk time", description="Mean talk time of an answered call (exponential)."
    )
    patience_s: PositiveSeconds | None = Field(
        None,
        title="Patience",
        description="Mean time a caller waits in a queue before hanging up (exponential; "
        "none: callers never hang up).",
    )
    answer_delay_s: Seconds = Field(
        3, title="Pick-up time", description="Seconds an agent's phone rings before they answer."
    )
    silent_share: float = Field(
        0.0,
        ge=0,
        le=1,
        title="Silent callers",
        description="Share of callers who cannot be heard (the flow's silence hang-up).",
    )
    keys: dict[Name, dict[KeySequence, Annotated[float, Field(gt=0)]]] = Field(
        {},
        title="Keys pressed",
        description="Prompt -> key sequence -> weight: what callers key in after that prompt "
        "(a prompt not listed: they press nothing).",
    )
    staffed: Name | None = Field(
        None,
        title="Staffed hours",
        description="An [hours.<name>] schedule: agents are logged in while it is open "
        "(none: always).",
    )
