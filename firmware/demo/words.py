"""Journal events in words, for the wallboard ("c3 from +380501234567 arrived on gsm1")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..cdr import (
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_ARRIVED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_OVERFLOWED,
    CALL_QUEUED,
    CALL_VOICEMAIL,
    CALLBACK_REQUESTED,
    IVR_CHOICE,
)
from ..journal import (
    AGENT_LOGGED_IN,
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
    ALARM,
    ALARM_CLEARED,
    CALL_AUDIO,
    LINE_DOWN,
    LINE_UP,
)

_Say = Callable[[Mapping[str, Any]], str]

_SAY: dict[str, _Say] = {
    CALL_ARRIVED: lambda f: (
        f"call {f['call_id']} from {f['caller'] or 'a withheld number'} arrived on {f['line']}"
    ),
    IVR_CHOICE: lambda f: f"call {f['call_id']} pressed {f['choice']} at {f['node']}",
    CALL_QUEUED: lambda f: f"call {f['call_id']} waits in {f['queue']}",
    CALL_OFFERED: lambda f: f"call {f['call_id']} rings {f['agent']}",
    CALL_ANSWERED: lambda f: f"{f['agent']} answered call {f['call_id']}",
    CALL_ABANDONED: lambda f: f"call {f['call_id']} gave up waiting",
    CALL_OVERFLOWED: lambda f: f"call {f['call_id']} overflowed from {f['queue']} ({f['action']})",
    CALL_VOICEMAIL: lambda f: f"call {f['call_id']} left a message for {f['mailbox']}",
    CALLBACK_REQUESTED: lambda f: f"call {f['call_id']} asked to be called back",
    CALL_ENDED: lambda f: (
        f"call {f['call_id']} ended by the {f['ended_by']}"
        + (f" ({f['reason']})" if f.get("reason") else "")
    ),
    AGENT_LOGGED_IN: lambda f: f"{f['agent']} logged in",
    AGENT_READY: lambda f: f"{f['agent']} is ready",
    AGENT_PAUSED: lambda f: f"{f['agent']} paused ({f['reason']})",
    AGENT_WRAP_UP: lambda f: f"{f['agent']} wraps up",
    AGENT_LOGGED_OUT: lambda f: f"{f['agent']} logged out",
    LINE_UP: lambda f: f"line {f['line']} is up",
    LINE_DOWN: lambda f: f"line {f['line']} is down: {f['reason']}",
    ALARM: lambda f: f"ALARM {f['name']} ({f['severity']}): {f['message']}",
    ALARM_CLEARED: lambda f: f"alarm {f['name']} cleared",
    CALL_AUDIO: lambda f: (
        f"call {f['call_id']} at {f['station']}: {f['seconds']:.1f} s of audio, worst delay "
        f"{_ms(f['worst_line_to_ear_ms'])} to the ear and {_ms(f['worst_mouth_to_line_ms'])} "
        f"to the line, {f['ear_underruns'] + f['mouth_underruns']} gap(s)"
    ),
}


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


#: Kinds too chatty for the board (every caller's position change).
QUIET = frozenset({"position_changed"})


def in_words(kind: str, fields: Mapping[str, Any]) -> str | None:
    """The event as a short sentence; None for kinds the board leaves out."""
    if kind in QUIET:
        return None
    say = _SAY.get(kind)
    if say is None:
        return f"{kind} " + " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
    try:
        return say(fields)
    except KeyError:  # an event with fewer fields than usual: say it plainly
        return f"{kind} " + " ".join(f"{k}={v}" for k, v in sorted(fields.items()))
