"""Which waiting caller of a queue can be served now, and by which idle members.

O(members) to list the idle members, then the first waiting (not ringing) caller in
service order. Ringing callers are skipped (at most one per agent). Only in a skills
queue, when just unqualified agents are idle, does it look further back, for a
caller who has waited past ``widen_after_s``; and only if one has.
"""

from __future__ import annotations

from .agents import AgentState
from .api import READY
from .queues import QueueState
from .waiting import WAITING, Entry


def first_match(
    q: QueueState, agents: dict[str, AgentState]
) -> tuple[Entry, list[AgentState]] | None:
    """The first caller of ``q`` some idle member may take, with those members (agents
    who let this caller ring out come last: only if nobody else is idle)."""
    if not len(q.waiting):
        return None
    idle = [
        a
        for n in q.members
        if (a := agents.get(n)) is not None and a.state == READY and a.endpoint is not None
    ]
    if not idle:
        return None
    qualified = idle
    if q.is_skills:
        qualified = [a for a in idle if a.qualifies(q.skills)]
        if not qualified and not q.waiting.widened:
            return None  # nobody skilled is idle and no caller is open to all yet
    for entry in q.waiting:
        if entry.state != WAITING:
            continue
        cands = idle if entry.widened else qualified
        if not cands:
            continue  # skills: only a widened caller further back fits
        if entry.missed_by:
            fresh = [a for a in cands if a.name not in entry.missed_by]
            cands = fresh or cands
        return entry, cands
    return None
