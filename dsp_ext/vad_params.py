"""The voice activity detector's parameters: their checks and frame arithmetic,
shared by the Cython kernel and its NumPy reference so both refuse the same input."""

from __future__ import annotations

import math

SAMPLE_RATES = (8000, 16000)
DURATIONS = ("hangover_ms", "onset_ms", "startup_ms", "smooth_ms", "stationary_ms")
POSITIVE = ("margin_db", "floor_rise_db_per_s", "stationary_level_db", "stationary_tilt_db")


def frame_count(ms: float, frame_len: int, sample_rate: int) -> int:
    """Whole frames in ``ms`` (at least 1), to the nearest frame."""
    return max(1, round(ms * sample_rate / 1000.0 / frame_len))


def check_params(sample_rate: object, frame_ms: float, params: dict[str, float]) -> int:
    """Validate the parameters; return the frame length in samples."""
    if isinstance(sample_rate, bool) or sample_rate not in SAMPLE_RATES:
        raise ValueError(f"sample_rate must be one of {SAMPLE_RATES} Hz, got {sample_rate!r}")
    for name, value in {"frame_ms": frame_ms, **params}.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"{name} must be finite, got {value!r}")
    exact = frame_ms * sample_rate / 1000.0
    if not 5.0 <= frame_ms <= 40.0 or abs(exact - round(exact)) > 1e-9:
        raise ValueError(
            f"frame_ms must be 5..40 ms and a whole number of samples, got {frame_ms!r}"
        )
    for name in DURATIONS:
        if params[name] < 0:
            raise ValueError(f"{name} must be >= 0 ms, got {params[name]!r}")
    for name in POSITIVE:
        if params[name] <= 0:
            raise ValueError(f"{name} must be > 0, got {params[name]!r}")
    return round(exact)
