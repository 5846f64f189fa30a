"""A robot hand at a real station: plays the person at the desk by its lights and buttons.

The desk (``[stations.desk1]`` of the demo config) is a real
:class:`firmware.station.Station`: panel on gpiozero's ``MockFactory``, file headset,
bridge. Its operator is this hand, which knows **only** what a person there would: the
desk's LEDs (the mock pins' states, sampled every :data:`LOOK_EVERY_S`) and its buttons
(mock pins driven low for a press, as a button to ground does). It never asks the ACD.

What it does: presses *ready* at the start (a fixed station's agent logs in paused
``login``); when the *ringing* LED blinks, presses *answer* after ~2 s; after a talk time
of 8-20 s, presses *answer* again (hangs up); once, after ``pause_at_s`` and a first call
(or twice ``pause_at_s`` without one), when not on a call, holds *ready* to pause with
the first reason, and presses *ready* again ``pause_for_s`` later. With ``done_by_s`` (the
demo's length) talk is cut short so the last call ends ``WIND_DOWN_S`` before it: the
run then sees the hang-up and the pause.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..clock import Clock

log = logging.getLogger(__name__)

LOOK_EVERY_S = 0.05
#: A LED that went on and off within this is blinking (wrap-up blinks 1 s on, 1 s off).
BLINK_WINDOW_S = 2.2
#: Ringing: the ringing LED lit this recently (it blinks 0.25 s on, 0.25 s off).
RINGING_WINDOW_S = 0.6
PRESS_S = (0.12, 0.2)  # a finger's tap
ANSWER_AFTER_S = 2.0
TALK_S = (8.0, 20.0)
WIND_DOWN_S = 3.0
SHORTEST_TALK_S = 2.0
#: How long the hand waits for the lights to answer a press before it gives up.
SEE_WITHIN_S = 3.0
LED_ORDER = ("ready", "ringing", "on_call", "wrapup", "paused", "alarm")


@dataclass
class DeskDid:
    """What the hand did at the desk."""

    presses: list[tuple[float, str]] = field(default_factory=list)  # (clock time, what)
    answered: int = 0  # calls answered by the answer button (the on-call LED came on)
    hung_up: int = 0  # calls ended by the answer button
    paused: int = 0  # pauses taken by holding ready (the paused LED came on)
    missed: int = 0  # rings that stopped before the hand answered


class Lamp:
    """One LED as a person sees it: on, off or blinking, from samples of its pin."""

    def __init__(self, pin: Any) -> None:
        self.pin = pin
        self.lit = False
        self.lit_at = -1e9  # last sample it was lit
        self._flips: collections.deque[float] = collections.deque(maxlen=4)

    def sample(self, now: float) -> None:
        lit = bool(self.pin.state)
        if lit != self.lit:
            self._flips.append(now)
        self.lit = lit
        if lit:
            self.lit_at = now

    def looks(self, now: float) -> str:
        """One of "on", "off" or "blink" (it went on and off within the window)."""
        recent = sum(1 for t in self._flips if t >= now - BLINK_WINDOW_S)
        if recent >= 2:
            return "blink"
        return "on" if self.lit else "off"


class RobotHand:
    """The person at ``station`` (its config section), with the box's ``pin_factory``."""

    def __init__(
        self,
        station: str,
        config: Any,
        pin_factory: Any,
        clock: Clock,
        rng: random.Random,
        *,
        pause_at_s: float,
        pause_for_s: float,
        done_by_s: float | None = None,
    ) -> None:
        missing = {"ready", "answer"} - set(config.buttons)
        if missing:
            raise ValueError(
                f"station {station}: no {' or '.join(sorted(missing))} button "
                "(the robot hand needs ready and answer)"
            )
        if "ringing" not in config.leds or "on_call" not in config.leds:
            raise ValueError(f"station {station}: the robot hand needs ringing and on_call LEDs")
        self.station, self.config, self.clock, self.rng = station, config, clock, rng
        self.pause_at_s, self.pause_for_s = pause_at_s, pause_for_s
        self.done_by_s = done_by_s
        self.buttons = {name: pin_factory.pin(pin) for name, pin in config.buttons.items()}
        self.lamps = {name: Lamp(pin_factory.pin(pin)) for name, pin in config.leds.items()}
        self.did = DeskDid()
        self._started = 0.0
        self._task: asyncio.Task | None = None

    # -- what a person sees -----------------------------------------------------------------

    def look(self) -> None:
        now = self.clock.now()
        for lamp in self.lamps.values():
            lamp.sample(now)

    def lights(self) -> dict[str, str]:
        """Each LED as it looks now: "on", "off" or "blink" (in :data:`LED_ORDER`)."""
        now = self.clock.now()
        order = [n for n in LED_ORDER if n in self.lamps]
        return {name: self.lamps[name].looks(now) for name in order}

    def _ringing(self) -> bool:
        return self.clock.now() - self.lamps["ringing"].lit_at <= RINGING_WINDOW_S

    def _on(self, led: str) -> bool:
        lamp = self.lamps.get(led)
        return lamp is not None and lamp.looks(self.clock.now()) == "on"

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._started = self.clock.now()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="robot hand")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for pin in self.buttons.values():
            pin.drive_high()  # nobody leans on a button after the demo

    async def sit_down(self) -> bool:
        """Press ready and wait for the ready LED; True once it is on."""
        await self._press("ready")
        return await self._see(lambda: self._on("ready"))

    async def _run(self) -> None:
        pause_done = False
        try:
            while True:
                await self._tick()
                elapsed = self.clock.now() - self._started
                if self._ringing():
                    await self._take_call()
                elif not pause_done and self._pause_due(elapsed) and self._idle():
                    pause_done = True
                    await self._take_pause()
        except asyncio.CancelledError:
            raise
        except Exception:  # a confused hand must not take the demo down
            log.exception("robot hand at %s", self.station)

    def _pause_due(self, elapsed: float) -> bool:
        # After a first call (she came to work), or late enough without one.
        if elapsed < self.pause_at_s:
            return False
        return self.did.answered > 0 or elapsed >= 2 * self.pause_at_s

    def _idle(self) -> bool:
        wrapup = self.lamps.get("wrapup")
        return self._on("ready") or (wrapup is not None and wrapup.looks(self.clock.now()) != "off")

    async def _take_call(self) -> None:
        await self._watch(ANSWER_AFTER_S)  # a person hears it, puts down the coffee …
        if not self._ringing():
            self.did.missed += 1
            return
        await self._press("answer")
        if not await self._see(lambda: self._on("on_call")):
            self.did.missed += 1
            return
        self.did.answered += 1
        talk = self.rng.uniform(*TALK_S)
        if self.done_by_s is not None:
            left = self._started + self.done_by_s - WIND_DOWN_S - self.clock.now()
            talk = min(talk, max(SHORTEST_TALK_S, left))
        end = self.clock.now() + talk
        while self.clock.now() < end and self._on("on_call"):
            await self._tick()
        if self._on("on_call"):
            await self._press("answer")  # hang up
            if await self._see(lambda: not self._on("on_call")):
                self.did.hung_up += 1

    async def _take_pause(self) -> None:
        # Held past long_press_s the panel shows the first reason; released, it pauses.
        await self._press("ready", hold_s=self.config.long_press_s * 1.3)
        if not await self._see(lambda: self._on("paused")):
            return
        self.did.paused += 1
        await self._watch(self.pause_for_s)
        await self._press("ready")
        await self._see(lambda: self._on("ready"))

    # -- hands and eyes -----------------------------------------------------------------------

    async def _press(self, button: str, hold_s: float | None = None) -> None:
        pin = self.buttons[button]
        what = button if hold_s is None else f"{button} (held {hold_s:.1f} s)"
        self.did.presses.append((self.clock.now(), what))
        pin.drive_low()  # to ground: pressed
        await self._watch(hold_s if hold_s is not None else self.rng.uniform(*PRESS_S))
        pin.drive_high()

    async def _tick(self) -> None:
        await self.clock.sleep(LOOK_EVERY_S)
        self.look()

    async def _watch(self, seconds: float) -> None:
        """Keep looking at the lights for ``seconds``."""
        end = self.clock.now() + seconds
        while self.clock.now() < end:
            await self._tick()

    async def _see(self, condition) -> bool:
        """Look until ``condition()`` holds (True) or :data:`SEE_WITHIN_S` passes."""
        end = self.clock.now() + SEE_WITHIN_S
        while not condition():
            if self.clock.now() >= end:
                return False
            await self._tick()
        return True


def lights_in_words(lights: Mapping[str, str]) -> str:
    """``[ready ●] [ringing ◐] [on_call ○]``: on, blinking, off."""
    mark = {"on": "●", "blink": "◐", "off": "○"}
    return " ".join(f"[{name} {mark.get(look, '?')}]" for name, look in lights.items())
