"""What a bridge counts: live (:class:`BridgeStats`) and per call (:class:`CallAudioReport`).

The live counters run from the bridge's start; a call's report is the part of them
that fell within the call, plus the worst added latency each way seen on any of its
frames. Stations journal the report as ``call_audio`` when a call leaves the headset,
so the management side can show audio quality per call, operator and desk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .bridge_core import FRAME_S


@dataclass(frozen=True)
class BridgeStats:
    """A snapshot of the counters.

    Latencies are the bridge's own, the worst of the present cycle, filters included,
    both taken at the last line frame (a reading between two frames would otherwise
    depend on where in the cycle it falls: up to a frame more): ``mouth_to_line_ms`` is
    the age the oldest mic sample left in the FIFO will have when the line takes it
    (from the callback that captured it); ``line_to_ear_ms`` is how long the last sample
    of the newest line frame waits before the speaker plays it.
    """

    ear_underruns: int
    ear_overruns: int
    mouth_underruns: int
    mouth_overruns: int
    dropped_blocks: int
    line_to_ear_ms: float
    mouth_to_line_ms: float
    ear_ppm: float
    mouth_ppm: float
    headset_silent: bool


@dataclass(frozen=True)
class CallAudioReport:
    """How one call's audio went through a station's bridge."""

    seconds: float  # line time bridged
    ear_underruns: int  # the speaker ran dry (episodes)
    ear_overruns: int  # speaker audio refused: its queue was full
    mouth_underruns: int  # the line asked for mic audio that was not there
    mouth_overruns: int
    dropped_blocks: int  # mic blocks the loop was too slow to take
    worst_line_to_ear_ms: float | None  # None: no frame reached a working headset
    worst_mouth_to_line_ms: float | None
    ear_ppm: float  # the drift each servo was correcting at the end
    mouth_ppm: float
    muted_s: float  # operator mute
    headset_lost: bool  # the headset went during the call
    headset_silent: bool  # its mic was digitally silent at some point

    def fields(self) -> dict[str, Any]:
        """For the journal: rounded, and with no NaN (JSON has none)."""

        def ms(v: float | None) -> float | None:
            return None if v is None or math.isnan(v) else round(v, 1)

        return {
            "seconds": round(self.seconds, 2),
            "ear_underruns": self.ear_underruns,
            "ear_overruns": self.ear_overruns,
            "mouth_underruns": self.mouth_underruns,
            "mouth_overruns": self.mouth_overruns,
            "dropped_blocks": self.dropped_blocks,
            "worst_line_to_ear_ms": ms(self.worst_line_to_ear_ms),
            "worst_mouth_to_line_ms": ms(self.worst_mouth_to_line_ms),
            "ear_ppm": round(self.ear_ppm, 1),
            "mouth_ppm": round(self.mouth_ppm, 1),
            "muted_s": round(self.muted_s, 2),
            "headset_lost": self.headset_lost,
            "headset_silent": self.headset_silent,
        }


class CallMeter:
    """One connection's share of a bridge's counters; fed every line frame."""

    def __init__(self, start: BridgeStats) -> None:
        self._start = start
        self.frames = 0
        self.muted = 0
        self.worst_ear: float | None = None
        self.worst_mouth: float | None = None
        self.lost = False
        self.silent = False

    def frame(self, ear_ms: float | None, mouth_ms: float | None, *, muted: bool,
              lost: bool, silent: bool) -> None:  # fmt: skip
        self.frames += 1
        self.muted += muted
        self.lost |= lost
        self.silent |= silent
        if ear_ms is not None and not math.isnan(ear_ms):
            self.worst_ear = ear_ms if self.worst_ear is None else max(self.worst_ear, ear_ms)
        if mouth_ms is not None and not math.isnan(mouth_ms):
            worst = self.worst_mouth
            self.worst_mouth = mouth_ms if worst is None else max(worst, mouth_ms)

    def report(self, end: BridgeStats) -> CallAudioReport:
        s = self._start

        def grew(name: str) -> int:
            # A headset that came back counts from zero again: never below nothing.
            now, then = getattr(end, name), getattr(s, name)
            return now - then if now >= then else now

        return CallAudioReport(
            seconds=self.frames * FRAME_S,
            ear_underruns=grew("ear_underruns"),
            ear_overruns=grew("ear_overruns"),
            mouth_underruns=grew("mouth_underruns"),
            mouth_overruns=grew("mouth_overruns"),
            dropped_blocks=grew("dropped_blocks"),
            worst_line_to_ear_ms=self.worst_ear,
            worst_mouth_to_line_ms=self.worst_mouth,
            ear_ppm=end.ear_ppm,
            mouth_ppm=end.mouth_ppm,
            muted_s=self.muted * FRAME_S,
            headset_lost=self.lost,
            headset_silent=self.silent or end.headset_silent,
        )
