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

Because they are plain objects driven by calls, the drift tests run an hour of two
drifting clocks through exactly this code in seconds.
"""

from __future__ import annotations

import numpy as np

from dsp_ext.drift import DriftResampler
from dsp_ext.resample import Resampler

from .bridge_drift import DriftServo

LINE_RATE = 8000


class Downlink:
    """Line frames -> headset samples, with the rate trimmed to keep the queue at target."""

    def __init__(self, headset_rate: int, *, margin_ms: float = 10.0, **servo: float) -> None:
        self.headset_rate = headset_rate
        self._up = Resampler(LINE_RATE, headset_rate)
        self._drift = DriftResampler()
        self.servo = DriftServo(margin_ms / 1000, **servo)
        #: Filter delay in ms: the resampler's group delay plus the cubic's 2 samples.
        self.filter_ms = (self._up.delay_samples + 2) * 1000 / headset_rate

    def reset(self, keep_offset: bool = True) -> None:
        self._up.reset()
        self._drift.reset()
        self.servo.reset(keep_offset)

    def top_up(self, level_s: float) -> int:
        """Silence to add (headset samples) so a buffer at ``level_s`` starts at target."""
        return max(0, round((self.servo.target_s - level_s) * self.headset_rate))

    def level_s(self, queued_samples: int, since_pull_s: float) -> float:
        """Audio ahead of the speaker, less one block: queued, less what the speaker has
        played of the block it took ``since_pull_s`` ago."""
        return queued_samples / self.headset_rate - since_pull_s

    def process(self, frame: np.ndarray, level_s: float) -> np.ndarray:
        """Headset samples for one line frame; ``level_s`` from :meth:`level_s`."""
        ratio = self.servo.update(level_s, len(frame) / LINE_RATE)
        return self._drift.process(self._up.process(frame), ratio)


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

    def reset(self, keep_offset: bool = True) -> None:
        """Forget the audio; start with the target's worth of silence, so the first take
        finds audio where the servo wants it. ``keep_offset``: see DriftServo.reset."""
        self._down.reset()
        self._drift.reset()
        self.servo.reset(keep_offset)
        self._fifo = np.zeros(round(self.servo.target_s * LINE_RATE), dtype=np.int16)
        self._dry = False

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
