"""Plain NumPy reference of the variable-ratio cubic interpolator (``dsp_ext.drift``).

Each output at input position ``t = pos + k / ratio`` is the 4-point Lagrange
interpolation around ``floor(t)``, written out on whole arrays; state between calls
is the last three inputs and the next position, as in the kernel.
"""

from __future__ import annotations

import math

import numpy as np

from dsp_ext.drift import check_ratio
from dsp_ext.pcm import as_pcm16


class DriftResampler:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._hist = np.zeros(3)
        self._pos = 1.0

    def process(self, samples: np.ndarray, ratio: float) -> np.ndarray:
        x = as_pcm16(samples, "DriftResampler.process")
        step = 1.0 / check_ratio(ratio)
        if x.size == 0:
            return np.empty(0, dtype=np.int16)
        buf = np.concatenate([self._hist, x.astype(np.float64)])
        count = max(0, math.ceil((buf.size - 2 - self._pos) / step))
        t = self._pos + step * np.arange(count)
        i = t.astype(np.int64)
        d = t - i
        y = (
            buf[i - 1] * (-d * (d - 1.0) * (d - 2.0) / 6.0)
            + buf[i] * ((d + 1.0) * (d - 1.0) * (d - 2.0) / 2.0)
            + buf[i + 1] * (-(d + 1.0) * d * (d - 2.0) / 2.0)
            + buf[i + 2] * ((d + 1.0) * d * (d - 1.0) / 6.0)
        )
        self._pos = self._pos + count * step - x.size
        self._hist = buf[-3:]
        return np.clip(np.rint(y), -32768, 32767).astype(np.int16)
