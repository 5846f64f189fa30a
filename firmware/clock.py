"""Time behind one small interface: the real clock drives the appliance, a virtual
clock drives simulations and tests. Everything time-dependent takes a ``Clock``."""

from __future__ import annotations

import asyncio
import heapq
import time
from typing import Protocol


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


class RealClock:
    """The machine's clocks: ``time.monotonic`` and ``time.time``."""

    def now(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class VirtualClock:
    """Simulated time for tests and ``hotline simulate``: ``sleep`` waits for
    :meth:`advance`, which jumps from one wake-up to the next in order, letting
    every task that woke run to its next wait before time moves on.

    Only code that waits through this clock is simulated; ``asyncio.sleep`` and
    ``wait_for`` timeouts still run in real time.
    """

    def __init__(self, start: float = 0.0, wall_start: float = 1_767_225_600.0) -> None:
        self._now = start
        self._wall_offset = wall_start - start
        self._sleepers: list[tuple[float, int, asyncio.Future]] = []
        self._seq = 0

    def now(self) -> float:
        return self._now

    def wall(self) -> float:
        return self._now + self._wall_offset

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self._now + seconds, self._seq, fut))
        await fut

    @property
    def next_wakeup(self) -> float | None:
        """When the earliest sleeper wakes, or None if nobody sleeps."""
        while self._sleepers and self._sleepers[0][2].cancelled():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    async def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``, waking every sleeper due on the way."""
        target = self._now + seconds
        await settle()
        while (wake := self.next_wakeup) is not None and wake <= target:
            t, _, fut = heapq.heappop(self._sleepers)
            self._now = max(self._now, t)
            fut.set_result(None)
            await settle()
        self._now = target


async def settle(max_rounds: int = 10_000) -> None:
    """Let every runnable task run until all of them wait on something."""
    loop = asyncio.get_running_loop()
    for _ in range(max_rounds):
        await asyncio.sleep(0)
        # asyncio keeps the callbacks ready to run in ``_ready``; when it is empty
        # (but for our own wake-up), every task is waiting.
        if not getattr(loop, "_ready", None):
            return
