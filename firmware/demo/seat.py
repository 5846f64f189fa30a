"""The demo's real desk, wired up: the daemon's station, the robot hand at it, a tap on
its bridge and an ear on the caller's stick; what the board shows and the summary says.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..clock import Clock
from ..emulator.huawei import HuaweiEmulator
from ..station import Station, Stations
from .desk import DeskDid, RobotHand, lights_in_words
from .voice import CallerEar, LineCount

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeskReport:
    """What happened at the desk, for the summary."""

    station: str
    agent: str | None
    did: DeskDid
    to_line_s: float  # headset audio the bridge sent to the line
    to_line_frames: int
    speech_to_line_s: float
    calls_heard: int  # calls of the desk's agent whose caller's stick was measured
    caller_heard_s: float  # speech in what those callers heard after the answer
    stats: Any  # the bridge's BridgeStats at the end (None: the headset never opened)


class Seat:
    """``station`` of ``stations`` with a :class:`RobotHand` at it (see :meth:`start`)."""

    def __init__(
        self,
        stations: Stations,
        station: str,
        sticks: Mapping[str, HuaweiEmulator],
        clock: Clock,
        rng: random.Random,
        *,
        pin_factory: Any,
        pause_at_s: float,
        pause_for_s: float,
        done_by_s: float | None = None,
    ) -> None:
        self.station: Station = stations.station(station)
        self.agent = next(
            (a for a, c in stations.config.agents.items() if c.station == station), None
        )
        self.hand = RobotHand(
            station, self.station.config, pin_factory, clock, rng,
            pause_at_s=pause_at_s, pause_for_s=pause_for_s, done_by_s=done_by_s,
        )  # fmt: skip
        self.count = LineCount()
        self.ear = CallerEar(sticks, self.agent or "")
        self._untap = None

    async def start(self) -> bool:
        """Tap the bridge, sit down (press ready); True once the ready LED is on. The hand
        then works the desk until :meth:`stop`."""
        bridge = self.station.bridge
        if bridge is not None:
            self._untap = bridge.add_tap(self.count)
        else:
            log.warning("desk %s: no headset bridge; calls there carry no audio", self.station.name)
        ready = await self.hand.sit_down()
        self.hand.start()
        return ready

    async def stop(self) -> None:
        await self.hand.stop()
        if self._untap is not None:
            self._untap()
            self._untap = None

    def board_lines(self) -> list[str]:
        """The desk on the wallboard: its lights, and the bridge's figures."""
        self.hand.look()
        who = f" ({self.agent})" if self.agent else ""
        lines = [f"{self.station.name}{who}  {lights_in_words(self.hand.lights())}"]
        bridge = self.station.bridge
        if bridge is None:
            lines.append("  headset: not open")
        else:
            lines.append("  " + bridge_words(bridge.stats, self.count))
        return lines

    def report(self) -> DeskReport:
        heard = self.ear.measure()
        bridge = self.station.bridge
        return DeskReport(
            station=self.station.name,
            agent=self.agent,
            did=self.hand.did,
            to_line_s=self.count.seconds,
            to_line_frames=self.count.frames,
            speech_to_line_s=self.count.speech_s,
            calls_heard=len(self.ear.calls),
            caller_heard_s=heard,
            stats=bridge.stats if bridge is not None else None,
        )


def _ms(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0f} ms"


def bridge_words(stats: Any, count: LineCount | None = None) -> str:
    """``line->ear 32 ms, mouth->line 41 ms, underruns ear 0 mouth 0, …``."""
    words = (
        f"bridge: line->ear {_ms(stats.line_to_ear_ms)}, "
        f"mouth->line {_ms(stats.mouth_to_line_ms)}, "
        f"underruns ear {stats.ear_underruns} mouth {stats.mouth_underruns}"
    )
    if count is not None:
        words += f", to line {count.frames} frames ({count.speech_s:.1f} s speech)"
    return words
