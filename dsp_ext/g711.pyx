# cython: language_level=3
"""ITU-T G.711 µ-law and A-law coders over NumPy arrays.

What it does: 16-bit linear PCM <-> 8-bit G.711 codes, one sample at a time, no
state (so any split of the input gives the same output).

Spec limits it keeps (ITU-T G.711, Tables 1 and 2):
- A-law: 8 segments x 16 steps per sign, even bits inverted (XOR 0x55), sign bit 1
  for positive; largest decoder output 4032 on the 13-bit scale = 32256 in 16-bit.
- µ-law: bias 33 (0x84 on the 16-bit scale), all bits inverted; largest decoder
  output 8031 on the 14-bit scale = 32124 in 16-bit; two codes for zero (0x7F, 0xFF).
- Bit-exact with CPython's ``audioop`` (the Sun/CCITT reference arithmetic) on all
  65536 inputs and 256 codes. ITU-T G.191's STL ``g711.c`` maps negative µ-law
  inputs through a one's complement instead, so it picks the neighbouring code for
  508 negative inputs lying within 1 LSB of a decision value.

The per-sample functions live in ``g711.pxd`` for other kernels to cimport.
"""

import numpy as np

from dsp_ext.pcm import as_pcm16

cimport numpy as cnp
from libc.stdint cimport int16_t, uint8_t

cnp.import_array()


_as_pcm16 = as_pcm16


def _as_codes(codes: object, what: str) -> np.ndarray:
    if isinstance(codes, (bytes, bytearray, memoryview)):
        return np.frombuffer(codes, dtype=np.uint8)
    if not isinstance(codes, np.ndarray):
        raise TypeError(
            f"{what}: expected a 1-D numpy uint8 array or bytes, got {type(codes).__name__}"
        )
    if codes.dtype != np.uint8:
        raise TypeError(f"{what}: expected dtype uint8 (G.711 codes), got {codes.dtype}")
    if codes.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array, got {codes.ndim}-D {codes.shape}")
    return codes


def ulaw_encode(samples: np.ndarray) -> np.ndarray:
    """Encode int16 PCM to µ-law codes (uint8, one per sample)."""
    cdef const int16_t[:] x = _as_pcm16(samples, "ulaw_encode")
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty(n, dtype=np.uint8)
    cdef uint8_t[:] y = out
    with nogil:
        for i in range(n):
            y[i] = linear_to_ulaw(x[i])
    return out


def ulaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode µ-law codes (uint8 array or bytes) to int16 PCM."""
    cdef const uint8_t[:] c = _as_codes(codes, "ulaw_decode")
    cdef Py_ssize_t i, n = c.shape[0]
    out = np.empty(n, dtype=np.int16)
    cdef int16_t[:] y = out
    with nogil:
        for i in range(n):
            y[i] = ulaw_to_linear(c[i])
    return out


def alaw_encode(samples: np.ndarray) -> np.ndarray:
    """Encode int16 PCM to A-law codes (uint8, one per sample)."""
    cdef const int16_t[:] x = _as_pcm16(samples, "alaw_encode")
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty(n, dtype=np.uint8)
    cdef uint8_t[:] y = out
    with nogil:
        for i in range(n):
            y[i] = linear_to_alaw(x[i])
    return out


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode A-law codes (uint8 array or bytes) to int16 PCM."""
    cdef const uint8_t[:] c = _as_codes(codes, "alaw_decode")
    cdef Py_ssize_t i, n = c.shape[0]
    out = np.empty(n, dtype=np.int16)
    cdef int16_t[:] y = out
    with nogil:
        for i in range(n):
            y[i] = alaw_to_linear(c[i])
    return out
