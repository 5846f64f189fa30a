"""Taking a call away from an agent: the caller back at the head of the queue (or
straight to a ready supervisor), the agent paused with a reason.

Two things at a station need it: the panic button (reason ``panic``: the operator is
threatened, feels ill, the caller has an emergency) and a headset pulled during a
call (reason ``headset lost``). In both the caller must not be dropped and must not
wait behind people who came later: they were being served.

**System pause reasons.** ``panic`` and ``headset lost`` are not in anyone's
``acd.pause_reasons`` (an agent cannot choose them on the panel; ``Name`` in the
config would not even accept the space). :func:`take_back` accepts them always, as
well as every configured reason; ``Acd.pause`` keeps refusing them, so only the
station's machinery (or an admin command going through ``take_back``) can set them.

**Head of the queue.** The caller goes to position 1: their priority is raised to
that of the caller at the head (if higher), and they get a sequence number below
every other one (a decreasing counter, so the newest taken-back caller goes first —
each was at the head when it was taken back). A skills queue opens them to every
member at once, and their maximum wait does not start again: they have been served
once, overflowing them now to voicemail would be the wrong answer to a panic.

**A ready supervisor.** With ``to_supervisor`` (the default) a supervisor
(``agents.<a>.supervisor = true``) who is ready, attached and not the agent in
question is rung for the caller at once — the longest idle if several. The caller
stays at position 1 of the queue while it rings; if the supervisor does not answer
in the queue's ``ring_timeout_s``, the next agent of the queue gets them.

**What it journals**: ``call_transferred`` (call_id, to = the queue, reason, agent),
``call_queued`` (position 1) and the ``position_changed`` of everyone behind, then the
agent's ``agent_paused`` (or ``agent_logged_out``, if they had asked to log out during
the call), then ``call_offered`` to the supervisor or the next agent. The talk time so
far is not counted in the queue's handle time: the call has not been handled.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

from firmware.call import Call
from firmware.cdr import CALL_TRANSFERRED

from .agents import AgentState
from .api import LOGGED_OUT, OFFERED, ON_CALL, PAUSED, READY, AcdError
from .roster import LOGOUT
from .waiting import WAITING, Entry

if TYPE_CHECKING:
    from .acd import Acd

#: Pause reasons only the system sets; always accepted by :func:`take_back`.
PANIC = "panic"
HEADSET_LOST = "headset lost"
SYSTEM_PAUSE_REASONS = (PANIC, HEADSET_LOST)

# Sequence numbers for callers put back at the head: below every enqueue's (those
# count up from 1), and unique, so two keys in a waiting list are never equal.
_head_seq = itertools.count(-1, -1)


def check_reason(reason: str, configured: list[str]) -> None:
    """ValueError unless ``reason`` is a system reason or a configured one."""
    if reason not in SYSTEM_PAUSE_REASONS and reason not in configured:
        allowed = ", ".join((*configured, *SYSTEM_PAUSE_REASONS))
        raise ValueError(f"pause reason {reason!r} is not one of {allowed}")


def take_back(acd: Acd, agent: str, reason: str, *, to_supervisor: bool = True) -> Call | None:
    """Take ``agent``'s call away and pause them with ``reason``; see the module doc.

    Returns the call taken away, or None when they had none on the line (ringing: the
    offer goes to the next agent, not a miss; ready or wrap-up: simply paused;
    already paused with that reason: nothing). AcdError if not logged in; ValueError
    for an unknown agent or reason. Never drops the call.
    """
    check_reason(reason, acd.config.acd.pause_reasons)
    a = acd.roster.get(agent, removed_ok=True)
    if a.state == LOGGED_OUT:
        raise AcdError(f"agent {agent!r} is not logged in")
    with acd._batch():
        if a.state != ON_CALL or a.entry is None:
            _pause_now(acd, a, reason)
            return None
        entry = a.entry
        call = entry.call
        acd.roster.tell(a, "disconnect", call)
        a.entry = None
        a.idle_since = acd.clock.now()
        to_head(acd, entry, reason, a.name)
        if a.after_call == LOGOUT:
            acd.roster.logout_now(a)
        else:
            acd.roster.to_paused(a, reason)
        if to_supervisor:
            sup = _ready_supervisor(acd, exclude=a.name)
            if sup is not None:
                q = acd._queues[entry.queue]
                rr_last = q.rr_last
                acd._offer(entry, [sup])
                q.rr_last = rr_last  # a supervisor's ring is not the queue's turn
    return call


def _pause_now(acd: Acd, a: AgentState, reason: str) -> None:
    if a.state == PAUSED and a.reason == reason:
        return
    if a.state == OFFERED:
        acd._withdraw(a)
    acd.roster.end_wrap(a)
    acd.roster.to_paused(a, reason)


def to_head(acd: Acd, entry: Entry, reason: str, agent: str) -> None:
    """Put the answered ``entry`` at position 1 of its queue (``entry.queue``: the one
    it came from, or a transfer's target)."""
    q = acd._queues[entry.queue]
    head = next(iter(q.waiting), None)
    if head is not None and head.priority > entry.priority:
        entry.priority = head.priority
    entry.seq = next(_head_seq)
    entry.state, entry.agent, entry.supervisor = WAITING, None, None
    entry.missed_by.clear()
    entry.widened = q.is_skills
    i = q.waiting.add(entry)
    acd.journal.append(
        CALL_TRANSFERRED, call_id=entry.call.call_id, to=q.name, reason=reason, agent=agent
    )
    acd._placed(entry, q, i)
    acd._start_announcer(entry)
    acd._pending.add(q.name)  # dispatched when the batch ends


def _ready_supervisor(acd: Acd, *, exclude: str) -> AgentState | None:
    ready = [
        a
        for a in acd.roster.agents.values()
        if a.config.supervisor
        and a.state == READY
        and a.endpoint is not None
        and not a.removed
        and a.name != exclude
    ]
    return min(ready, key=lambda a: a.idle_since, default=None)
