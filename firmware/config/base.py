"""What every config section is built from: a strict model and the small value types.

Every model forbids unknown keys (a typo is an error, never a silently ignored
setting) and is strict: TOML already types its values, so ``port = "1883"`` is a
mistake to report, not a string to coerce. Custom checks raise :func:`invalid` with
the tail of the message ("is not …  (expected …)"); :mod:`.errors` puts the key path
and the value in front.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

#: The error type :mod:`.errors` recognises as "our own message".
ERROR_TYPE = "hotline"

#: BCM pins 0 and 1 are I2C0 for the HAT ID EEPROM; the Pi header's GPIOs end at 27.
RESERVED_PINS = (0, 1)
MAX_BCM_PIN = 27


def invalid(message: str) -> PydanticCustomError:
    """An error whose text follows the value: ``invalid("is not a name (expected …)")``."""
    # Braces would be read as pydantic template fields; the message is final text.
    return PydanticCustomError(ERROR_TYPE, message.replace("{", "{{").replace("}", "}}"))


class Section(BaseModel):
    """Base of every config model: unknown keys are errors, values are taken as typed."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}")


def _check_name(value: str) -> str:
    # Names become MQTT topic levels and log fields: no '/', '+', '#', spaces.
    if not _NAME.fullmatch(value):
        raise invalid(
            "is not a valid name (expected a letter, then letters, digits, '-' or '_', "
            "at most 40 characters)"
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]

_LANG = re.compile(r"[a-z]{2,3}")


def _check_lang(value: str) -> str:
    if not _LANG.fullmatch(value):
        raise invalid("is not a language code (expected ISO 639-1 such as 'en', 'ru', 'uk', 'fa')")
    return value


Lang = Annotated[str, AfterValidator(_check_lang)]


def _check_pin(value: int) -> int:
    if value in RESERVED_PINS:
        raise invalid("is a reserved pin (expected 2-27: BCM 0 and 1 belong to the HAT ID EEPROM)")
    if not 2 <= value <= MAX_BCM_PIN:
        raise invalid("is not a BCM GPIO pin (expected 2-27)")
    return value


#: A Raspberry Pi GPIO by its BCM number.
BcmPin = Annotated[int, AfterValidator(_check_pin)]

#: A duration in seconds, zero or more.
Seconds = Annotated[float, Field(ge=0)]
#: A duration in seconds, more than zero.
PositiveSeconds = Annotated[float, Field(gt=0)]

_DTMF = re.compile(r"[0-9*#A-D]")


def _check_digit(value: str) -> str:
    if not _DTMF.fullmatch(value):
        raise invalid("is not a DTMF key (expected one of 0-9, *, #, A-D)")
    return value


DtmfKey = Annotated[str, AfterValidator(_check_digit)]


def _parse_clock(text: str) -> time | None:
    m = re.fullmatch(r"([01]?\d|2[0-4]):([0-5]\d)", text)
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    if hour == 24:
        # "24:00" ends a range at midnight; nothing later exists.
        return time.max if minute == 0 else None
    return time(hour, minute)


_RANGE_EXPECTED = (
    "is not a time range (expected 'HH:MM-HH:MM' with the start before the end; "
    "split a range that passes midnight in two)"
)


def _parse_range(value: Any) -> Any:
    if not isinstance(value, str):
        raise invalid(_RANGE_EXPECTED)
    start, sep, end = value.partition("-")
    first, last = _parse_clock(start.strip()), _parse_clock(end.strip())
    if not sep or first is None or last is None or first == time.max or first >= last:
        raise invalid(_RANGE_EXPECTED)
    return (first, last)


#: ``"09:00-18:00"``, parsed to ``(time(9), time(18))``; "24:00" is the end of the day.
TimeRange = Annotated[tuple[time, time], BeforeValidator(_parse_range)]
