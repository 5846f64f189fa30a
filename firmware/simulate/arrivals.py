"""What both simulations' caller streams share: a stream of arrivals on a virtual
clock up to an end time, each call run as a task, and patience as a give-up timer
that is forgotten once the caller is through.

A subclass provides ``_schedule()`` (draw the next gap and set ``_next``) and
``_arrive()``; the order of random draws stays the subclass's.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from ..call import Call
from ..clock import Timer, VirtualClock
from ..engine import CallEngine


class ArrivalStream:
    def __init__(self, engine: CallEngine, clock: VirtualClock, rng: random.Random) -> None:
        self._engine, self._clock, self._rng = engine, clock, rng
        self._until = 0.0
        self._next: Timer | None = None
        self._give_up: dict[str, Timer] = {}
        self.tasks: set[asyncio.Task] = set()

    def start(self, until: float) -> None:
        self._until = until
        self._schedule()

    def stop(self) -> None:
        if self._next is not None:
            self._next.cancel()
        for task in self.tasks:
            task.cancel()

    def _schedule(self) -> None:
        raise NotImplementedError

    def _run(self, call: Call, flow: Callable[[Call], Awaitable[object]]) -> None:
        """Run ``call`` through ``flow`` as a task the stream keeps until it is done."""
        task = asyncio.get_running_loop().create_task(self._engine.run(call, flow))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _patience(self, call: Call, mean_s: float) -> None:
        """The caller hangs up after an exponential wait of mean ``mean_s``."""
        wait = self._rng.expovariate(1.0 / mean_s)
        self._give_up[call.call_id] = self._clock.call_later(wait, self._hang_up, call)

    def _forget(self, call_id: str) -> None:
        """The caller is through (or gone): they no longer give up."""
        timer = self._give_up.pop(call_id, None)
        if timer is not None:
            timer.cancel()

    def _hang_up(self, call: Call) -> None:
        self._give_up.pop(call.call_id, None)
        self._engine.end(call, "caller")
