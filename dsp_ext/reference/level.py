"""Plain NumPy reference of the level meter (``dsp_ext.level``).

Cuts the whole array into windows and measures each one with NumPy; a trailing
partial window gives no reading.
"""

import math

import numpy as np

from dsp_ext.levels import power_to_dbm0, sine_peak


def peak_to_dbm0(peak: float) -> float:
    return 20.0 * math.log10(peak / sine_peak(0.0)) if peak > 0 else -math.inf


def measure(samples: np.ndarray) -> tuple[float, float]:
    if samples.size == 0:
        return (-math.inf, -math.inf)
    x = samples.astype(np.int64)
    return (power_to_dbm0(float(np.sum(x * x)) / x.size), peak_to_dbm0(float(np.max(np.abs(x)))))


def windows(
    samples: np.ndarray, sample_rate: int = 8000, window_ms: float = 20.0, clip_level: int = 32767
) -> list[tuple[int, float, float, int, int]]:
    """``(start, rms_dbm0, peak_dbm0, peak, clipped)`` for every complete window."""
    size = round(sample_rate * window_ms / 1000.0)
    x = samples.astype(np.int64)
    out = []
    for start in range(0, x.size - size + 1, size):
        w = x[start : start + size]
        rms_dbm0, peak_dbm0 = measure(w)
        peak = int(np.max(np.abs(w)))
        clipped = int(np.sum(np.abs(w) >= clip_level))
        out.append((start, rms_dbm0, peak_dbm0, peak, clipped))
    return out
