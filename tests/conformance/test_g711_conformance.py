"""ITU-T G.711 Tables 1 (A-law) and 2 (µ-law): decision and decoder output values.

The tables below are the segment layout as G.711 prints it (A-law on a ±4096 scale,
µ-law on a ±8159 scale): where each segment starts and its step. Each segment has
16 equal intervals; the decoder output is the middle of the interval. The coder
under test must put every positive 16-bit input into the interval that holds it.
"""

import numpy as np
import pytest

from dsp_ext import g711

# (segment start, step) per segment, from G.711 Table 1a (A-law, 4096 scale).
ALAW_SEGMENTS = [
    (0, 2),
    (32, 2),
    (64, 4),
    (128, 8),
    (256, 16),
    (512, 32),
    (1024, 64),
    (2048, 128),
]
# G.711 Table 2a (µ-law, 8159 scale): the first interval 0..1 is half width, output 0.
ULAW_SEGMENTS = [
    (1, 2),
    (31, 4),
    (95, 8),
    (223, 16),
    (479, 32),
    (991, 64),
    (2015, 128),
    (4063, 256),
]
ULAW_TOP = 8159


def _intervals(segments: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    lows = [start + k * step for start, step in segments for k in range(16)]
    mids = [start + k * step + step / 2 for start, step in segments for k in range(16)]
    return np.array(lows), np.array(mids)


def test_table_1a_alaw_decision_and_output_values() -> None:
    lows, mids = _intervals(ALAW_SEGMENTS)
    x = np.arange(0, 32768)
    v = x // 8  # 13-bit scale: 16-bit PCM carries three extra low bits
    expected = 8 * mids[np.searchsorted(lows, v, side="right") - 1]
    got = g711.alaw_decode(g711.alaw_encode(x.astype(np.int16)))
    np.testing.assert_array_equal(got, expected)


def test_table_2a_ulaw_decision_and_output_values() -> None:
    lows, mids = _intervals(ULAW_SEGMENTS)
    lows = np.concatenate([[0], lows])
    mids = np.concatenate([[0], mids])
    x = np.arange(0, 32768)
    v = np.minimum(x // 4, ULAW_TOP)  # 14-bit scale; beyond the top decision value it clips
    expected = 4 * mids[np.searchsorted(lows, v, side="right") - 1]
    got = g711.ulaw_decode(g711.ulaw_encode(x.astype(np.int16)))
    np.testing.assert_array_equal(got, expected)


def test_alaw_negative_half_mirrors_positive_half() -> None:
    # A-law codes a 13-bit two's-complement value; v and -v-1 share a magnitude.
    x = np.arange(0, 32768)
    pos = g711.alaw_decode(g711.alaw_encode(x.astype(np.int16))).astype(np.int32)
    neg = g711.alaw_decode(g711.alaw_encode((-x - 1).astype(np.int16))).astype(np.int32)
    np.testing.assert_array_equal(neg, -pos)


def test_ulaw_negative_half_mirrors_positive_half_on_14_bit_grid() -> None:
    v = np.arange(0, 8192)
    pos = g711.ulaw_decode(g711.ulaw_encode((4 * v).astype(np.int16))).astype(np.int32)
    neg = g711.ulaw_decode(g711.ulaw_encode((-4 * v).astype(np.int16))).astype(np.int32)
    np.testing.assert_array_equal(neg, -pos)


@pytest.mark.parametrize(
    ("encode", "sign_bit_positive", "inverted"),
    [(g711.alaw_encode, 1, 0x55), (g711.ulaw_encode, 1, 0xFF)],
)
def test_code_format_sign_bit_and_inversion(encode, sign_bit_positive: int, inverted: int) -> None:
    # Clause 2/3: bit 1 (MSB) is the sign, 1 for positive; A-law then inverts the
    # even bits (0x55), µ-law inverts the magnitude bits (all bits, sign restored).
    small_pos = encode(np.array([1], np.int16))[0]
    small_neg = encode(np.array([-9], np.int16))[0]
    assert small_pos >> 7 == sign_bit_positive
    assert small_neg >> 7 == 1 - sign_bit_positive
    assert int(small_pos) & 0x7F == inverted & 0x7F  # segment 0, step 0 after inversion
