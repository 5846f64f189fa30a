"""An operator hands the caller to another queue (a blind transfer): the panel's
transfer button, or a command.

The caller goes to **position 1** of the target queue, as a caller taken back after a
panic does (:mod:`firmware.acd.takeback`): they have been served once and must not
start again behind people who came later. The target's own rules apply from there:
its maximum wait starts, a skills queue opens them to every member. A closed target
refuses the transfer and the caller stays with the operator, who can tell them.

The operator's part of the call counts as handled: they go to the *served* queue's
wrap-up (then ready, or whatever they asked for during the call), and the talk time
so far counts in that queue's handle time.

**What it journals**: ``call_transferred`` (call_id, to, reason ``transfer``, agent),
``call_queued`` (position 1) and the ``position_changed`` of everyone behind, the
agent's ``agent_wrap_up`` (or next state), then ``call_offered`` to the next agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from firmware.call import Call

from .api import ON_CALL, AcdError
from .takeback import to_head

if TYPE_CHECKING:
    from .acd import Acd

TRANSFER = "transfer"


def transfer(acd: Acd, agent: str, queue: str) -> Call:
    """Hand ``agent``'s caller to ``queue``; see the module doc. Returns the call.

    AcdError when the agent is not on a call or ``queue`` is closed now (the call
    stays where it is); ValueError for an unknown agent or queue.
    """
    a = acd.roster.get(agent, removed_ok=True)
    target = acd._queue(queue)
    if a.state != ON_CALL or a.entry is None:
        raise AcdError(f"agent {agent!r} is not on a call (state {a.state})")
    if acd._closed(target):
        raise AcdError(f"queue {queue!r} is closed now: the caller stays with {agent}")
    entry = a.entry
    call = entry.call
    served = acd._queues[entry.queue]
    with acd._batch():
        now = acd.clock.now()
        acd.roster.tell(a, "disconnect", call)
        a.entry = None
        a.idle_since = now
        entry.queue, entry.entered = target.name, now
        entry.visited.add(target.name)
        to_head(acd, entry, TRANSFER, a.name)
        entry.missed_by.add(a.name)  # someone else first, even if they are free at once
        if target.config.max_wait_s is not None:
            entry.wait_timer = acd.clock.call_later(target.config.max_wait_s, acd._max_wait, entry)
        acd.roster.start_wrap(
            a, call.call_id, served.config.wrapup_s, now - entry.answered_at, served.handle
        )
    return call
