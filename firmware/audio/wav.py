"""Reading and writing WAV files, with errors that say what is wrong.

Reads RIFF/WAVE with PCM (8, 16, 24, 32-bit), IEEE float (32, 64-bit), G.711
µ-law and A-law, including WAVE_FORMAT_EXTENSIBLE; several channels are mixed to
one. Writes 16-bit PCM mono. The standard library's ``wave`` module reads only
integer PCM, and telephone recordings are often µ-law or A-law.
"""

from __future__ import annotations

import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PCM, IEEE_FLOAT, ALAW, MULAW, EXTENSIBLE = 0x0001, 0x0003, 0x0006, 0x0007, 0xFFFE
_FORMAT_NAMES = {PCM: "PCM", IEEE_FLOAT: "IEEE float", ALAW: "A-law", MULAW: "µ-law"}


class WavError(ValueError):
    """A file that is not a WAV file this reader can use; the message says why."""


@dataclass(frozen=True)
class WavInfo:
    sample_rate: int
    channels: int
    format_tag: int
    bits: int

    @property
    def format_name(self) -> str:
        return _FORMAT_NAMES.get(self.format_tag, f"format 0x{self.format_tag:04x}")


def read_wav(path: str | Path) -> tuple[np.ndarray, WavInfo]:
    """Mono int16 samples of a WAV file and what the file said about itself."""
    data = Path(path).read_bytes()
    return parse_wav(data)


def parse_wav(data: bytes) -> tuple[np.ndarray, WavInfo]:
    """As :func:`read_wav`, from the file's bytes."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise WavError("not a WAV file (expected a RIFF/WAVE header)")
    fmt: bytes | None = None
    payload: bytes | None = None
    pos = 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8 : pos + 8 + size]
        if cid == b"fmt ":
            fmt = body
        elif cid == b"data":
            payload = body  # a truncated data chunk keeps what is there
            if fmt is not None:
                break
        pos += 8 + size + (size & 1)
    if fmt is None:
        raise WavError("WAV file has no 'fmt ' chunk")
    if payload is None:
        raise WavError("WAV file has no 'data' chunk")
    info = _parse_fmt(fmt)
    return _decode(payload, info), info


def _parse_fmt(fmt: bytes) -> WavInfo:
    if len(fmt) < 16:
        raise WavError(f"WAV 'fmt ' chunk is {len(fmt)} bytes (expected at least 16)")
    tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", fmt)
    if tag == EXTENSIBLE:
        if len(fmt) < 26:
            raise WavError("WAV extensible 'fmt ' chunk is too short for its sub-format")
        tag = struct.unpack_from("<H", fmt, 24)[0]
    if tag not in _FORMAT_NAMES:
        raise WavError(
            f"WAV sample format 0x{tag:04x} is not supported "
            "(expected PCM, IEEE float, µ-law or A-law)"
        )
    if channels < 1:
        raise WavError("WAV file says it has 0 channels")
    if not 1000 <= rate <= 384_000:
        raise WavError(f"WAV sample rate {rate} Hz is implausible (expected 1000 to 384000 Hz)")
    allowed = {PCM: (8, 16, 24, 32), IEEE_FLOAT: (32, 64), ALAW: (8,), MULAW: (8,)}[tag]
    if bits not in allowed:
        raise WavError(
            f"WAV {_FORMAT_NAMES[tag]} with {bits} bits per sample is not supported "
            f"(expected {', '.join(map(str, allowed))})"
        )
    return WavInfo(rate, channels, tag, bits)


def _decode(payload: bytes, info: WavInfo) -> np.ndarray:
    width = info.bits // 8
    frame = width * info.channels
    usable = len(payload) - len(payload) % frame
    raw = payload[:usable]
    if info.format_tag == PCM and width == 1:
        x = (np.frombuffer(raw, np.uint8).astype(np.float64) - 128.0) * 256.0
    elif info.format_tag == PCM and width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        x = ((b[:, 0] << 8 | b[:, 1] << 16 | b[:, 2] << 24) >> 16).astype(np.float64)
    elif info.format_tag == PCM:
        x = np.frombuffer(raw, f"<i{width}").astype(np.float64)
        if width == 4:
            x /= 65536.0
    elif info.format_tag == IEEE_FLOAT:
        x = np.frombuffer(raw, f"<f{width}").astype(np.float64)
        if not np.all(np.isfinite(x)):
            raise WavError("WAV float samples include NaN or infinity")
        x = x * 32768.0
    else:
        from dsp_ext import g711

        codes = np.frombuffer(raw, np.uint8)
        decode = g711.ulaw_decode if info.format_tag == MULAW else g711.alaw_decode
        x = decode(codes).astype(np.float64)
    if info.channels > 1:
        x = x.reshape(-1, info.channels).mean(axis=1)
    return np.clip(np.rint(x), -32768, 32767).astype(np.int16)


def write_wav(path: str | Path, samples: np.ndarray, sample_rate: int = 8000) -> None:
    """Write mono int16 samples as a 16-bit PCM WAV file."""
    arr = np.asarray(samples)
    if arr.dtype != np.int16 or arr.ndim != 1:
        raise ValueError(f"expected 1-D int16 samples, got {arr.ndim}-D {arr.dtype}")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(arr.astype("<i2").tobytes())
