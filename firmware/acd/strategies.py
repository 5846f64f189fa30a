"""Who among the idle candidates gets a call: one function per ``strategy``.

Each takes the candidates (idle members allowed to take the call, in config order),
the queue's runtime state and the ACD's random generator, and returns the agents to
ring: all of them for ringall, one otherwise. O(candidates) each.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from .agents import AgentState


class QueueView(Protocol):
    """What a strategy reads of a queue."""

    members: list[str]  # member agents in config order
    rr_last: str | None  # round-robin: the member last offered a call
    skills: dict[str, int]  # required skills (strategy "skills")


def ringall(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """Every idle member at once; the first to answer wins."""
    return list(cands)


def longest_idle(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """The one whose last call ended longest ago (or who logged in longest ago)."""
    return [min(cands, key=lambda a: a.idle_since)]


def fewest_calls(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """The one who answered fewest calls since login; ties: longest idle."""
    return [min(cands, key=lambda a: (a.answered, a.idle_since))]


def round_robin(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """The next member after the one last offered a call in this queue (config order)."""
    members = q.members
    by_name = {a.name: a for a in cands}
    start = members.index(q.rr_last) + 1 if q.rr_last in members else 0
    n = len(members)
    for k in range(n):
        agent = by_name.get(members[(start + k) % n])
        if agent is not None:
            return [agent]
    return [cands[0]]  # a candidate that is no member (cannot happen; keeps it total)


def random_pick(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """Uniform over the candidates, with the ACD's (seedable) generator."""
    return [cands[rng.randrange(len(cands))]]


def skills(cands: list[AgentState], q: QueueView, rng: random.Random) -> list[AgentState]:
    """The best-skilled: highest summed level over the required skills; ties: longest
    idle. (Which candidates qualify, and widening, is the dispatcher's filter.)"""
    required = q.skills
    return [min(cands, key=lambda a: (-a.skill_score(required), a.idle_since))]


Strategy = Callable[[list[AgentState], QueueView, random.Random], list[AgentState]]

STRATEGIES: dict[str, Strategy] = {
    "ringall": ringall,
    "longest-idle": longest_idle,
    "fewest-calls": fewest_calls,
    "round-robin": round_robin,
    "random": random_pick,
    "skills": skills,
}
