"""The WAV reader: every format a telephone recording comes in, and every way a file can be bad."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext import g711
from firmware.audio.wav import (
    ALAW,
    EXTENSIBLE,
    IEEE_FLOAT,
    MULAW,
    PCM,
    WavError,
    parse_wav,
    write_wav,
)


def make_wav(
    payload: bytes, tag: int, channels: int, rate: int, bits: int, sub: int | None = None
) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    if tag == EXTENSIBLE:
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", sub) + bytes(14)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # odd chunk with its pad byte
    chunks += b"data" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


RAMP = (np.arange(-32768, 32768, 97)).astype(np.int16)


def test_pcm16_round_trip(tmp_path):
    path = tmp_path / "x.wav"
    write_wav(path, RAMP, 16000)
    samples, info = parse_wav(path.read_bytes())
    assert info.sample_rate == 16000 and info.format_name == "PCM"
    np.testing.assert_array_equal(samples, RAMP)


def test_pcm8_pcm24_pcm32_float():
    x = RAMP.astype(np.int32)
    pcm8 = ((x >> 8) + 128).astype(np.uint8).tobytes()
    got8, _ = parse_wav(make_wav(pcm8, PCM, 1, 8000, 8))
    np.testing.assert_array_equal(got8, (x >> 8) << 8)
    b24 = (x << 8).astype("<i4").tobytes()
    pcm24 = b"".join(b24[i : i + 3] for i in range(0, len(b24), 4))
    np.testing.assert_array_equal(parse_wav(make_wav(pcm24, PCM, 1, 8000, 24))[0], RAMP)
    pcm32 = (x << 16).astype("<i4").tobytes()
    np.testing.assert_array_equal(parse_wav(make_wav(pcm32, PCM, 1, 8000, 32))[0], RAMP)
    f32 = (x / 32768.0).astype("<f4").tobytes()
    np.testing.assert_array_equal(parse_wav(make_wav(f32, IEEE_FLOAT, 1, 8000, 32))[0], RAMP)


def test_g711_and_extensible_and_stereo():
    codes = g711.ulaw_encode(RAMP)
    got, info = parse_wav(make_wav(codes.tobytes(), MULAW, 1, 8000, 8))
    assert info.format_name == "µ-law"
    np.testing.assert_array_equal(got, g711.ulaw_decode(codes))
    codes = g711.alaw_encode(RAMP)
    got, _ = parse_wav(make_wav(codes.tobytes(), EXTENSIBLE, 1, 8000, 8, sub=ALAW))
    np.testing.assert_array_equal(got, g711.alaw_decode(codes))
    stereo = np.stack([RAMP, np.zeros_like(RAMP)], axis=1).astype("<i2").tobytes()
    got, info = parse_wav(make_wav(stereo, PCM, 2, 8000, 16))
    assert info.channels == 2
    np.testing.assert_array_equal(got, np.rint(RAMP / 2).astype(np.int16))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "not a WAV file"),
        (b"ID3\x03" + bytes(100), "not a WAV file"),
        (b"RIFF\x04\x00\x00\x00WAVE", "no 'fmt ' chunk"),
        (make_wav(b"", PCM, 1, 8000, 16)[:36], "no 'data' chunk"),
        (make_wav(b"\x00\x00", 0x0055, 1, 8000, 16), "format 0x0055 is not supported"),
        (make_wav(b"\x00\x00", PCM, 1, 8000, 12), "12 bits per sample"),
        (make_wav(b"\x00\x00", PCM, 1, 50, 16), "sample rate 50 Hz"),
        (make_wav(b"\x00\x00", PCM, 0, 8000, 16), "0 channels"),
        (make_wav(struct.pack("<f", float("nan")), IEEE_FLOAT, 1, 8000, 32), "NaN"),
    ],
)
def test_bad_files_say_what_is_wrong(data, words):
    with pytest.raises(WavError, match=words):
        parse_wav(data)


def test_truncated_data_keeps_what_is_there():
    whole = make_wav(RAMP.astype("<i2").tobytes(), PCM, 1, 8000, 16)
    got, _ = parse_wav(whole[:-101])
    np.testing.assert_array_equal(got, RAMP[: len(got)])
    assert len(got) == len(RAMP) - 51


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_arbitrary_bytes_only_ever_raise_wav_error(data):
    try:
        samples, _ = parse_wav(data)
    except WavError:
        return
    assert samples.dtype == np.int16


@settings(max_examples=300, deadline=None)
@given(pos=st.integers(0, 80), value=st.integers(0, 255))
def test_fuzz_corrupted_header_only_ever_raises_wav_error(pos, value):
    data = bytearray(make_wav(RAMP[:50].astype("<i2").tobytes(), PCM, 1, 8000, 16))
    data[pos] = value
    try:
        samples, _ = parse_wav(bytes(data))
    except WavError:
        return
    assert samples.dtype == np.int16 and samples.ndim == 1
