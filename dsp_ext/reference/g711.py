"""Plain NumPy reference of the G.711 coders (``dsp_ext.g711``).

Written from the segment tables of ITU-T G.711: find the segment of the biased
magnitude, take four bits of step within it, add the sign, invert the bits that the
law inverts. Decoding puts each code at the middle of its quantisation interval.
"""

import numpy as np

# Segment upper ends of the biased µ-law magnitude (14-bit scale) and of the A-law
# magnitude (13-bit scale), as in G.711 Tables 2 and 1.
_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])
_ULAW_CLIP = 8159
_ULAW_BIAS = 33


def ulaw_encode(samples: np.ndarray) -> np.ndarray:
    v = samples.astype(np.int64) >> 2
    negative = v < 0
    mag = np.minimum(np.abs(v), _ULAW_CLIP) + _ULAW_BIAS
    seg = np.searchsorted(_ULAW_SEG_END, mag, side="left")
    step = (mag >> (np.minimum(seg, 7) + 1)) & 0x0F
    code = np.where(seg >= 8, 0x7F, (seg << 4) | step)
    code = np.where(negative, code ^ 0x7F, code ^ 0xFF)
    return code.astype(np.uint8)


def ulaw_decode(codes: np.ndarray) -> np.ndarray:
    u = ~codes.astype(np.int64) & 0xFF
    seg = (u >> 4) & 0x07
    step = u & 0x0F
    mag14 = ((2 * step + _ULAW_BIAS) << seg) - _ULAW_BIAS  # interval middle, 14-bit
    value = 4 * mag14
    return np.where(u & 0x80, -value, value).astype(np.int16)


def alaw_encode(samples: np.ndarray) -> np.ndarray:
    v = samples.astype(np.int64) >> 3
    positive = v >= 0
    mag = np.where(positive, v, -v - 1)
    seg = np.searchsorted(_ALAW_SEG_END, mag, side="left")
    shift = np.where(seg < 2, 1, seg)
    code = (seg << 4) | ((mag >> shift) & 0x0F)
    code = np.where(positive, code | 0x80, code)
    return (code ^ 0x55).astype(np.uint8)


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    a = codes.astype(np.int64) ^ 0x55
    seg = (a >> 4) & 0x07
    step = a & 0x0F
    mag13 = np.where(seg == 0, 2 * step + 1, (2 * step + 33) << np.maximum(seg - 1, 0))
    value = 8 * mag13
    return np.where(a & 0x80, value, -value).astype(np.int16)
