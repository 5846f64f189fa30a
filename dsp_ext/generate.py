"""Signal generators: DTMF digits, pure tones and white noise in 16-bit PCM.

Call-progress tone generation by country lives in ``dsp_ext.progress_gen``.
"""

from __future__ import annotations

import numpy as np

from .dtmf_table import tones_of
from .levels import dbm0_to_rms, sine_peak


def tone(
    freqs_hz: float | tuple[float, ...],
    duration_s: float,
    level_dbm0: float | tuple[float, ...] = -10.0,
    sample_rate: int = 8000,
    phase: float = 0.0,
) -> np.ndarray:
    """Float64 samples of a sum of sines, each at its own level (per tone, dBm0)."""
    if isinstance(freqs_hz, (int, float)):
        freqs_hz = (float(freqs_hz),)
    if isinstance(level_dbm0, (int, float)):
        level_dbm0 = (float(level_dbm0),) * len(freqs_hz)
    n = round(duration_s * sample_rate)
    t = np.arange(n) / sample_rate
    out = np.zeros(n)
    for f, lvl in zip(freqs_hz, level_dbm0, strict=True):
        out += sine_peak(lvl) * np.sin(2 * np.pi * f * t + phase)
    return out


def to_pcm16(x: np.ndarray) -> np.ndarray:
    """Round and saturate float samples to int16, as a real coder would clip."""
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def dtmf(
    digits: str,
    sample_rate: int = 8000,
    level_dbm0: float = -7.0,
    on_ms: float = 100.0,
    off_ms: float = 100.0,
    twist_db: float = 0.0,
    low_dev: float = 0.0,
    high_dev: float = 0.0,
    lead_ms: float = 0.0,
) -> np.ndarray:
    """int16 PCM of a DTMF digit sequence.

    ``level_dbm0`` is the level of the louder tone of each pair. ``twist_db`` is the
    low-group level minus the high-group level: positive means the low group is
    louder, negative that the high group is (reverse twist). ``low_dev`` and
    ``high_dev`` shift each group's frequency by a fraction (0.015 = +1.5 %).
    Each digit is followed by ``off_ms`` of silence; ``lead_ms`` of silence first.
    """
    low_lvl = level_dbm0 if twist_db >= 0 else level_dbm0 + twist_db
    high_lvl = level_dbm0 - twist_db if twist_db >= 0 else level_dbm0
    parts = [np.zeros(round(lead_ms * sample_rate / 1000.0))]
    gap = np.zeros(round(off_ms * sample_rate / 1000.0))
    for d in digits:
        lo, hi = tones_of(d)
        parts.append(
            tone(
                (lo * (1 + low_dev), hi * (1 + high_dev)),
                on_ms / 1000.0,
                (low_lvl, high_lvl),
                sample_rate,
            )
        )
        parts.append(gap)
    return to_pcm16(np.concatenate(parts))


def white_noise(n: int, level_dbm0: float, rng: np.random.Generator | None = None) -> np.ndarray:
    """Float64 Gaussian white noise of ``n`` samples at ``level_dbm0`` (full band)."""
    rng = rng or np.random.default_rng()
    return rng.standard_normal(n) * dbm0_to_rms(level_dbm0)
