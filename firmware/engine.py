"""The call engine: every call's life from arrival to end, on the event loop.

The engine owns the two events that bracket a call — ``call_arrived`` and
``call_ended`` — so each is journaled exactly once whoever ends the call (the
caller, an agent, the IVR, a line fault). Between them a call is the IVR's
(:mod:`firmware.ivr`) or, once queued, the ACD's (:mod:`firmware.acd`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from .call import Call, CallMedia
from .cdr import CALL_ARRIVED, CALL_ENDED, ENDED_BY
from .clock import Clock
from .journal import Journal

log = logging.getLogger(__name__)


class FlowRunner(Protocol):
    """Runs a call through its IVR flow (:class:`firmware.ivr.Ivr`)."""

    async def run(self, call: Call) -> None: ...


class CallEngine:
    def __init__(self, *, journal: Journal, clock: Clock) -> None:
        self.journal = journal
        self.clock = clock
        #: Calls that arrived and have not ended, by id.
        self.calls: dict[str, Call] = {}
        self._hangups: set[asyncio.Task] = set()

    def arrive(
        self,
        *,
        line: str,
        caller: str | None,
        media: CallMedia,
        lang: str,
        flow: str | None = None,
        priority: int = 0,
    ) -> Call:
        """A new call on ``line``: journaled, then handed back to be run."""
        # The arrival's own sequence number names the call: unique for the box's
        # whole life, across restarts, and cheap (the journal is the only writer).
        call_id = f"{self.journal.box_id}-{self.journal.last_seq + 1}"
        self.journal.append(CALL_ARRIVED, call_id=call_id, line=line, caller=caller or "")
        call = Call(call_id, line, caller, media, lang, flow=flow, priority=priority)
        self.calls[call_id] = call
        return call

    async def run(self, call: Call, body: Callable[[Call], Awaitable[None]]) -> None:
        """Run ``body`` (an IVR flow, or straight to a queue) for ``call``; a bug in it
        ends this call with reason 'error' and touches no other call."""
        try:
            await body(call)
        except asyncio.CancelledError:
            self.end(call, "system", "cancelled")
            raise
        except Exception:
            log.exception("call %s: flow failed", call.call_id)
            self.end(call, "system", "error")

    def end(self, call: Call, by: str, reason: str | None = None) -> bool:
        """End ``call`` (``by`` one of caller, agent, system, line): its ``on_end``
        callbacks run (they may still journal the call's last events, e.g. the ACD's
        ``call_abandoned``), then ``call_ended`` is journaled, once, and the line hung
        up. False if the call had ended already."""
        if call.ended:
            return False
        if by not in ENDED_BY:
            raise ValueError(f"ended_by {by!r} is not one of {', '.join(ENDED_BY)}")
        for callback in call._ended(by, reason):
            try:
                callback(call)
            except Exception:  # one listener's bug must not keep the others from hearing
                log.exception("call %s: end listener failed", call.call_id)
        fields = {"reason": reason} if reason else {}
        self.journal.append(CALL_ENDED, call_id=call.call_id, ended_by=by, **fields)
        self.calls.pop(call.call_id, None)
        if by != "caller" and by != "line":  # they have hung up already
            task = asyncio.get_running_loop().create_task(call.media.hangup())
            self._hangups.add(task)
            task.add_done_callback(self._hangups.discard)
        return True
