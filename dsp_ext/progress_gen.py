"""Call-progress tone generator: every tone of ``data/progress_tones.toml`` as int16 PCM.

The same table drives the detector, so tests can generate each (country, kind) and
expect it back. Cadenced tones start with their first "on" step and repeat until
``duration_s``; a continuous tone fills the whole duration.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from .generate import to_pcm16, tone
from .tonesets import KINDS, ToneSpec, plan


def progress_tone(
    kind: str,
    country: str = "ITU",
    duration_s: float = 5.0,
    sample_rate: int = 8000,
    level_dbm0: float | None = None,
    variant: int = 0,
) -> np.ndarray:
    """int16 PCM of ``country``'s ``kind`` tone, ``duration_s`` long.

    ``level_dbm0`` is the overall level of the tone (all its frequencies together,
    split equally); None uses the table's per-frequency levels. ``variant`` picks
    the alternative frequency of multi-choice steps (SIT: 0 = ITU 950/1400/1800 Hz,
    1 and 2 = the Bellcore low and high segment frequencies).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown tone kind {kind!r} (expected one of {KINDS})")
    if not (isinstance(duration_s, (int, float)) and math.isfinite(duration_s) and duration_s >= 0):
        raise ValueError(f"duration_s is {duration_s!r}, expected a finite number >= 0")
    if sample_rate not in (8000, 16000):
        raise ValueError(f"sample_rate is {sample_rate!r}, expected 8000 or 16000")
    spec = plan(country).tone(kind)
    return to_pcm16(_render(spec, duration_s, sample_rate, level_dbm0, variant))


def sit(
    sample_rate: int = 8000,
    level_dbm0: float | None = None,
    variant: int = 0,
    segment_ms: tuple[float, float, float] | None = None,
    repeats: int = 1,
) -> np.ndarray:
    """The special information tone: three segments then the silent step, ``repeats`` times.

    ``segment_ms`` overrides the three segment durations (Bellcore codes use 274
    and 380 ms segments).
    """
    spec = plan("ITU").tone("sit")
    if segment_ms is not None:
        if len(segment_ms) != 3:
            raise ValueError(f"segment_ms is {segment_ms!r}, expected three durations")
        durations = [*segment_ms, spec.steps[3].ms]
        steps = tuple(replace(s, ms=float(ms)) for s, ms in zip(spec.steps, durations, strict=True))
        spec = replace(spec, steps=steps)
    period = sum(s.ms for s in spec.steps) / 1000.0
    return to_pcm16(_render(spec, period * repeats, sample_rate, level_dbm0, variant))


def cng(duration_s: float, sample_rate: int = 8000, level_dbm0: float | None = None) -> np.ndarray:
    """Fax calling tone (ITU-T T.30): 1100 Hz, 0.5 s on, 3 s off."""
    return progress_tone("cng", "ITU", duration_s, sample_rate, level_dbm0)


def ced(
    duration_s: float = 3.0, sample_rate: int = 8000, level_dbm0: float | None = None
) -> np.ndarray:
    """Fax answer tone (ITU-T T.30): 2100 Hz, continuous (2.6-4 s on the line)."""
    return progress_tone("ced", "ITU", duration_s, sample_rate, level_dbm0)


def _render(
    spec: ToneSpec, duration_s: float, sample_rate: int, level_dbm0: float | None, variant: int
) -> np.ndarray:
    total = round(duration_s * sample_rate)
    if spec.continuous:
        steps = [(spec.freqs_hz, total)]
    else:
        steps = []
        n = 0
        while n < total:
            for s in spec.steps:
                length = round(s.ms * sample_rate / 1000.0)
                freqs = (
                    s.alternatives[min(variant, len(s.alternatives) - 1)] if s.alternatives else ()
                )
                steps.append((freqs, length))
                n += length
    parts = []
    for freqs, length in steps:
        if not freqs:
            parts.append(np.zeros(length))
            continue
        if level_dbm0 is None:
            levels = (
                spec.level_dbm0
                if len(spec.level_dbm0) == len(freqs)
                else spec.level_dbm0[:1] * len(freqs)
            )
        else:
            levels = (level_dbm0 - 10.0 * math.log10(len(freqs)),) * len(freqs)
        parts.append(tone(freqs, length / sample_rate, levels, sample_rate))
    out = np.concatenate(parts) if parts else np.zeros(0)
    return out[:total]
