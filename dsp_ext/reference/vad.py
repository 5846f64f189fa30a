"""Voice activity detector, plain Python/NumPy reference of ``dsp_ext.vad``.

Slow and obvious on purpose. Per-sample work (frame energies) is exact integer sums
in NumPy; per-frame work is plain Python floats in the same order as the Cython
kernel, so the two give the same decision sequence bit for bit.

The algorithm, per frame of ``frame_ms`` (N samples):

* ``level`` = 10·log10(Σx²/N) in dBm0; ``smooth`` the same over the last
  ``smooth_ms``; ``tilt`` = 10·log10(Σ(Δx)²/Σx²) in dB, a one-multiply spectral
  feature (about +3 dB for white noise, −10 dB and below for voiced speech, near
  +5 dB for fricatives, −20 dB for mains hum).
* Noise floor: the minimum of ``smooth``. It falls at once to a lower value and
  rises by at most ``floor_rise_db_per_s``.
* Stationarity: when ``level`` and ``tilt`` both hardly vary over the last
  ``stationary_ms`` (standard deviations below ``stationary_level_db`` and
  ``stationary_tilt_db``), the signal is a tone, hum or steady noise: not speech, and
  the floor jumps up to the lowest ``smooth`` of that window.
* A frame is *active* when ``smooth`` is ``margin_db`` above the floor and above
  ``min_level_dbm0``, and the signal is not stationary. ``onset_ms`` of consecutive
  active frames start speech (dated back to the first of them); ``hangover_ms``
  without an active frame ends it (dated back to the end of the last active frame).
* The first ``startup_ms`` are silence whatever they hold: the floor is learnt there.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from dsp_ext.levels import RMS_0DBM0
from dsp_ext.pcm import as_pcm16
from dsp_ext.vad_params import SAMPLE_RATES, check_params, frame_count  # noqa: F401

# dB of the PCM mean square of a 0 dBm0 signal: level_dbm0 = 10·log10(ms) − REF_DB.
REF_DB = 20.0 * math.log10(RMS_0DBM0)


class VadEvent(NamedTuple):
    """A transition: ``kind`` is "speech" or "silence"; ``start`` its first sample."""

    kind: str
    start: int


def check_samples(samples: object) -> np.ndarray:
    """The input as a 1-D int16 array, or a clear exception."""
    return as_pcm16(samples, "VoiceActivityDetector.process")


class VoiceActivityDetector:
    """Reference twin of ``dsp_ext.vad.VoiceActivityDetector`` (same API, same decisions)."""

    def __init__(
        self,
        sample_rate: int = 8000,
        frame_ms: float = 10.0,
        hangover_ms: float = 300.0,
        onset_ms: float = 30.0,
        margin_db: float = 4.0,
        min_level_dbm0: float = -55.0,
        startup_ms: float = 200.0,
        smooth_ms: float = 40.0,
        floor_rise_db_per_s: float = 2.0,
        stationary_ms: float = 500.0,
        stationary_level_db: float = 2.5,
        stationary_tilt_db: float = 3.0,
    ) -> None:
        params = dict(
            hangover_ms=hangover_ms, onset_ms=onset_ms, margin_db=margin_db,
            min_level_dbm0=min_level_dbm0, startup_ms=startup_ms, smooth_ms=smooth_ms,
            floor_rise_db_per_s=floor_rise_db_per_s, stationary_ms=stationary_ms,
            stationary_level_db=stationary_level_db, stationary_tilt_db=stationary_tilt_db,
        )  # fmt: skip
        n = check_params(sample_rate, frame_ms, params)
        self.sample_rate = sample_rate
        self.frame_len = n
        self.hangover_frames = frame_count(hangover_ms, n, sample_rate)
        self.onset_frames = frame_count(onset_ms, n, sample_rate)
        self.startup_frames = frame_count(startup_ms, n, sample_rate)
        self.smooth_frames = frame_count(smooth_ms, n, sample_rate)
        self.window_frames = max(2, frame_count(stationary_ms, n, sample_rate))
        self.margin_db = float(margin_db)
        self.min_level_dbm0 = float(min_level_dbm0)
        self.rise_db = float(floor_rise_db_per_s) * n / sample_rate
        self.stat_level_var = float(stationary_level_db) * float(stationary_level_db)
        self.stat_tilt_var = float(stationary_tilt_db) * float(stationary_tilt_db)
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to start-up, silence from sample 0."""
        self._pending = np.zeros(0, dtype=np.int16)
        self._prev = 0  # last sample of the previous frame, for the first difference
        self._frames = 0
        self._energies = [0] * self.smooth_frames
        self._levels = [0.0] * self.window_frames
        self._tilts = [0.0] * self.window_frames
        self._smooths = [0.0] * self.window_frames
        self._floor = math.nan
        self._speaking = False
        self._run = 0  # consecutive active frames while silent
        self._quiet = 0  # frames since the last active one while speaking
        self._silence_start = 0

    @property
    def speaking(self) -> bool:
        return self._speaking

    @property
    def noise_floor_dbm0(self) -> float:
        return self._floor

    @property
    def silence_samples(self) -> int:
        if self._speaking:
            return 0
        return self._frames * self.frame_len - self._silence_start

    def process(self, samples: np.ndarray) -> list[VadEvent]:
        """Feed samples; return the transitions decided by the frames they complete."""
        samples = check_samples(samples)
        data = np.concatenate([self._pending, samples])
        n = self.frame_len
        whole = len(data) // n * n
        self._pending = data[whole:].copy()
        events: list[VadEvent] = []
        for i in range(0, whole, n):
            frame = data[i : i + n].astype(np.int64)
            diff = np.diff(frame, prepend=self._prev)
            self._prev = int(frame[-1])
            event = self._frame(int(np.sum(frame * frame)), int(np.sum(diff * diff)))
            if event is not None:
                events.append(event)
        return events

    def _frame(self, energy: int, diff_energy: int) -> VadEvent | None:
        n = self.frame_len
        k = self._frames
        self._frames += 1
        level = 10.0 * math.log10(max(energy, 1) / n) - REF_DB
        tilt = 10.0 * math.log10((diff_energy + 1) / (energy + 1))
        self._energies[k % self.smooth_frames] = energy
        seen = min(k + 1, self.smooth_frames)
        smooth = 10.0 * math.log10(max(sum(self._energies), 1) / (seen * n)) - REF_DB
        w = self.window_frames
        self._levels[k % w] = level
        self._tilts[k % w] = tilt
        self._smooths[k % w] = smooth

        if k == 0 or smooth < self._floor:
            self._floor = smooth  # falls at once
        else:
            self._floor = min(self._floor + self.rise_db, smooth)
        stationary = k + 1 >= w and self._is_stationary()
        if stationary:
            low = min(self._smooths)
            if low > self._floor:
                self._floor = low  # a steady tone or noise becomes the floor at once
        active = (
            k >= self.startup_frames
            and not stationary
            and smooth > self._floor + self.margin_db
            and smooth > self.min_level_dbm0
        )
        return self._decide(active, k)

    def _is_stationary(self) -> bool:
        w = self.window_frames
        mean_l = 0.0
        mean_t = 0.0
        for i in range(w):
            mean_l += self._levels[i]
            mean_t += self._tilts[i]
        mean_l /= w
        mean_t /= w
        var_l = 0.0
        var_t = 0.0
        for i in range(w):
            d = self._levels[i] - mean_l
            var_l += d * d
            d = self._tilts[i] - mean_t
            var_t += d * d
        return var_l / w < self.stat_level_var and var_t / w < self.stat_tilt_var

    def _decide(self, active: bool, k: int) -> VadEvent | None:
        n = self.frame_len
        if not self._speaking:
            self._run = self._run + 1 if active else 0
            if self._run >= self.onset_frames:
                self._speaking = True
                self._quiet = 0
                return VadEvent("speech", (k + 1 - self._run) * n)
            return None
        if active:
            self._quiet = 0
            return None
        self._quiet += 1
        if self._quiet >= self.hangover_frames:
            self._speaking = False
            self._run = 0
            self._silence_start = (k + 1 - self._quiet) * n
            return VadEvent("silence", self._silence_start)
        return None
