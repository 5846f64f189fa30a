# cython: language_level=3, annotation_typing=False
"""Variable-ratio cubic interpolator: absorbs clock drift between two audio devices.

What it does: ``DriftResampler().process(x, ratio)`` resamples int16 PCM by a ratio
(output rate / input rate) close to 1 that may change on every call, as a servo
keeping a buffer's level steady requires (``firmware.audio.bridge_drift``). Each
output at input position t = i + d (0 <= d < 1) is the 4-point (third-order)
Lagrange interpolation of x[i-1], x[i], x[i+1], x[i+2]:

    y = x[i-1] * -d(d-1)(d-2)/6 + x[i] * (d+1)(d-1)(d-2)/2
      + x[i+1] * -(d+1)d(d-2)/2 + x[i+2] * (d+1)d(d-1)/6

Limits: it has no anti-alias filter, so it is meant for signals well below Nyquist:
the bridge runs it at 44.1/48 kHz on voice bandlimited to 4 kHz (oversampled six
times), where its error is below -60 dB (tested with sines). Ratios outside 0.5..2
are refused. The delay is two input samples.

State: the last three inputs and the position of the next output, so any split of
the input gives the same output for the same ratios. ``reset()`` forgets both.
The NumPy reference is ``dsp_ext.reference.drift``.
"""

import math

import numpy as np

from dsp_ext.pcm import as_pcm16

cimport numpy as cnp
from libc.math cimport nearbyint
from libc.stdint cimport int16_t

cnp.import_array()

#: Ratios accepted (output rate / input rate).
MIN_RATIO = 0.5
MAX_RATIO = 2.0


def check_ratio(ratio: float) -> float:
    """``ratio`` as a float, or a ``ValueError`` saying what is accepted."""
    r = float(ratio)
    if not MIN_RATIO < r < MAX_RATIO:
        raise ValueError(f"ratio must be between {MIN_RATIO} and {MAX_RATIO}, got {ratio!r}")
    return r


cdef class DriftResampler:
    """Stateful cubic resampler by a variable ratio near 1; int16 in, int16 out."""

    cdef double _hist[3]
    cdef double _pos  # next output's position, in samples from the start of the history

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget all input: the next sample is treated as the first of a stream."""
        self._hist[0] = self._hist[1] = self._hist[2] = 0.0
        self._pos = 1.0

    def process(self, samples: np.ndarray, ratio: float) -> np.ndarray:
        """Resample the next chunk at ``ratio``; about ``len(samples) * ratio`` come out."""
        samples = as_pcm16(samples, "DriftResampler.process")
        cdef double step = 1.0 / check_ratio(ratio)
        cdef const int16_t[::1] x = samples
        cdef Py_ssize_t n = x.shape[0]
        if n == 0:
            return np.empty(0, dtype=np.int16)
        cdef Py_ssize_t size = n + 3
        cdef double limit = <double>(size - 2)
        cdef Py_ssize_t count = max(0, <Py_ssize_t>math.ceil((limit - self._pos) / step))
        out = np.empty(count, dtype=np.int16)
        cdef int16_t[::1] y = out
        _interpolate(self._hist, x, self._pos, step, y)
        self._pos = self._pos + count * step - n
        cdef Py_ssize_t k
        for k in range(3):
            self._hist[k] = _at(self._hist, x, n + k)
        return out

    def __repr__(self) -> str:
        return f"DriftResampler(next output at {self._pos - 1.0:+.6f} samples)"


cdef inline double _at(const double* hist, const int16_t[::1] x, Py_ssize_t j) noexcept nogil:
    # Sample j of the virtual buffer: the three remembered inputs, then this chunk.
    return hist[j] if j < 3 else <double>x[j - 3]


cdef void _interpolate(
    const double* hist, const int16_t[::1] x, double pos, double step, int16_t[::1] y
) noexcept nogil:
    cdef Py_ssize_t k, i
    cdef double t, d, acc
    for k in range(y.shape[0]):
        t = pos + step * k
        i = <Py_ssize_t>t
        d = t - i
        acc = (
            _at(hist, x, i - 1) * (-d * (d - 1.0) * (d - 2.0) / 6.0)
            + _at(hist, x, i) * ((d + 1.0) * (d - 1.0) * (d - 2.0) / 2.0)
            + _at(hist, x, i + 1) * (-(d + 1.0) * d * (d - 2.0) / 2.0)
            + _at(hist, x, i + 2) * ((d + 1.0) * d * (d - 1.0) / 6.0)
        )
        acc = nearbyint(acc)
        if acc > 32767.0:
            acc = 32767.0
        elif acc < -32768.0:
            acc = -32768.0
        y[k] = <int16_t>acc
