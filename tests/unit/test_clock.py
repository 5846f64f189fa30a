"""The virtual clock: sleepers wake in time order, and woken tasks run before time moves on."""

from __future__ import annotations

import asyncio

from firmware.clock import RealClock, VirtualClock


async def test_sleepers_wake_in_order_at_their_virtual_time():
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, seconds: float) -> None:
        await clock.sleep(seconds)
        woke.append((name, clock.now()))
        if name == "a":  # a task that sleeps again after waking
            await clock.sleep(5)
            woke.append(("a2", clock.now()))

    tasks = [asyncio.create_task(sleeper(n, s)) for n, s in (("b", 20), ("a", 10), ("c", 30))]
    await clock.advance(25)
    assert woke == [("a", 10), ("a2", 15), ("b", 20)]
    assert clock.now() == 25
    await clock.advance(10)
    assert woke[-1] == ("c", 30) and clock.now() == 35
    await asyncio.gather(*tasks)


async def test_a_month_takes_no_real_time_and_wall_follows():
    clock = VirtualClock(wall_start=1000.0)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await clock.sleep(60)
            ticks += 1

    task = asyncio.create_task(ticker())
    await clock.advance(30 * 86400)
    assert ticks == 30 * 24 * 60 and clock.wall() == 1000.0 + 30 * 86400
    task.cancel()


async def test_cancelled_sleeper_is_skipped():
    clock = VirtualClock()
    task = asyncio.create_task(clock.sleep(5))
    await asyncio.sleep(0)
    task.cancel()
    await clock.advance(10)
    assert clock.next_wakeup is None


async def test_real_clock_is_monotonic():
    c = RealClock()
    a = c.now()
    await c.sleep(0.01)
    assert c.now() > a and c.wall() > 1e9


async def test_call_later_runs_in_time_order_and_cancel_skips():
    clock = VirtualClock()
    ran: list[tuple[str, float]] = []
    clock.call_later(20, lambda: ran.append(("b", clock.now())))
    clock.call_later(10, lambda: ran.append(("a", clock.now())))
    dropped = clock.call_later(15, lambda: ran.append(("x", clock.now())))
    dropped.cancel()
    # A timer set from a timer runs in the same advance if it is due.
    clock.call_later(12, lambda: clock.call_later(1, lambda: ran.append(("c", clock.now()))))
    await clock.advance(30)
    assert ran == [("a", 10), ("c", 13), ("b", 20)]
    assert clock.next_wakeup is None


async def test_call_later_callbacks_and_sleepers_interleave():
    clock = VirtualClock()
    order: list[str] = []

    async def sleeper() -> None:
        await clock.sleep(5)
        order.append("task@5")
        clock.call_later(1, order.append, "timer@6")

    task = asyncio.create_task(sleeper())
    clock.call_later(5.5, order.append, "timer@5.5")
    await clock.run_until(10)
    assert order == ["task@5", "timer@5.5", "timer@6"]
    await task


async def test_real_clock_call_later_runs_and_cancels():
    clock = RealClock()
    ran: list[int] = []
    clock.call_later(0.0, ran.append, 1)
    clock.call_later(0.0, ran.append, 2).cancel()
    await asyncio.sleep(0.01)
    assert ran == [1]
