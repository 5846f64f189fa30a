"""The line <-> headset bridge of one operator station.

Line audio (8 kHz, 20 ms frames, the line's clock) goes to the headset (44.1/48 kHz,
its own clock) and the headset mic goes to the line, through ``dsp_ext.Resampler`` and
the drift stage of :mod:`firmware.audio.bridge_drift` (why a servoed ratio and not
dropped samples: see there). :mod:`firmware.audio.bridge_core` holds the two directions;
this module wires them to a :class:`~firmware.audio.headset.Headset` and a line, on the
event loop, and adds what a station needs:

* **Idle and connected.** Between calls the headset runs on its own: each mic block
  is answered by as much speaker audio (silence or the whisper tone), which keeps the
  speaker's buffer where the servo will want it. :meth:`Bridge.connect` bridges a call:
  every :meth:`Bridge.line_frame` (the line's clock) then sends one frame to the ear
  and takes one frame for the line.
* **Operator mute**: the line gets silence; the mic is still metered.
* **Whisper tone** (:meth:`Bridge.whisper`): two short beeps in the ear, mixed over
  whatever plays, when a call is offered.
* **"No audio from headset"**: a ``LevelMeter`` on the mic; below ``silence_dbm0`` for
  ``silence_s`` of mic audio raises :attr:`Bridge.headset_silent` and an event.
* **Headset lost**: the headset's ``on_lost`` becomes a ``headset_lost`` event (the
  engine requeues the call and pauses the operator); the line then gets silence, and
  the bridge retries opening the headset every ``retry_s`` until ``headset_back``.
* **Recorder taps** (:meth:`Bridge.add_tap`): per line frame, the caller's frame and the
  frame sent to the caller, aligned because both belong to the same 20 ms of line time.

Counters (:attr:`Bridge.stats`): underruns and overruns each way, the current added
latency each way and the drift each servo is correcting; and per call
(:meth:`Bridge.disconnect` returns a :class:`~firmware.audio.bridge_stats.CallAudioReport`):
the counters' share of the call and the worst latency each way on any of its frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dsp_ext.level import LevelMeter
from dsp_ext.levels import sine_peak

from ..clock import Clock, RealClock
from .bridge_core import FRAME, FRAME_S, LINE_RATE, Downlink, Uplink
from .bridge_stats import BridgeStats, CallAudioReport, CallMeter
from .headset import Headset, HeadsetError

log = logging.getLogger("hotline.audio.bridge")

#: Event kinds :class:`Bridge` reports through ``on_event``.
HEADSET_LOST = "headset_lost"
HEADSET_BACK = "headset_back"
HEADSET_SILENT = "headset_silent"
HEADSET_AUDIO = "headset_audio"

Tap = Callable[[np.ndarray, np.ndarray], None]
LineSink = Callable[[np.ndarray], Any]


@dataclass(frozen=True)
class BridgeEvent:
    """Something the engine must hear about: ``kind`` is one of the constants above."""

    kind: str
    detail: str
    during_call: bool


def whisper_tone(
    rate: int, freq_hz: float = 800.0, level_dbm0: float = -20.0, beep_s: float = 0.12,
    gap_s: float = 0.08, beeps: int = 2,
) -> np.ndarray:  # fmt: skip
    """Beeps with 5 ms raised-cosine edges (a hard edge would click), int16 at ``rate``."""
    n, gap = round(beep_s * rate), np.zeros(round(gap_s * rate))
    t = np.arange(n) / rate
    beep = sine_peak(level_dbm0) * np.sin(2 * np.pi * freq_hz * t)
    ramp = min(n // 2, round(0.005 * rate))
    edge = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
    beep[:ramp] *= edge
    beep[n - ramp :] *= edge[::-1]
    parts = [beep if i % 2 == 0 else gap for i in range(2 * beeps - 1)]
    return np.rint(np.concatenate(parts)).astype(np.int16)


class Bridge:
    """One station's audio: a headset, and a line when a call is connected.

    ``margin_ms``: how far above empty each servo holds its buffer (covers loop
    jitter); ``block_ms``: the headset's callback block (default: the headset's own
    ``block_ms``; the uplink needs one block more). Construct it, ``await start()``,
    then :meth:`connect`/:meth:`disconnect` per call; everything runs on the loop.
    """

    def __init__(
        self,
        headset: Headset,
        *,
        clock: Clock | None = None,
        on_event: Callable[[BridgeEvent], None] | None = None,
        margin_ms: float = 10.0,
        block_ms: float | None = None,
        silence_dbm0: float = -80.0,
        silence_s: float = 10.0,
        retry_s: float = 2.0,
    ) -> None:
        self.headset = headset
        self.clock = clock or RealClock()
        self.on_event = on_event
        self.margin_ms = margin_ms
        self.block_ms = block_ms if block_ms is not None else getattr(headset, "block_ms", 10.0)
        self.silence_dbm0 = silence_dbm0
        self.silence_s = silence_s
        self.retry_s = retry_s
        self.mute = False
        self.headset_silent = False
        self.lost = False
        self._taps: list[Tap] = []
        self._send: LineSink | None = None
        self._whisper = np.zeros(0, dtype=np.int16)
        self._retry: asyncio.Task | None = None
        self._running = False
        self._newest_at = 0.0
        self._ear_level_s = 0.0
        self._mouth_age_s = FRAME_S
        self._fresh = True
        self._call: CallMeter | None = None

    # -- life cycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the headset (raises :class:`HeadsetError`) and run idle."""
        await self.headset.start(self._on_mic, self._on_lost)
        self._running = True
        self._setup()

    def _setup(self) -> None:
        rate = self.headset.rate
        self._down = Downlink(rate, margin_ms=self.margin_ms)
        self._up = Uplink(rate, margin_ms=self.margin_ms, block_ms=self.block_ms)
        self._meter = LevelMeter(sample_rate=rate, window_ms=20.0)
        self._quiet_s = 0.0
        self._whisper_tone = whisper_tone(rate)
        self.lost = False
        self._newest_at = self.clock.now()
        # The speaker starts with the margin and a block of silence queued, where the
        # downlink servo will want it once a call is connected.
        self.headset.write(np.zeros(round(rate * (self.margin_ms + self.block_ms) / 1000),
                                    np.int16))  # fmt: skip
        if self._send is not None:
            self._up.reset()
            self._fresh = True

    async def stop(self) -> None:
        self._running = False
        self._send = None
        retry, self._retry = self._retry, None
        if retry is not None:
            retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry
        await self.headset.stop()

    # -- calls -----------------------------------------------------------------------------

    def connect(self, send_to_line: LineSink) -> None:
        """Bridge a call: from now on :meth:`line_frame` drives both directions and
        ``send_to_line(frame)`` gets one 8 kHz frame per line frame."""
        self._send = send_to_line
        self._fresh = True
        self._call = CallMeter(self.stats)
        if self._running and not self.lost:
            self._down.reset()
            self._up.reset()

    def disconnect(self) -> CallAudioReport | None:
        """Unbridge the call; how its audio went (None if none was connected)."""
        self._send = None
        meter, self._call = self._call, None
        return meter.report(self.stats) if meter is not None else None

    @property
    def connected(self) -> bool:
        return self._send is not None

    def whisper(self) -> None:
        """Play the whisper tone in the ear (mixed over the call, if any)."""
        if self._running:
            self._whisper = self._whisper_tone.copy()

    def add_tap(self, tap: Tap) -> Callable[[], None]:
        """``tap(from_line, to_line)`` per line frame while connected; returns a remover."""
        self._taps.append(tap)
        return lambda: self._taps.remove(tap) if tap in self._taps else None

    # -- the line's clock --------------------------------------------------------------------

    def line_frame(self, frame: np.ndarray) -> None:
        """One 8 kHz frame from the line (on the loop). Sends one frame back to it."""
        send = self._send
        if send is None:
            return
        frame = np.asarray(frame, dtype=np.int16)
        if self._running and not self.lost:
            hs = self.headset
            now = self.clock.now()
            # The speaker is at most one block into the block it took (more only before
            # its first callback, or if it stalled: then the queue count is all we have).
            since_pull = min(max(0.0, now - hs.pulled_at), self.block_ms / 1000)
            level = self._down.level_s(hs.queued_samples, since_pull)
            if self._fresh:  # a call's first frame: start the ear at target (see align)
                self._fresh = False
                pad = self._down.align(level)
                hs.write(self._mix_whisper(np.zeros(pad, np.int16)))
                level += pad / hs.rate
            self._ear_level_s = level - self._down.pending_cut_s
            hs.write(self._mix_whisper(self._down.process(frame, level)))
            # How long ago the newest mic block was captured: under a block (plus loop
            # jitter) while the headset runs; more only if it stalled, and then a count
            # that keeps growing would only make the servo swing.
            since = min(max(0.0, now - self._newest_at), self._up.servo.target_s)
            to_line = self._up.pull(FRAME, since)
            self._mouth_age_s = self._up.level / LINE_RATE + since + FRAME_S
            ear_ms, mouth_ms = self._line_to_ear_ms(), self._mouth_to_line_ms()
        else:
            to_line = np.zeros(FRAME, dtype=np.int16)
            ear_ms = mouth_ms = None
        if self._call is not None:
            self._call.frame(ear_ms, mouth_ms, muted=self.mute, lost=self.lost,
                             silent=self.headset_silent)  # fmt: skip
        if self.mute:
            to_line = np.zeros(FRAME, dtype=np.int16)
        try:
            send(to_line)
        except Exception:  # the line's problem must not stop the headset
            log.exception("bridge: sending to the line failed")
        for tap in tuple(self._taps):
            try:
                tap(frame, to_line)
            except Exception:
                log.exception("bridge: recorder tap failed")

    # -- the headset's clock ------------------------------------------------------------------

    def _on_mic(self, block: np.ndarray, at: float) -> None:
        self._meter_mic(block)
        # Kept between calls too: a call's first frame may come before its first block,
        # and a time left over from the last call (or start) would read as seconds of
        # audio waiting, which the servo would spend 20 s undoing.
        self._newest_at = at
        if self._send is not None:
            self._up.push(block)
        else:
            # Idle: answer each mic block with as much speaker audio, level unchanged.
            self.headset.write(self._mix_whisper(np.zeros(len(block), np.int16)))

    def _mix_whisper(self, samples: np.ndarray) -> np.ndarray:
        w = self._whisper
        if len(w) == 0:
            return samples
        n = min(len(w), len(samples))
        mixed = samples.astype(np.int32)
        mixed[:n] += w[:n]
        self._whisper = w[n:]
        return np.clip(mixed, -32768, 32767).astype(np.int16)

    def _meter_mic(self, block: np.ndarray) -> None:
        for reading in self._meter.process(block):
            if reading.rms_dbm0 < self.silence_dbm0:
                self._quiet_s += self._meter.window_ms / 1000
                if not self.headset_silent and self._quiet_s >= self.silence_s:
                    self.headset_silent = True
                    quiet = f"{self._quiet_s:.0f} s (below {self.silence_dbm0} dBm0)"
                    self._emit(HEADSET_SILENT, f"no audio from the headset mic for {quiet}")
            else:
                self._quiet_s = 0.0
                if self.headset_silent:
                    self.headset_silent = False
                    self._emit(HEADSET_AUDIO, f"headset mic heard at {reading.rms_dbm0:.0f} dBm0")

    # -- loss and return ----------------------------------------------------------------------

    def _on_lost(self, reason: str) -> None:
        if self.lost or not self._running:
            return
        self.lost = True
        self._emit(HEADSET_LOST, reason)
        self._retry = asyncio.get_running_loop().create_task(self._reopen(), name="headset retry")

    async def _reopen(self) -> None:
        with contextlib.suppress(Exception):
            await self.headset.stop()
        while self._running:
            await self.clock.sleep(self.retry_s)
            try:
                await self.headset.start(self._on_mic, self._on_lost)
            except HeadsetError as exc:
                log.debug("headset still away: %s", exc)
                continue
            self._setup()
            self._retry = None
            self._emit(HEADSET_BACK, self.headset.description)
            return

    def _emit(self, kind: str, detail: str) -> None:
        log.log(logging.WARNING if kind in (HEADSET_LOST, HEADSET_SILENT) else logging.INFO,
                "bridge: %s: %s", kind, detail)  # fmt: skip
        if self.on_event is not None:
            try:
                self.on_event(BridgeEvent(kind, detail, self.connected))
            except Exception:
                log.exception("bridge: event consumer failed")

    # -- counters -----------------------------------------------------------------------------

    @property
    def stats(self) -> BridgeStats:
        hs, down, up = self.headset, getattr(self, "_down", None), getattr(self, "_up", None)
        if down is None or up is None:
            nan = math.nan
            return BridgeStats(0, 0, 0, 0, 0, nan, nan, 0.0, 0.0, self.headset_silent)
        return BridgeStats(
            ear_underruns=hs.underruns,
            ear_overruns=hs.overruns,
            mouth_underruns=up.underruns,
            mouth_overruns=up.overruns,
            dropped_blocks=hs.dropped_blocks,
            line_to_ear_ms=self._line_to_ear_ms(),
            mouth_to_line_ms=self._mouth_to_line_ms(),
            ear_ppm=down.servo.ppm,
            mouth_ppm=up.servo.ppm,
            headset_silent=self.headset_silent,
        )

    def _line_to_ear_ms(self) -> float:
        return (self._ear_level_s + FRAME_S) * 1000 + self.block_ms + self._down.filter_ms

    def _mouth_to_line_ms(self) -> float:
        return self._mouth_age_s * 1000 + self._up.filter_ms
