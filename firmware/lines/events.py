"""What a line tells the call engine: one small frozen dataclass per kind of event.

Every event carries the line id and a monotonic timestamp. ``as_json()`` gives the
flat form ``{"t", "line", "event", ...fields}`` that ``hotline modem replay --json``
prints and telemetry publishes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class LineState(StrEnum):
    INITIALISING = "initialising"
    READY = "ready"
    RINGING = "ringing"
    IN_CALL = "in_call"
    DOWN = "down"


@dataclass(frozen=True)
class LineEvent:
    line: str
    t: float
    kind: ClassVar[str] = "event"

    def as_json(self) -> dict:
        out = {"t": round(self.t, 3), "line": self.line, "event": self.kind}
        for f in dataclasses.fields(self):
            if f.name not in ("line", "t"):
                value = getattr(self, f.name)
                out[f.name] = value.value if isinstance(value, StrEnum) else value
        return out

    def describe(self) -> str:
        """One human-readable line."""
        fields = {k: v for k, v in self.as_json().items() if k not in ("t", "line", "event")}
        text = " ".join(f"{k}={v}" for k, v in fields.items() if v is not None)
        return f"{self.t:9.3f} {self.line} {self.kind} {text}".rstrip()


@dataclass(frozen=True)
class StateChanged(LineEvent):
    """The line's state; ``reason`` in plain words when it is down."""

    state: LineState = LineState.INITIALISING
    reason: str | None = None
    kind: ClassVar[str] = "state"


@dataclass(frozen=True)
class _CallerEvent(LineEvent):
    """Who calls. ``validity``: 'valid', 'withheld' (private) or 'unavailable'."""

    number: str | None = None
    name: str | None = None
    validity: str = "unavailable"


@dataclass(frozen=True)
class IncomingCall(_CallerEvent):
    """The line rings, with the caller ID known so far."""

    kind: ClassVar[str] = "incoming_call"


@dataclass(frozen=True)
class CallerIdUpdate(_CallerEvent):
    """Caller ID that arrived after the ring (e.g. +CLIP after RING)."""

    kind: ClassVar[str] = "caller_id"


@dataclass(frozen=True)
class CallAnswered(LineEvent):
    """A call is up: we answered, or the far end answered our dial."""

    direction: str = "incoming"
    kind: ClassVar[str] = "answered"


@dataclass(frozen=True)
class CallEnded(LineEvent):
    """A call is over. ``by``: 'remote', 'local' or 'line'; ``cause`` in words."""

    by: str = "remote"
    cause: str = "normal"
    code: int | None = None
    kind: ClassVar[str] = "hangup"


@dataclass(frozen=True)
class DtmfReceived(LineEvent):
    """A key the caller pressed. ``source``: 'modem' when the modem reported it."""

    digit: str = ""
    source: str = "modem"
    kind: ClassVar[str] = "dtmf"


@dataclass(frozen=True)
class CallProgress(LineEvent):
    """The outcome of a dial: busy, no_answer, no_carrier, no_dialtone, ringing, timeout."""

    result: str = ""
    kind: ClassVar[str] = "progress"


@dataclass(frozen=True)
class Registration(LineEvent):
    """GSM network registration (3GPP TS 27.007 +CREG ``stat``), in words."""

    status: str = "unknown"
    kind: ClassVar[str] = "registration"


@dataclass(frozen=True)
class Signal(LineEvent):
    """Received signal strength (dBm, None when unknown) from +CSQ."""

    rssi_dbm: int | None = None
    kind: ClassVar[str] = "signal"


@dataclass(frozen=True)
class Alarm(LineEvent):
    """Something an administrator should hear about (modem unplugged, no SIM, …)."""

    code: str = ""
    text: str = ""
    kind: ClassVar[str] = "alarm"
