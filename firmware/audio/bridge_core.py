"""The two directions of the bridge, without threads, loops or clocks.

:class:`Downlink` (line -> ear) runs once per line frame: 8 kHz -> headset rate with
``dsp_ext.Resampler``, then the drift stage, whose ratio is servoed on the audio the
speaker has ahead of it *before* this frame is added (the low point of its cycle).

:class:`Uplink` (mouth -> line) runs once per mic block: drift stage at the headset
rate, then headset rate -> 8 kHz, into a FIFO; the line takes one frame per line
frame (:meth:`Uplink.pull`), and the servo looks at the FIFO *after* the take.

Levels are measured in time, not in samples queued: samples come and go in blocks, so
a count depends on where the two block cycles stand against each other, and that phase
walks slowly with the drift (one block per 33 s at 300 ppm). A servo fed that count
chases the walk and swings. The caller corrects by how long ago the other side last
moved a block (``pulled_at``, the mic block's time), which makes the level continuous.

A call starts mid-stream: the headset has been running for minutes, and the first line
frame lands anywhere in its block cycle. Each direction therefore *aligns* its buffer
on the first frame after :meth:`~Downlink.reset` (silence added, or the oldest audio
dropped, before any of the call's audio has been heard), so the servo starts at its
target with nothing to correct but the clocks' offset. Priming a fixed amount instead
is right for one phase only: elsewhere the buffer starts up to a block off target, and
at kp = 0.2/s an error of 5 ms is already the servo's 1000 ppm limit (it then swings
for ~20 s).

Because they are plain objects driven by calls, the drift tests run an hour of two
drifting clocks through exactly this code in seconds.
"""

from __future__ import annotations

import numpy as np

from dsp_ext.drift import DriftResampler
from dsp_ext.resample import Resampler

from .bridge_drift import DriftServo

LINE_RATE = 8000
FRAME = 160  # one 20 ms line frame
FRAME_S = FRAME / LINE_RATE


class Downlink:
    """Line frames -> headset samples, with the rate trimmed to keep the queue at target."""

    def __init__(self, headset_rate: int, *, margin_ms: float = 10.0, **servo: float) -> None:
        self.headset_rate = headset_rate
        self._up = Resampler(LINE_RATE, headset_rate)
        self._drift = DriftResampler()
        self.servo = DriftServo(margin_ms / 1000, **servo)
        #: Filter delay in ms: the resampler's group delay plus the cubic's 2 samples.
        self.filter_ms = (self._up.delay_samples + 2) * 1000 / headset_rate
        self._skip = 0  # headset samples still to cut after align()

    def reset(self, keep_offset: bool = True) -> None:
        self._up.reset()
        self._drift.reset()
        self.servo.reset(keep_offset)
        self._skip = 0

    def align(self, level_s: float) -> int:
        """Start a call's ear buffer at target, given the level before its first frame.

        Returns the silence to write first (headset samples) when the buffer is below
        target; when above, the excess is cut from the start of the coming output
        instead (the speaker's queue belongs to the audio thread and cannot be trimmed)."""
        error = round((level_s - self.servo.target_s) * self.headset_rate)
        self._skip = max(0, error)
        return max(0, -error)

    @property
    def pending_cut_s(self) -> float:
        """Audio :meth:`align` will still cut from the coming output (seconds)."""
        return self._skip / self.headset_rate

    def level_s(self, queued_samples: int, since_pull_s: float) -> float:
        """Audio ahead of the speaker, less one block: queued, less what the speaker has
        played of the block it took ``since_pull_s`` ago."""
        return queued_samples / self.headset_rate - since_pull_s

    def process(self, frame: np.ndarray, level_s: float) -> np.ndarray:
        """Headset samples for one line frame; ``level_s`` from :meth:`level_s`."""
        # What align() will still cut is as good as gone: the servo must not chase it.
        skip = self._skip
        ratio = self.servo.update(level_s - skip / self.headset_rate, len(frame) / LINE_RATE)
        out = self._drift.process(self._up.process(frame), ratio)
        if skip:
            cut = min(skip, len(out))
            self._skip = skip - cut
            out = out[cut:]
        return out


class Uplink:
    """Mic blocks -> an 8 kHz FIFO the line drains one frame at a time."""

    def __init__(
        self,
        headset_rate: int,
        *,
        margin_ms: float = 10.0,
        block_ms: float = 10.0,
        max_ms: float = 200.0,
        **servo: float,
    ) -> None:
        self.headset_rate = headset_rate
        self._down = Resampler(headset_rate, LINE_RATE)
        self._drift = DriftResampler()
        # After a take the FIFO must last until the next one although blocks arrive
        # whole: one block plus the margin (for loop jitter).
        self.servo = DriftServo((margin_ms + block_ms) / 1000, **servo)
        self.filter_ms = self._down.delay_samples * 1000 / LINE_RATE + 2000 / headset_rate
        self.max_samples = round(max_ms * LINE_RATE / 1000)
        self.underruns = 0
        self.overruns = 0
        self._fifo = np.zeros(0, dtype=np.int16)
        self._dry = False
        self._aligned = False

    def reset(self, keep_offset: bool = True) -> None:
        """Forget the audio; the next :meth:`pull` aligns the FIFO to the target.
        ``keep_offset``: see DriftServo.reset."""
        self._down.reset()
        self._drift.reset()
        self.servo.reset(keep_offset)
        self._fifo = np.zeros(0, dtype=np.int16)
        self._dry = False
        self._aligned = False

    @property
    def level(self) -> int:
        """8 kHz samples waiting for the line."""
        return len(self._fifo)

    def push(self, block: np.ndarray) -> None:
        """One mic block (headset rate) in."""
        data = self._down.process(self._drift.process(block, self.servo.ratio))
        fifo = np.concatenate([self._fifo, data])
        if len(fifo) > self.max_samples:
            # The line stopped taking (or its clock is far off): drop the oldest so the
            # delay cannot grow without bound; the servo has already failed to hold it.
            self.overruns += 1
            fifo = fifo[len(fifo) - self.max_samples + 160 :]
        self._fifo = fifo

    def pull(self, n: int = 160, since_block_s: float = 0.0) -> np.ndarray:
        """One line frame out; silence where the FIFO ran dry (counted once per episode).

        ``since_block_s``: how long ago the newest mic block pushed was captured (its
        audio is older than the FIFO count says)."""
        if not self._aligned:
            self._align(n, since_block_s)
        out = self._fifo[:n]
        self._fifo = self._fifo[n:]
        if len(out) < n:
            if not self._dry:
                self.underruns += 1
            self._dry = True
            out = np.concatenate([out, np.zeros(n - len(out), np.int16)])
        else:
            self._dry = False
        self.servo.update(len(self._fifo) / LINE_RATE + since_block_s, n / LINE_RATE)
        return out

    def _align(self, n: int, since_block_s: float) -> None:
        # The first take of a call: leave the FIFO at target after it. Where the line's
        # frame falls in the mic's block cycle decides how much the pushes since reset
        # brought (0 to 2 blocks): silence goes in front of them, or, if the line was
        # late to start, the oldest of them go.
        self._aligned = True
        want = n + max(0, round((self.servo.target_s - since_block_s) * LINE_RATE))
        have = len(self._fifo)
        if have < want:
            self._fifo = np.concatenate([np.zeros(want - have, np.int16), self._fifo])
        else:
            self._fifo = self._fifo[have - want :]
