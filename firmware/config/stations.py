"""``[stations.<name>]`` (operator desks: headset, buttons, LEDs) and ``[panic.<name>]``.

Pins are BCM numbers. Each one may be used once across stations, panic buttons and
FXO lines (checked in :mod:`.references`); 0 and 1 are refused (HAT ID EEPROM).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import BcmPin, Section

ButtonName = Literal["ready", "pause", "answer", "hangup", "transfer", "mute"]
LedName = Literal["ready", "paused", "ringing", "on_call", "wrapup", "alarm"]


class Station(Section):
    label: str = Field("", title="Label", description="Where the desk is ('front desk').")
    headset: str = Field(
        title="Headset",
        description="A stable fragment of the headset's sound-device name ('Jabra EVOLVE 20').",
        min_length=1,
    )
    buttons: dict[ButtonName, BcmPin] = Field(
        {}, title="Buttons", description="Button -> BCM pin (wired to ground, pulled up)."
    )
    leds: dict[LedName, BcmPin] = Field({}, title="LEDs", description="LED -> BCM pin.")


class PanicButton(Section):
    label: str = Field("", title="Label", description="Where the button is.")
    pin: BcmPin = Field(title="Pin", description="BCM pin of the button (to ground, pulled up).")
    hold_s: float = Field(
        0.5, ge=0, title="Hold time", description="How long it must be held to alarm (debounce)."
    )
