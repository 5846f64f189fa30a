"""Call-centre KPIs over a time window, from call detail records and agent events.

One function, :func:`compute`, reads what the journal keeps (``journal.cdrs()`` and
the agent events) and gives :class:`Kpis`; the definitions, formulas and edge cases
are in docs/kpis.md. Calls count in the window they *arrived* in; agent time (talk,
wrap-up, staffed, paused) counts in the window it *happened* in, so occupancy is a
share of time inside the window whatever the calls' arrival times.

Empty input never raises: counts are 0, and a figure with nothing to divide by
(a mean over no calls, a share of no time) is None.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .cdr import ABANDONED, Cdr
from .journal import (
    AGENT_LOGGED_IN,
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
)

AGENT_KINDS = (AGENT_LOGGED_IN, AGENT_READY, AGENT_PAUSED, AGENT_WRAP_UP, AGENT_LOGGED_OUT)

#: A call offered to an agent within this long of being queued did not wait.
AT_ONCE_S = 0.001


class AgentEvent(Protocol):
    """What the KPIs read of an agent event (the journal's ``Event`` has all of it)."""

    @property
    def t_wall(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class CallKpis:
    """The call figures of the whole centre or of one queue."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    p_wait: float | None = None
    asa_s: float | None = None
    service_level: float | None = None
    aht_s: float | None = None
    occupancy: float | None = None
    longest_wait_s: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in CALL_KEYS}


CALL_KEYS = tuple(CallKpis.__dataclass_fields__)


@dataclass(frozen=True)
class AgentKpis:
    answered: int = 0
    talk_s: float = 0.0
    wrapup_s: float = 0.0
    aht_s: float | None = None
    staffed_s: float = 0.0
    paused_s: float = 0.0
    occupancy: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in AGENT_KEYS}


AGENT_KEYS = tuple(AgentKpis.__dataclass_fields__)


@dataclass(frozen=True)
class Kpis(CallKpis):
    """The centre's figures, with the same per queue and agent figures per agent."""

    queues: dict[str, CallKpis] = field(default_factory=dict)
    agents: dict[str, AgentKpis] = field(default_factory=dict)
    #: Callers who found every line busy (simulations only: the box never sees them,
    #: the network gives them a busy tone). None: not known.
    blocked: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {
            **super().as_dict(),
            "queues": {q: k.as_dict() for q, k in sorted(self.queues.items())},
            "agents": {a: k.as_dict() for a, k in sorted(self.agents.items())},
        }
        if self.blocked is not None:
            out["blocked"] = self.blocked
        return out


def compute(
    cdrs: Iterable[Cdr],
    agent_events: Iterable[AgentEvent],
    *,
    start: float,
    end: float,
    sl_threshold_s: float = 20.0,
    short_abandon_s: float = 5.0,
) -> Kpis:
    """The KPIs of the window ``[start, end)`` (wall seconds).

    ``cdrs``: call records (any; those that arrived outside the window still lend
    the talk time that fell inside it). ``agent_events``: the agent kinds in seq order
    (others are skipped), from before ``start`` too if agents logged in earlier.
    """
    if not end > start:
        raise ValueError(f"end: {end!r} is not after start {start!r} (expected end > start)")
    for name, value in (("sl_threshold_s", sl_threshold_s), ("short_abandon_s", short_abandon_s)):
        if not value >= 0:
            raise ValueError(f"{name}: {value!r} (expected seconds >= 0)")
    cdrs = list(cdrs)
    time = _agent_time(agent_events, start, end)
    # Talk counts for the agent who answered, from the answer to the end (or `end`).
    for c in cdrs:
        if c.answer is not None and c.agent is not None:
            talk = _overlap(c.answer, c.end if c.end is not None else end, start, end)
            if talk > 0:
                time.agent(c.agent).talk += talk

    counted = [c for c in cdrs if start <= c.arrival < end and c.enqueue is not None]
    by_queue: dict[Any, list[Cdr]] = {}
    by_agent: dict[Any, list[Cdr]] = {}
    for c in counted:
        by_queue.setdefault(c.queue, []).append(c)
        if c.answer is not None:
            by_agent.setdefault(c.agent, []).append(c)
            time.agent(c.agent)  # listed even without events of their own

    def figures(calls: list[Cdr], occupancy: float | None) -> dict[str, Any]:
        return _call_figures(
            calls, time.wrapup_by_call, occupancy, end, sl_threshold_s, short_abandon_s
        )

    queues = {
        str(q): CallKpis(**figures(calls, _occupancy(time, {c.agent for c in calls})))
        for q, calls in by_queue.items()
    }
    agents = {}
    for name, t in time.agents.items():
        mine = by_agent.get(name, [])
        agents[str(name)] = AgentKpis(
            answered=len(mine),
            talk_s=t.talk,
            wrapup_s=t.wrapup,
            aht_s=_mean([_handle(c, time.wrapup_by_call, end) for c in mine]),
            staffed_s=t.staffed,
            paused_s=t.paused,
            occupancy=_ratio(t.talk + t.wrapup, t.staffed - t.paused),
        )
    return Kpis(
        **figures(counted, _occupancy(time, set(time.agents))), queues=queues, agents=agents
    )


def _call_figures(
    calls: list[Cdr],
    wrapup_by_call: dict[str, float],
    occupancy: float | None,
    end: float,
    threshold: float,
    short_abandon: float,
) -> dict[str, Any]:
    answered_waits: list[float] = []
    handled: list[float] = []
    abandoned = short = waited = 0
    longest: float | None = None
    for c in calls:
        if c.first_offer is None or c.first_offer > c.enqueue + AT_ONCE_S:
            waited += 1
        if c.answer is not None:
            wait = c.answer - c.enqueue
            answered_waits.append(wait)
            handled.append(_handle(c, wrapup_by_call, end))
        elif c.abandoned is not None or c.disposition == ABANDONED:
            wait = (c.abandoned if c.abandoned is not None else c.end) - c.enqueue
            abandoned += 1
            short += wait < short_abandon
        else:
            continue  # overflowed, or still waiting: no wait to report
        longest = wait if longest is None else max(longest, wait)
    offered = len(calls)
    return {
        "offered": offered,
        "answered": len(answered_waits),
        "abandoned": abandoned,
        "short_abandoned": short,
        "p_wait": _ratio(waited, offered),
        "asa_s": _mean(answered_waits),
        "service_level": _ratio(sum(w <= threshold for w in answered_waits), offered - short),
        "aht_s": _mean(handled),
        "occupancy": occupancy,
        "longest_wait_s": longest,
    }


def _handle(c: Cdr, wrapup_by_call: dict[str, float], end: float) -> float:
    """Talk plus wrap-up of one answered call (a call still talking: up to ``end``)."""
    talk_end = c.end if c.end is not None else max(end, c.answer)
    return talk_end - c.answer + wrapup_by_call.get(c.call_id, 0.0)


# --- agent time ----------------------------------------------------------------------
class _AgentTime:
    __slots__ = ("paused", "staffed", "talk", "wrapup")

    def __init__(self) -> None:
        self.staffed = self.paused = self.talk = self.wrapup = 0.0


class _Time:
    def __init__(self) -> None:
        self.agents: dict[Any, _AgentTime] = {}
        self.wrapup_by_call: dict[str, float] = {}

    def agent(self, name: Any) -> _AgentTime:
        t = self.agents.get(name)
        if t is None:
            t = self.agents[name] = _AgentTime()
        return t


def _agent_time(events: Iterable[AgentEvent], start: float, end: float) -> _Time:
    """Staffed, paused and wrap-up seconds per agent inside the window, and each
    wrap-up's full length by the call it followed.

    Each agent is in one state at a time; every agent event ends the state before
    it. An agent's first event, whatever it is, starts their staffed time (events
    pruned before a login still leave a usable day).
    """
    out = _Time()
    state: dict[Any, _State] = {}
    for ev in events:
        if ev.kind not in AGENT_KINDS:
            continue
        name = ev.fields["agent"]
        t = ev.t_wall
        _close(out, name, state.get(name), t, start, end)
        state[name] = (ev.kind, t, ev.fields.get("call_id"))
    for name, current in state.items():
        _close(out, name, current, max(end, current[1]), start, end)
    return out


#: An agent's current state: (event kind, since, the call a wrap-up follows).
_State = tuple[str, float, Any]


def _close(
    out: _Time, name: Any, current: _State | None, t: float, start: float, end: float
) -> None:
    """Book the state ``current`` of agent ``name``, which lasted until ``t``."""
    agent = out.agent(name)
    if current is None:
        return
    kind, since, call_id = current
    if kind == AGENT_LOGGED_OUT:
        return
    inside = _overlap(since, t, start, end)
    agent.staffed += inside
    if kind == AGENT_PAUSED:
        agent.paused += inside
    elif kind == AGENT_WRAP_UP:
        agent.wrapup += inside
        if call_id is not None:
            # A still-open wrap-up (t == end) counts up to the window's end.
            out.wrapup_by_call[call_id] = out.wrapup_by_call.get(call_id, 0.0) + (t - since)


def _occupancy(time: _Time, agents: set[Any]) -> float | None:
    busy = available = 0.0
    for name in agents:
        t = time.agents.get(name)
        if t is not None:
            busy += t.talk + t.wrapup
            available += t.staffed - t.paused
    return _ratio(busy, available)


def _overlap(a: float, b: float, start: float, end: float) -> float:
    return max(0.0, min(b, end) - max(a, start))


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None
