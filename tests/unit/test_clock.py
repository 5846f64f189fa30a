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
