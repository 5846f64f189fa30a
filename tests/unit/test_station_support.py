"""Shared pieces of the station tests: a box with real parts on a virtual clock.

What is real: the engine, journal and ACD (``World`` of the ACD tests), gpiozero's own
``MockFactory`` pins under the real panels, the real headset bridge over array/file
headsets paced by the virtual clock, and a caller whose line sends a 1 kHz tone every
20 ms of virtual time and records what comes back. Button presses are driven from a
worker thread (as gpiozero's own thread reports edges) and reach the loop through
``call_soon_threadsafe``; waits for them are bounded.

Hardware only (not here): lgpio pins, a USB headset through PortAudio, a phone line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory, MockPWMPin

from firmware.audio.headset import ArrayHeadset, FileHeadset
from firmware.audio.wav import write_wav
from firmware.journal import ALARM, ALARM_CLEARED
from firmware.station import Stations
from tests.unit.test_acd_support import Media, World, make_config

RATE = 48000
CALLER_HZ, MIC_HZ = 1000.0, 400.0

# desk1: anna, every LED; desk2: bob; desk3: sue the supervisor, with the alarm LED
# and the acknowledge button. Panic: one button at desk1, one for the room.
PINS = {"ready": 12, "ringing": 13, "on_call": 19, "wrapup": 20, "paused": 21, "alarm": 22}
READY_BTN, ANSWER_BTN, MUTE_BTN, PANIC_BTN, ROOM_BTN, ACK_BTN = 5, 6, 7, 4, 17, 27
SUE_ALARM = 24

SECTIONS: dict[str, Any] = {
    "queues": {
        "sales": {
            "strategy": "longest-idle",
            "announce_every_s": 0,
            "wrapup_s": 5,
            "ring_timeout_s": 15,
        },
    },
    "agents": {
        "anna": {"queues": ["sales"], "station": "desk1", "login_code": "4711"},
        "bob": {"queues": ["sales"], "login_code": "1234"},
        "sue": {"queues": ["sales"], "station": "desk3", "supervisor": True},
    },
    "acd": {"pause_reasons": ["break", "lunch", "training", "missed-calls"]},
    "stations": {
        "desk1": {
            "headset": "desk1.wav",
            "headset_backend": "file",
            "buttons": {"ready": READY_BTN, "answer": ANSWER_BTN, "mute": MUTE_BTN},
            "leds": PINS,
            "long_press_s": 1.0,
            "debounce_s": 0.05,
        },
        "desk2": {"headset": "Array 2", "buttons": {"ready": 8, "answer": 9}},
        "desk3": {
            "headset": "Array 3",
            "buttons": {"ready": 10, "answer": 11},
            "leds": {"alarm": SUE_ALARM, "ready": 25},
            "ack_button": ACK_BTN,
        },
    },
    "panic": {
        "desk1": {"pin": PANIC_BTN, "hold_s": 0.5, "hold_alarm_s": 3.0, "stations": ["desk1"]},
        "room": {
            "pin": ROOM_BTN,
            "hold_s": 0.5,
            "hold_alarm_s": 3.0,
            "stations": ["desk1", "desk2"],
        },
    },
}


def sine(hz: float, n: int, rate: int, amp: float = 8000.0, start: int = 0) -> np.ndarray:
    t = (np.arange(n) + start) / rate
    return np.rint(amp * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def tone_at(samples: np.ndarray, rate: int, hz: float) -> float:
    """Fraction of the signal's energy within 50 Hz of ``hz`` (1.0: a pure tone)."""
    x = samples.astype(float)
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / rate)
    total = spec.sum()
    return float(spec[np.abs(freqs - hz) < 50].sum() / total) if total else 0.0


class LineCaller(Media):
    """A caller's media with a sound path (``listen``/``send``, what a station's
    bridge uses): their line delivers a 1 kHz tone frame every 20 ms of virtual time
    and records the frames sent back."""

    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.sinks: list[Callable[[np.ndarray], Any]] = []
        self.sent: list[np.ndarray] = []
        self._n = 0

    def listen(self, sink):
        self.sinks.append(sink)
        return lambda: self.sinks.remove(sink)

    def send(self, frame: np.ndarray) -> None:
        self.sent.append(np.array(frame))

    def tick(self) -> None:
        frame = sine(CALLER_HZ, 160, 8000, start=self._n)
        self._n += 160
        for sink in list(self.sinks):
            sink(frame)


class Box:
    """World + Stations on mock pins, with button and call helpers."""

    def __init__(self, tmp: Path, sections: dict[str, Any] | None = None) -> None:
        self.world = World(make_config(**(sections or SECTIONS)))
        self.clock, self.acd, self.journal = self.world.clock, self.world.acd, self.world.journal
        self.factory = MockFactory(pin_class=MockPWMPin)
        write_wav(tmp / "desk1.wav", sine(MIC_HZ, RATE * 30, RATE), RATE)
        self.tmp = tmp
        self.headsets: dict[str, ArrayHeadset] = {}
        self.stations = Stations(
            self.world.acd.config, acd=self.acd, clock=self.clock, pin_factory=self.factory,
            open_headset=self._headset, bridge_options={"retry_s": 2.0},
        )  # fmt: skip
        self.callers: list[LineCaller] = []
        self._line: asyncio.Task | None = None

    def _headset(self, name: str, cfg: Any) -> ArrayHeadset:
        hs = self.headsets.get(name)
        if hs is None:
            if cfg.headset_backend == "file":
                hs = FileHeadset(self.tmp / cfg.headset, clock=self.clock)
            else:
                hs = ArrayHeadset(rate=RATE, clock=self.clock, description=cfg.headset)
            self.headsets[name] = hs
        return hs

    async def start(self) -> None:
        await self.stations.start()
        self._line = asyncio.get_running_loop().create_task(self._line_clock())
        await self.clock.advance(0)

    async def _line_clock(self) -> None:
        while True:
            await self.clock.sleep(0.02)
            for c in self.callers:
                c.tick()

    async def close(self) -> None:
        if self._line is not None:
            self._line.cancel()
        await self.stations.stop()
        self.factory.close()
        self.world.close()

    # -- people ------------------------------------------------------------------------------

    async def drive(self, pin: int, pressed: bool) -> None:
        """A button edge from another thread, as gpiozero reports it; then the loop runs."""
        p = self.factory.pin(pin)
        await asyncio.to_thread(p.drive_low if pressed else p.drive_high)
        for _ in range(5):
            await asyncio.sleep(0)
        await self.clock.advance(0)

    async def press(self, pin: int, hold_s: float = 0.1) -> None:
        """Press, hold ``hold_s`` of virtual time, release (and let debounce pass)."""
        await self.drive(pin, True)
        await self.clock.advance(hold_s)
        await self.drive(pin, False)
        await self.clock.advance(0.1)

    def call(self, caller: str = "+380501234567") -> tuple[Any, asyncio.Task]:
        media = LineCaller(self.clock)
        call = self.world.engine.arrive(line="l1", caller=caller, media=media, lang="en")
        self.callers.append(media)
        return call, self.world.enqueue(call)

    # -- what is seen ----------------------------------------------------------------------

    def led(self, pin: int) -> bool:
        return bool(self.factory.pin(pin).state)

    def state(self, agent: str) -> tuple[str, str | None]:
        a = self.acd.snapshot()["agents"][agent]
        return a["state"], a["reason"]

    def alarms(self) -> list[tuple[str, dict]]:
        return self.world.events(ALARM, ALARM_CLEARED)


@pytest.fixture
async def box(tmp_path):
    b = Box(tmp_path)
    await b.start()
    yield b
    await b.close()


async def test_box_starts_with_fixed_logins_paused(box):
    assert box.state("anna") == ("paused", "login")
    assert box.state("sue") == ("paused", "login")
    assert box.state("bob") == ("logged_out", None)
    assert box.stations.stations["desk1"].agent == "anna"
    assert box.led(PINS["paused"]) and not box.led(PINS["ready"])
