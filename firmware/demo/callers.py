"""The demo's callers: people ringing the emulated sticks and pressing keys.

Every few seconds (exponential gaps) a caller rings a free stick from a random
number; a stick carries one call at a time, and a caller who finds every stick
busy is counted as ``busy`` (the network would give them a busy tone). Once the
box answers, the caller chooses a language during the first prompt and a menu key a
little later: DTMF down the stick's voice port, which the box's DSP must hear. Then
they wait for a person; kept waiting longer than their patience, they hang up. A
person answering is told to them by :meth:`Callers.agent_answered` (the demo's
operators have no voice, so this stands in for hearing "hello"; the runner calls it
on the journal's ``call_answered``).

All the waiting is on the injected clock; the sticks are polled every 0.1 s.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..clock import Clock
from ..emulator.huawei import HuaweiEmulator

log = logging.getLogger(__name__)

POLL_S = 0.1
PREFIXES = ("+38050", "+38067", "+38063", "+38044", "+44207", "+1212")


@dataclass(frozen=True)
class CallerHabits:
    """How the demo's callers behave (seconds of real time)."""

    mean_gap_s: float = 4.0  # between arrivals
    answer_wait_s: float = 15.0  # ringing this long unanswered: give up
    language_key_after_s: tuple[float, float] = (0.8, 1.5)  # into the first prompt
    menu_key_after_s: tuple[float, float] = (1.5, 2.5)  # after the language key
    patience_s: tuple[float, float] = (15.0, 45.0)  # waiting for a person
    language_keys: tuple[str, ...] = ("1", "2")  # en, uk
    menu_keys: tuple[str, ...] = ("1", "2")  # sales, support
    longest_call_s: float = 120.0  # a safety net: nobody stays on a line forever


class Callers:
    """Rings ``sticks`` (line id -> emulator) until :meth:`stop`; see the module doc."""

    def __init__(
        self,
        sticks: Mapping[str, HuaweiEmulator],
        clock: Clock,
        rng: random.Random,
        habits: CallerHabits | None = None,
        say: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.sticks = dict(sticks)
        self.say = say  # what the callers do, in words (for the board)
        self.clock, self.rng = clock, rng
        self.habits = habits or CallerHabits()
        self.rung = 0  # calls placed
        self.busy = 0  # callers who found every stick busy
        self.gave_up = 0  # callers who hung up waiting
        self.pressed: list[tuple[str, str]] = []  # (number, key), in order pressed
        self._answered: set[str] = set()  # lines whose caller has a person on
        self._on_line: set[str] = set()  # lines a simulated caller is on
        self._tasks: set[asyncio.Task] = set()
        self._arrivals: asyncio.Task | None = None

    def start(self) -> None:
        self._arrivals = asyncio.get_running_loop().create_task(self._arrive_forever())

    def stop_arrivals(self) -> None:
        if self._arrivals is not None:
            self._arrivals.cancel()

    @property
    def on_lines(self) -> int:
        """Callers on a line now (ringing, in the IVR, waiting or talking)."""
        return len(self._on_line)

    def agent_answered(self, line: str) -> None:
        """A person answered the caller on ``line``."""
        self._answered.add(line)

    def hang_up_all(self) -> None:
        """Every caller still on a line hangs up (the demo is over)."""
        if self._on_line:
            self.say(f"the demo is over: {len(self._on_line)} caller(s) hang up")
        for line in list(self._on_line):
            self.sticks[line].caller_hangs_up()

    async def stop(self) -> None:
        tasks = [*self._tasks, *([self._arrivals] if self._arrivals else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _arrive_forever(self) -> None:
        gap = 1.0  # the first caller at once: the board comes alive
        while True:
            await self.clock.sleep(gap)
            gap = max(1.0, self.rng.expovariate(1.0 / self.habits.mean_gap_s))
            free = [line for line in self.sticks if line not in self._on_line]
            if not free:
                self.busy += 1
                self.say("a caller finds every line busy")
                continue
            line = self.rng.choice(free)
            number = self.rng.choice(PREFIXES) + f"{self.rng.randrange(10**7):07d}"
            self._on_line.add(line)
            task = asyncio.get_running_loop().create_task(self._call(line, number))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _call(self, line: str, number: str) -> None:
        stick, h, rng = self.sticks[line], self.habits, self.rng
        self._answered.discard(line)
        try:
            self.rung += 1
            self.say(f"{number} dials {line}")
            stick.ring(number)
            if not await self._until(lambda: _connected(stick), h.answer_wait_s):
                self.say(f"{number} gives up: {line} rang {h.answer_wait_s:.0f} s unanswered")
                stick.caller_hangs_up()
                return
            await self.clock.sleep(rng.uniform(*h.language_key_after_s))
            if not stick.calls:
                return
            self._press(stick, number, rng.choice(h.language_keys))
            await self.clock.sleep(rng.uniform(*h.menu_key_after_s))
            if not stick.calls:
                return
            self._press(stick, number, rng.choice(h.menu_keys))
            patience = rng.uniform(*h.patience_s)
            if not await self._until(lambda: line in self._answered or not stick.calls, patience):
                self.gave_up += 1
                self.say(f"{number} hangs up after waiting {patience:.0f} s")
                stick.caller_hangs_up()
                return
            # Talking: the operator hangs up (or the box ends the call).
            if not await self._until(lambda: not stick.calls, h.longest_call_s):
                stick.caller_hangs_up()
        except Exception:  # one caller's trouble must not stop the others
            log.exception("demo caller on %s", line)
        finally:
            self._on_line.discard(line)
            self._answered.discard(line)

    def _press(self, stick: HuaweiEmulator, number: str, key: str) -> None:
        self.pressed.append((number, key))
        self.say(f"{number} presses {key}")
        stick.caller_presses(key)

    async def _until(self, condition, timeout_s: float) -> bool:
        """Poll ``condition`` until it holds (True) or ``timeout_s`` passes (False)."""
        end = self.clock.now() + timeout_s
        while not condition():
            if self.clock.now() >= end:
                return False
            await self.clock.sleep(POLL_S)
        return True


def _connected(stick: HuaweiEmulator) -> bool:
    return any(call.stat == 0 for call in stick.calls)
