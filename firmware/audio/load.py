"""Audio files in, 8 kHz int16 out: what the DSP core and the line side work with."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .wav import WavError, read_wav

LINE_RATE = 8000


def to_line_rate(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Resample int16 audio to 8 kHz, with the filter's delay taken out."""
    if sample_rate == LINE_RATE:
        return samples
    from dsp_ext.resample import Resampler

    rs = Resampler(sample_rate, LINE_RATE)
    out = np.concatenate([rs.process(samples), rs.flush()])
    return out[rs.delay_samples : rs.delay_samples + round(len(samples) * LINE_RATE / sample_rate)]


def load_line_audio(path: str | Path, raw: bool = False) -> np.ndarray:
    """8 kHz int16 samples of a WAV file (any common rate) or of a raw 8 kHz int16 file.

    Raises ``ValueError`` naming the file and what is wrong with it.
    """
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ValueError(f"{p}: cannot read ({exc.strerror})") from None
    if raw:
        if len(data) % 2:
            raise ValueError(
                f"{p}: {len(data)} bytes is an odd length "
                "(expected raw 8 kHz signed 16-bit little-endian samples)"
            )
        return np.frombuffer(data, "<i2").astype(np.int16)
    try:
        from .wav import parse_wav

        samples, info = parse_wav(data)
    except WavError as exc:
        hint = " (use --raw for headerless 8 kHz int16)" if not data.startswith(b"RIFF") else ""
        raise ValueError(f"{p}: {exc}{hint}") from None
    return to_line_rate(samples, info.sample_rate)


__all__ = ["LINE_RATE", "load_line_audio", "read_wav", "to_line_rate"]
