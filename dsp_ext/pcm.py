"""The one check every kernel makes of its input: 1-D int16 PCM."""

from __future__ import annotations

import numpy as np


def as_pcm16(samples: object, what: str = "samples") -> np.ndarray:
    """``samples`` as a contiguous 1-D int16 array, or an error naming ``what`` and why.

    ``TypeError`` for something that is not a NumPy array or not int16; ``ValueError``
    for the wrong number of dimensions.
    """
    if not isinstance(samples, np.ndarray):
        raise TypeError(f"{what}: expected a 1-D numpy int16 array, got {type(samples).__name__}")
    if samples.dtype != np.int16:
        raise TypeError(
            f"{what}: expected a 1-D numpy int16 array (16-bit PCM), got dtype {samples.dtype}"
        )
    if samples.ndim != 1:
        raise ValueError(
            f"{what}: expected a 1-D numpy int16 array, got a {samples.ndim}-D array "
            f"of shape {samples.shape}"
        )
    return np.ascontiguousarray(samples)
