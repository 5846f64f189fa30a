"""Plain NumPy reference of the polyphase resampler (``dsp_ext.resample``).

Straight from the definition of upsample-by-L, filter, keep-every-M-th: output
``k`` is ``sum_i h[k*M - i*L] * x[i]`` over the inputs the filter covers. The
filter itself comes from ``dsp_ext.resample.design_filter`` (what is checked here
is the arithmetic; the filter's response is checked against the spec with sines).
"""

import numpy as np

from dsp_ext.resample import design_filter


def resample(
    samples: np.ndarray, in_rate: int, out_rate: int, quality: str = "voice", flush: bool = False
) -> np.ndarray:
    """Whole-array resampling; ``flush=True`` appends the filter tail like ``flush()``."""
    up, down, h = design_filter(in_rate, out_rate, quality)
    x = samples.astype(np.float64)
    taps_per_phase = -(-h.size // up)
    if flush and x.size:
        x = np.concatenate([x, np.zeros(taps_per_phase)])
    n_out = -(-(x.size * up) // down)
    t = np.arange(n_out, dtype=np.int64) * down  # output instants, upsampled units
    i = t[:, None] // up - np.arange(taps_per_phase)[None, :]  # inputs under the filter
    tap = t[:, None] - i * up
    valid = (i >= 0) & (tap < h.size)
    weights = np.where(valid, h[np.minimum(tap, h.size - 1)], 0.0)
    values = np.where(valid, x[np.clip(i, 0, max(x.size - 1, 0))] if x.size else 0.0, 0.0)
    y = np.sum(weights * values, axis=1)
    return np.clip(np.rint(y), -32768, 32767).astype(np.int16)
