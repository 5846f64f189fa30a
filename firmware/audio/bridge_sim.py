"""Two drifting clocks through the bridge's real directions, in simulated time.

The line ticks every 20 ms of line time; the headset calls back every block of its own
samples, its crystal off by ``ppm`` (positive: fast). Each event is handed to the loop
with a random delay of up to ``jitter_ms`` (order kept per side), as a busy Pi does.
With ``connect_s`` the headset runs idle first (each mic block answered by as much
speaker silence, as the bridge does between calls) and the call is connected
mid-stream, as a station answers one.
The speaker is a real :class:`~firmware.audio.headset.PlaybackQueue`; the directions are
the real :class:`~firmware.audio.bridge_core.Downlink` and ``Uplink``. A sine goes each
way and every output sample is checked for discontinuities on the fly (an hour at
48 kHz is too much to keep): the largest second difference, against what a clean sine
of that frequency and level has.

Used by the drift tests and ``bench/bridge.py``.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

import numpy as np

from .bridge_core import LINE_RATE, Downlink, Uplink
from .headset import PlaybackQueue

FRAME = 160


@dataclass
class DirectionReport:
    """What one direction did after the settling time."""

    underruns: int = 0
    overruns: int = 0
    max_latency_ms: float = 0.0
    min_level_ms: float = math.inf
    worst_step: float = 0.0  # largest |second difference| / the clean sine's
    ppm_last: float = 0.0
    ppm_min: float = math.inf  # the servo's range from ``ppm_from_s`` on
    ppm_max: float = -math.inf


@dataclass
class DriftReport:
    seconds: float
    ppm: float
    ear: DirectionReport = field(default_factory=DirectionReport)
    mouth: DirectionReport = field(default_factory=DirectionReport)


class _StepMeter:
    """Largest second difference of a stream, relative to a clean sine's."""

    def __init__(self, freq: float, rate: int, amplitude: float) -> None:
        self.clean = amplitude * (2 * math.sin(math.pi * freq / rate)) ** 2
        self.tail = np.zeros(0)
        self.worst = 0.0

    def feed(self, x: np.ndarray, counting: bool) -> None:
        buf = np.concatenate([self.tail, x.astype(np.float64)])
        if counting and len(buf) >= 3:
            d2 = np.abs(buf[2:] - 2 * buf[1:-1] + buf[:-2]).max()
            self.worst = max(self.worst, d2 / self.clean)
        self.tail = buf[-2:]


class _Sine:
    """A whole-hertz sine read out in blocks: one second of it, twice over, sliced."""

    def __init__(self, freq: int, rate: int, amplitude: float) -> None:
        t = np.arange(2 * rate) / rate
        self.rate = rate
        self.table = np.rint(amplitude * np.sin(2 * np.pi * freq * t)).astype(np.int16)

    def at(self, start: int, n: int) -> np.ndarray:
        s = start % self.rate
        return self.table[s : s + n]


def simulate_drift(
    seconds: float,
    ppm: float,
    *,
    headset_rate: int = 48000,
    block_ms: float = 10.0,
    margin_ms: float = 10.0,
    jitter_ms: float = 2.0,
    settle_s: float = 120.0,
    amplitude: float = 8000.0,
    ear_hz: int = 1000,
    mouth_hz: int = 400,
    seed: int = 1,
    connect_s: float = 0.0,
    ppm_from_s: float | None = None,
    **servo: float,
) -> DriftReport:
    """Run ``seconds`` of line time; report each direction after ``settle_s`` (the
    servos' range after ``ppm_from_s``, default ``settle_s``). The bridge connects the
    line at its first frame at or after ``connect_s``.

    ``servo`` options (``omega``, ``max_ppm``, ...) go to both directions' servos.
    """
    rng = np.random.default_rng(seed)
    down = Downlink(headset_rate, margin_ms=margin_ms, **servo)
    up = Uplink(headset_rate, margin_ms=margin_ms, block_ms=block_ms, **servo)
    speaker = PlaybackQueue(round(headset_rate * 0.5))
    # As Bridge.start leaves it: the margin and a block queued, kept there while idle.
    speaker.write(np.zeros(round(headset_rate * (margin_ms + block_ms) / 1000), np.int16))
    connected = False
    ppm_from = settle_s if ppm_from_s is None else ppm_from_s
    block = round(headset_rate * block_ms / 1000)
    block_s = block / (headset_rate * (1 + ppm * 1e-6))  # fast crystal: shorter blocks
    frame_s = FRAME / LINE_RATE
    jitter = jitter_ms / 1000
    report = DriftReport(seconds, ppm)
    ear_sine = _Sine(ear_hz, LINE_RATE, amplitude)
    mouth_sine = _Sine(mouth_hz, headset_rate, amplitude)
    ear_steps = _StepMeter(ear_hz, headset_rate, amplitude * 0.98)
    mouth_steps = _StepMeter(mouth_hz, LINE_RATE, amplitude * 0.98)
    # (time the loop sees it, order, kind, index)
    events: list[tuple[float, int, str, int]] = []
    seq = 0
    last = {"line": 0.0, "mic": 0.0}
    captured: dict[int, float] = {}
    newest_at = 0.0  # capture time of the newest mic block the loop has had
    n_frames = int(seconds / frame_s)
    n_blocks = int(seconds / block_s)

    def schedule(kind: str, at: float, index: int) -> None:
        nonlocal seq
        when = max(at + rng.uniform(0, jitter), last[kind])  # per-side order is kept
        last[kind] = when
        seq += 1
        heapq.heappush(events, (when, seq, kind, index))

    # Speaker pulls happen at the callback instant, before the mic block is handed over.
    out = np.empty(block, dtype=np.int16)
    next_frame = next_block = 0
    while next_frame < n_frames or next_block < n_blocks:
        t_frame = next_frame * frame_s
        t_block = next_block * block_s
        if next_frame < n_frames and (next_block >= n_blocks or t_frame <= t_block):
            schedule("line", t_frame, next_frame)
            next_frame += 1
        else:
            counting = t_block >= settle_s
            before = speaker.underruns
            speaker.pull_into(out, t_block)
            ear_steps.feed(out, counting)
            if counting:
                report.ear.underruns += speaker.underruns - before
            schedule("mic", t_block, next_block)
            captured[next_block] = t_block
            next_block += 1
        horizon = min(next_frame * frame_s, next_block * block_s)
        while events and events[0][0] <= horizon:
            when, _, kind, index = heapq.heappop(events)
            counting = when >= settle_s
            if kind == "line":
                if not connected:
                    if when < connect_s:
                        continue
                    connected = True  # what Bridge.connect and its first frame do
                    down.reset()
                    up.reset()
                    level = down.level_s(speaker.queued, when - speaker.pulled_at)
                    speaker.write(np.zeros(down.align(level), np.int16))
                frame = ear_sine.at(index * FRAME, FRAME)
                level = down.level_s(speaker.queued, when - speaker.pulled_at)
                ear_level = level - down.pending_cut_s
                speaker.write(down.process(frame, level))
                before = up.underruns
                since = min(when - newest_at, up.servo.target_s)  # as Bridge.line_frame
                to_line = up.pull(FRAME, since)
                mouth_steps.feed(to_line, counting)
                if when >= ppm_from:
                    _servo_range(report.ear, down.servo.ppm)
                    _servo_range(report.mouth, up.servo.ppm)
                if counting:
                    ear_delay = ear_level + block_ms / 1000 + frame_s
                    mouth_delay = up.level / LINE_RATE + since + frame_s
                    _levels(report.ear, ear_level, ear_delay, down.filter_ms, down.servo.ppm)
                    _levels(report.mouth, up.level / LINE_RATE, mouth_delay, up.filter_ms,
                            up.servo.ppm)  # fmt: skip
                    report.mouth.underruns += up.underruns - before
            else:
                mic = mouth_sine.at(index * block, block)
                if connected:
                    up.push(mic)
                else:  # idle: the speaker gets as much silence as the mic brought
                    speaker.write(np.zeros(len(mic), np.int16))
                newest_at = captured.pop(index)
    report.ear.worst_step = ear_steps.worst
    report.mouth.worst_step = mouth_steps.worst
    report.ear.overruns = speaker.overruns
    report.mouth.overruns = up.overruns
    return report


def _levels(d: DirectionReport, held_s: float, delay_s: float, filter_ms: float,
            ppm: float) -> None:  # fmt: skip
    # held_s: the buffer's level at its low point; delay_s: the age of the audio that
    # waits longest in this cycle, as firmware.audio.bridge.BridgeStats defines it.
    d.min_level_ms = min(d.min_level_ms, held_s * 1000)
    d.max_latency_ms = max(d.max_latency_ms, delay_s * 1000 + filter_ms)
    d.ppm_last = ppm


def _servo_range(d: DirectionReport, ppm: float) -> None:
    d.ppm_min = min(d.ppm_min, ppm)
    d.ppm_max = max(d.ppm_max, ppm)
