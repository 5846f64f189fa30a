"""``[stations.<name>]`` (operator desks: headset, buttons, LEDs) and ``[panic.<name>]``.

Pins are BCM numbers. Each one may be used once across stations, panic buttons and
FXO lines (checked in :mod:`.references`); 0 and 1 are refused (HAT ID EEPROM).
What the lights and buttons do: :mod:`firmware.panel` and ``hw/README.md``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import BcmPin, Name, PositiveSeconds, Seconds, Section

ButtonName = Literal["ready", "pause", "answer", "hangup", "transfer", "mute"]
#: Station numbers are keyed in on a phone: at most six digits.
MAX_STATION_NUMBER = 999_999

LedName = Literal["ready", "paused", "ringing", "on_call", "wrapup", "alarm"]


class RgbLed(Section):
    """One three-colour LED instead of (or beside) single LEDs."""

    red: BcmPin = Field(title="Red", description="BCM pin of the red leg.")
    green: BcmPin = Field(title="Green", description="BCM pin of the green leg.")
    blue: BcmPin = Field(title="Blue", description="BCM pin of the blue leg.")
    common_anode: bool = Field(
        False,
        title="Common anode",
        description="The shared leg goes to 3.3 V (a low pin lights a colour).",
    )


class Station(Section):
    label: str = Field("", title="Label", description="Where the desk is ('front desk').")
    number: int | None = Field(
        None,
        ge=1,
        le=MAX_STATION_NUMBER,
        title="Number",
        description="What an operator keys in to log in here from a phone (an agent_login "
        "node); unique (none: no login from a phone).",
    )
    headset: str = Field(
        title="Headset",
        description="A stable fragment of the headset's sound-device name ('Jabra EVOLVE 20').",
        min_length=1,
    )
    headset_backend: Literal["sounddevice", "pyaudio", "file"] = Field(
        "sounddevice",
        title="Headset backend",
        description="How the headset is driven: sounddevice or pyaudio (both PortAudio), or "
        "file (headset is then a WAV file played as the microphone, a relative path next to "
        "the config: the demo).",
    )
    headset_rate: Literal[16000, 32000, 44100, 48000] | None = Field(
        None,
        title="Headset sample rate",
        description="Sample rate to open the headset at (none: the device's default).",
    )
    buttons: dict[ButtonName, BcmPin] = Field(
        {}, title="Buttons", description="Button -> BCM pin (wired to ground, pulled up)."
    )
    leds: dict[LedName, BcmPin] = Field({}, title="LEDs", description="LED -> BCM pin.")
    rgb: RgbLed | None = Field(
        None,
        title="RGB LED",
        description="One RGB LED showing every state by colour (none: the single LEDs only).",
    )
    buzzer: BcmPin | None = Field(
        None, title="Buzzer", description="BCM pin of an active buzzer (none: no buzzer)."
    )
    buzzer_after_s: Seconds = Field(
        10,
        title="Buzz after",
        description="An offered call still ringing after this long sounds the buzzer.",
    )
    ack_button: BcmPin | None = Field(
        None,
        title="Alarm acknowledge button",
        description="BCM pin of the supervisor's button that acknowledges a panic alarm.",
    )
    transfer_to: Name | None = Field(
        None,
        title="Transfer to",
        description="The queue the transfer button hands the caller to (at the head of it: "
        "they have been served); needed when a transfer button is wired.",
    )
    long_press_s: PositiveSeconds = Field(
        1.0,
        title="Long press",
        description="Holding 'ready' this long starts choosing a pause reason; each further "
        "period held moves to the next reason.",
    )
    debounce_s: Seconds = Field(
        0.05,
        title="Debounce",
        description="Contact bounce shorter than this is ignored.",
    )


class PanicButton(Section):
    label: str = Field("", title="Label", description="Where the button is.")
    pin: BcmPin = Field(title="Pin", description="BCM pin of the button (to ground, pulled up).")
    hold_s: Seconds = Field(
        0.5, title="Hold time", description="How long it must be held to alarm (debounce)."
    )
    hold_alarm_s: PositiveSeconds = Field(
        3.0,
        title="Long hold",
        description="Held this long, it raises an alarm even when no covered station has a "
        "call (more than hold_s).",
    )
    stations: list[Name] = Field(
        [],
        title="Stations",
        description="The stations it covers: one for a button at a desk, several for a room "
        "(none: every station).",
    )
