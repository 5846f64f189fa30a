# cython: language_level=3, annotation_typing=False
"""Level meter: RMS and peak of 16-bit PCM in dBm0, per fixed window.

What it does: cuts the stream into windows of ``window_ms`` (20 ms = 160 samples
at 8 kHz by default), counted from the first sample the meter saw, and reports for
each completed window its RMS level, its peak, and how many samples sat at full
scale. Windows do not depend on how the input is split into calls.

Levels use the one mapping in ``dsp_ext.levels`` (ITU-T G.711: a full-scale sine
is +3.14 dBm0, a sine of peak ≈ 22 767 is 0 dBm0):
- ``rms_dbm0`` is the power level of the window: 10 log10(mean square / RMS_0DBM0²).
- ``peak_dbm0`` is the level of the sine whose peak equals the window's peak, so for
  a pure sine the two agree.
- Silence (all zeros) gives -inf for both, never NaN.
Sums of squares are exact (64-bit integers), so the meter matches its reference.
"""

import math
from typing import NamedTuple

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int16_t, int64_t

from dsp_ext.levels import power_to_dbm0, sine_peak
from dsp_ext.pcm import as_pcm16

cnp.import_array()

#: PCM peak of a 0 dBm0 sine: the reference for ``peak_dbm0``.
_PEAK_0DBM0 = sine_peak(0.0)


class LevelReading(NamedTuple):
    """One completed window: first sample index, levels, peak (PCM) and clip count."""

    start: int
    rms_dbm0: float
    peak_dbm0: float
    peak: int
    clipped: int


def peak_to_dbm0(peak: float) -> float:
    """Level of a sine whose peak is ``peak`` PCM units (-inf for 0)."""
    return 20.0 * math.log10(peak / _PEAK_0DBM0) if peak > 0 else -math.inf


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


_check_pcm16 = as_pcm16


def measure(samples: np.ndarray) -> tuple[float, float]:
    """``(rms_dbm0, peak_dbm0)`` of a whole array; ``(-inf, -inf)`` if silent or empty."""
    cdef const int16_t[:] x = _check_pcm16(samples, "measure")
    cdef Py_ssize_t i, n = x.shape[0]
    cdef int64_t energy = 0
    cdef int v, peak = 0
    with nogil:
        for i in range(n):
            v = x[i]
            energy += v * v
            if v < 0:
                v = -v
            if v > peak:
                peak = v
    if n == 0:
        return (-math.inf, -math.inf)
    return (power_to_dbm0(<double>energy / n), peak_to_dbm0(peak))


cdef class LevelMeter:
    """Windowed RMS/peak meter with a running peak hold.

    ``LevelMeter(sample_rate=8000, window_ms=20.0, clip_level=32767)``;
    ``process(x)`` returns a list of :class:`LevelReading`, one per window that
    this input completed. A sample counts as clipped when ``|x| >= clip_level``.
    """

    cdef readonly int sample_rate
    cdef readonly int window
    cdef readonly int clip_level
    cdef readonly double window_ms
    cdef int64_t _energy  # running sums of the window in progress
    cdef int _peak
    cdef int _clipped
    cdef int _filled
    cdef int64_t _start  # first sample of the window in progress
    cdef int _peak_hold
    cdef double _last_rms_dbm0

    def __init__(
        self, sample_rate: int = 8000, window_ms: float = 20.0, clip_level: int = 32767
    ) -> None:
        if not _is_int(sample_rate) or sample_rate <= 0:
            raise ValueError(
                f"sample_rate must be a positive integer number of Hz, got {sample_rate!r}"
            )
        finite = isinstance(window_ms, (int, float)) and math.isfinite(window_ms)
        if not finite or window_ms <= 0:
            raise ValueError(
                f"window_ms must be a positive number of milliseconds, got {window_ms!r}"
            )
        window = round(sample_rate * window_ms / 1000.0)
        if window < 1:
            raise ValueError(
                f"window_ms={window_ms} is shorter than one sample at {sample_rate} Hz"
            )
        if not _is_int(clip_level) or not 1 <= clip_level <= 32768:
            raise ValueError(f"clip_level must be in 1..32768 (PCM magnitude), got {clip_level!r}")
        self.sample_rate = sample_rate
        self.window_ms = window_ms
        self.window = window
        self.clip_level = clip_level
        self.reset()

    def reset(self) -> None:
        """Forget everything: the next sample is sample 0 again."""
        self._energy = 0
        self._peak = 0
        self._clipped = 0
        self._filled = 0
        self._start = 0
        self._peak_hold = 0
        self._last_rms_dbm0 = -math.inf

    @property
    def rms_dbm0(self) -> float:
        """RMS level of the last completed window (-inf before the first)."""
        return self._last_rms_dbm0

    @property
    def peak_hold(self) -> int:
        """Largest |sample| seen since construction or ``reset()`` (PCM units)."""
        return self._peak_hold

    @property
    def peak_hold_dbm0(self) -> float:
        """``peak_hold`` as the level of a sine with that peak."""
        return peak_to_dbm0(self._peak_hold)

    def process(self, samples: np.ndarray) -> list:
        """Feed int16 PCM; returns the readings of the windows it completed."""
        cdef const int16_t[:] x = _check_pcm16(samples, "LevelMeter.process")
        cdef Py_ssize_t i, n = x.shape[0]
        cdef int v
        readings = []
        for i in range(n):
            v = x[i]
            self._energy += v * v
            if v < 0:
                v = -v
            if v > self._peak:
                self._peak = v
            if v >= self.clip_level:
                self._clipped += 1
            self._filled += 1
            if self._filled == self.window:
                readings.append(self._close_window())
        if self._peak > self._peak_hold:
            self._peak_hold = self._peak
        return readings

    cdef object _close_window(self):
        if self._peak > self._peak_hold:
            self._peak_hold = self._peak
        rms = power_to_dbm0(<double>self._energy / self.window)
        peak_dbm0 = peak_to_dbm0(self._peak)
        reading = LevelReading(self._start, rms, peak_dbm0, self._peak, self._clipped)
        self._last_rms_dbm0 = rms
        self._start += self.window
        self._energy = 0
        self._peak = 0
        self._clipped = 0
        self._filled = 0
        return reading
