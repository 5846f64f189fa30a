"""``Acd.snapshot()``: queues and agents now, as plain JSON-shaped data (docs/acd.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from firmware.clock import Clock

from .agents import AgentState
from .api import READY, STAFFED
from .ewt import ewt_s
from .queues import QueueState
from .waiting import RINGING


def staffed(q: QueueState, agents: Mapping[str, AgentState]) -> int:
    """Members logged in and not paused (the agents the expected wait counts on)."""
    return sum(1 for n in q.members if (a := agents.get(n)) and a.state in STAFFED)


def snapshot(
    queues: Mapping[str, QueueState],
    agents: Mapping[str, AgentState],
    escalated: Mapping[str, object],
    clock: Clock,
    is_closed: Callable[[QueueState], bool],
) -> dict:
    now = clock.now()
    to_wall = clock.wall() - now
    out_q = {}
    for name, q in queues.items():
        if q.removed and not len(q.waiting):
            continue
        callers = [
            {
                "call_id": e.call.call_id,
                "position": i,
                "priority": e.priority,
                "wait_s": now - e.first_enqueued,
                "ringing": e.state == RINGING,
            }
            for i, e in enumerate(q.waiting, 1)
        ]
        n_staffed = staffed(q, agents)
        aht = q.handle.mean()
        out_q[name] = {
            "waiting": len(callers),
            "callers": callers,
            "longest_wait_s": max((c["wait_s"] for c in callers), default=0.0),
            "ewt_s": ewt_s(len(callers) + 1, n_staffed, aht),  # for the next caller
            "aht_s": aht,
            "staffed": n_staffed,
            "ready": sum(1 for n in q.members if (a := agents.get(n)) and a.state == READY),
            "closed": is_closed(q),
            "removed": q.removed,
        }
    out_a = {
        name: {
            "state": a.state,
            "reason": a.reason,
            "since": a.since + to_wall,
            "for_s": now - a.since,
            "call": a.entry.call.call_id if a.entry is not None else None,
            "station": a.station,
            "answered": a.answered,
            "missed": a.missed,
            "escalated": len(escalated.get(name, ())),  # type: ignore[arg-type]
        }
        for name, a in agents.items()
    }
    return {"queues": out_q, "agents": out_a}
