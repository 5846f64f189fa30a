"""What differs between GSM modems that all speak 3GPP TS 27.007: the dialect.

The driver (``core.GsmLine``) does everything 27.007 defines. A dialect adds what
a vendor does on top, and **must** say:

* ``name`` and ``matches(manufacturer, model)`` — how it is recognised from the
  answers to ``AT+CGMI``/``AT+CGMM`` (or ``ATI``);
* ``urc_prefixes`` — every unsolicited code it may print, so the AT channel never
  mistakes one for part of a response;
* ``reboot_markers`` — lines that mean the modem restarted under us.

It **may** override:

* ``interpret(line)`` — turn its own URCs into :class:`CallSignal` records
  (``Quiet()`` for chatter the driver should drop without a word);
* ``init(at)`` — its own init commands, returning a reason when the modem cannot
  serve as a voice line;
* ``route_audio(at)`` and ``audio_frame_bytes`` — when call audio reaches the host
  over a second tty (``serial_audio.SerialAudioLink``);
* ``reports_dtmf`` — True when the modem reports received DTMF itself; otherwise
  the driver runs the DSP core on the call audio.

Dialects are pure: they never emit events or keep call state, so a replayed log
and a live modem go through exactly the same code.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import ClassVar

from ..at import AtChannel

log = logging.getLogger("hotline.lines.gsm")

#: Unsolicited codes 27.007 and V.250 define (RING and the call results the AT
#: channel already knows).
GENERIC_URCS = ("+CRING:", "+CLIP:", "+CREG:", "+CPIN:", "+CCWA:", "RDY")


# -- what a dialect tells the driver ------------------------------------------------


@dataclass(frozen=True)
class CallSignal:
    """Base of everything ``Dialect.interpret`` may return."""


@dataclass(frozen=True)
class Quiet(CallSignal):
    """A known URC with nothing in it for a call (signal bars, mode, flow reports)."""


@dataclass(frozen=True)
class Originated(CallSignal):
    """Our dial left the modem (Huawei ``^ORIG``)."""

    call_id: int


@dataclass(frozen=True)
class Alerting(CallSignal):
    """The far end rings (Huawei ``^CONF``: ringback)."""

    call_id: int


@dataclass(frozen=True)
class Connected(CallSignal):
    """The call is up (Huawei ``^CONN``)."""

    call_id: int


@dataclass(frozen=True)
class Ended(CallSignal):
    """The call is over. ``cause``: 3GPP TS 24.008 cause, when the network gave one."""

    call_id: int
    duration_s: int | None = None
    cause: int | None = None
    detail: str | None = None


@dataclass(frozen=True)
class DtmfDigit(CallSignal):
    """The modem heard a key on the call."""

    digit: str


# -- the dialect interface --------------------------------------------------------


class Dialect:
    """Plain 3GPP TS 27.007: no vendor codes, no host audio path."""

    name: ClassVar[str] = "generic"
    urc_prefixes: ClassVar[tuple[str, ...]] = GENERIC_URCS
    #: Lines a modem prints as it starts (SIMCom and Quectel print RDY, then +CPIN).
    reboot_markers: ClassVar[tuple[str, ...]] = ("RDY", "+CPIN: READY")
    reports_dtmf: ClassVar[bool] = False
    #: Bytes per 20 ms frame on the audio tty; 0 when audio does not reach the host.
    audio_frame_bytes: ClassVar[int] = 0

    @classmethod
    def matches(cls, manufacturer: str, model: str) -> bool:
        """True when the modem that answered AT+CGMI/AT+CGMM speaks this dialect."""
        return False

    @property
    def has_audio(self) -> bool:
        return self.audio_frame_bytes > 0

    def interpret(self, line: str) -> CallSignal | None:
        """A vendor URC as a call signal; None when the line is not the dialect's."""
        return None

    async def init(self, at: AtChannel) -> str | None:
        """Vendor init commands; a reason in plain words if the line cannot work."""
        return None

    async def route_audio(self, at: AtChannel) -> None:
        """Send call audio to the host (after the call connects)."""

    def is_reboot(self, line: str) -> bool:
        return line in self.reboot_markers


Generic = Dialect

# -- the registry -------------------------------------------------------------------

_REGISTRY: dict[str, type[Dialect]] = {"generic": Dialect}


def register(cls: type[Dialect]) -> type[Dialect]:
    """Class decorator: make a dialect known by its name and to detection."""
    _REGISTRY[cls.name] = cls
    return cls


def names() -> list[str]:
    return sorted(_REGISTRY)


def by_name(name: str) -> type[Dialect]:
    """The dialect called ``name``; ValueError naming the known ones otherwise."""
    try:
        return _REGISTRY[name.lower()]
    except KeyError:
        raise ValueError(
            f"unknown GSM modem dialect {name!r}; known: {', '.join(names())}"
        ) from None


def detect(manufacturer: str, model: str) -> type[Dialect]:
    """The first vendor dialect that claims the modem, else plain 27.007."""
    for cls in _REGISTRY.values():
        if cls is not Dialect and cls.matches(manufacturer, model):
            return cls
    return Dialect


def identity_from_ati(lines: list[str]) -> tuple[str, str]:
    """(manufacturer, model) from an ``ATI`` answer.

    Modems differ: Huawei prints ``Manufacturer: huawei`` / ``Model: E1550``,
    others print the two names on two bare lines.
    """
    manufacturer = model = ""
    bare: list[str] = []
    for line in lines:
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in ("manufacturer", "manufacture"):
            manufacturer = value.strip()
        elif sep and key == "model":
            model = value.strip()
        elif not sep:
            bare.append(line.strip())
    if not manufacturer and bare:
        manufacturer = bare[0]
    if not model and len(bare) > 1:
        model = bare[1]
    return manufacturer, model


def all_urc_prefixes() -> tuple[str, ...]:
    """Every registered dialect's URC prefixes: what to route before detection."""
    seen: dict[str, None] = {}
    for cls in _REGISTRY.values():
        seen.update(dict.fromkeys(cls.urc_prefixes))
    return tuple(seen)
