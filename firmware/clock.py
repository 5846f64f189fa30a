"""Time behind one small interface: the real clock drives the appliance, a virtual
clock drives simulations and tests. Everything time-dependent takes a ``Clock``."""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Callable
from typing import Any, Protocol


class Timer(Protocol):
    """A pending ``call_later``: cancel it and the callback never runs."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """What time-dependent code may ask of time."""

    def now(self) -> float:
        """Monotonic seconds (only differences mean anything)."""
        ...

    def wall(self) -> float:
        """Seconds since the Unix epoch, for timestamps people read."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...

    def call_later(self, seconds: float, callback: Callable[..., Any], *args: Any) -> Timer:
        """Run ``callback(*args)`` on the event loop after ``seconds``; cancellable.

        Why callbacks as well as ``sleep``: queue and agent timers (ring timeout,
        wrap-up, maximum wait) are many, short-lived and mostly cancelled; a timer
        costs far less than a task, on the box and in a simulated month alike.
        """
        ...


class RealClock:
    """The machine's clocks: ``time.monotonic`` and ``time.time``."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, seconds: float, callback: Callable[..., Any], *args: Any) -> Timer:
        return asyncio.get_running_loop().call_later(max(0.0, seconds), callback, *args)


class VirtualTimer:
    """One entry of the virtual clock's schedule."""

    __slots__ = ("args", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Simulated time for tests and ``hotline simulate``: ``sleep`` and ``call_later``
    wait for :meth:`advance`, which jumps from one due timer to the next in order,
    letting every task that woke run to its next wait before time moves on.

    Only code that waits through this clock is simulated; ``asyncio.sleep`` and
    ``wait_for`` timeouts still run in real time.
    """

    def __init__(self, start: float = 0.0, wall_start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self._timers: list[tuple[float, int, VirtualTimer]] = []
        self._seq = 0

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + self._wall_offset

    def call_later(self, seconds: float, callback: Callable[..., Any], *args: Any) -> VirtualTimer:
        timer = VirtualTimer(self._now + max(0.0, seconds), callback, args)
        self._seq += 1
        heapq.heappush(self._timers, (timer.when, self._seq, timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        timer = self.call_later(seconds, _wake, fut)
        try:
            await fut
        finally:
            timer.cancel()  # a cancelled sleeper leaves nothing due behind it

    @property
    def next_wakeup(self) -> float | None:
        """When the earliest timer is due, or None if nothing is scheduled."""
        while self._timers and self._timers[0][2].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0][0] if self._timers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, running every timer due on the way."""
        await self.run_until(self._now + seconds)

    async def run_until(self, target: float) -> None:
        """Run every timer due up to ``target`` in time order; then ``now() == target``."""
        loop = asyncio.get_running_loop()
        await settle()
        timers = self._timers
        while timers:
            when, _, timer = timers[0]
            if timer.cancelled:
                heapq.heappop(timers)
                continue
            if when > target:
                break
            heapq.heappop(timers)
            if when > self._now:
                self._now = when
            timer.cancelled = True  # spent: a late cancel() is harmless
            timer.callback(*timer.args)
            # Tasks it woke run before time moves on; a plain callback woke none.
            if getattr(loop, "_ready", True):
                await settle()
        self._now = max(self._now, target)


def _wake(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


async def settle(max_rounds: int = 10_000) -> None:
    """Let every runnable task run until all of them wait on something."""
    loop = asyncio.get_running_loop()
    for _ in range(max_rounds):
        await asyncio.sleep(0)
        # asyncio keeps the callbacks ready to run in ``_ready``; when it is empty
        # (but for our own wake-up), every task is waiting.
        if not getattr(loop, "_ready", None):
            return
