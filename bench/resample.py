"""Throughput of dsp_ext.resample.Resampler, and against scipy's resample_poly if present.

Prints figures only; it never passes or fails on time. Run:
    .venv/bin/python bench/resample.py
"""

import time

import numpy as np

from dsp_ext import resample
from dsp_ext.generate import to_pcm16, white_noise

PAIRS = [(8000, 48000), (48000, 8000), (8000, 16000), (44100, 8000), (8000, 44100)]
SECONDS = 10.0
FRAME_MS = 20.0

try:
    from scipy.signal import resample_poly
except ImportError:
    resample_poly = None


def _best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    rng = np.random.default_rng(1)
    print(f"{'pair':>15} {'one-shot Msps':>14} {'20 ms frames Msps':>18} {'x realtime':>11}  scipy")
    for in_rate, out_rate in PAIRS:
        x = to_pcm16(white_noise(round(SECONDS * in_rate), -10.0, rng))
        frame = round(in_rate * FRAME_MS / 1000)
        r = resample.Resampler(in_rate, out_rate)

        def one_shot(r=r, x=x) -> None:
            r.reset()
            r.process(x)

        def framed(r=r, x=x, frame=frame) -> None:
            r.reset()
            for i in range(0, x.size, frame):
                r.process(x[i : i + frame])

        t_one, t_framed = _best_of(one_shot), _best_of(framed)
        line = (
            f"{in_rate:>6}->{out_rate:<6}  {x.size / t_one / 1e6:>14.2f} "
            f"{x.size / t_framed / 1e6:>18.2f} {SECONDS / t_framed:>11.0f}"
        )
        if resample_poly is not None:
            t_scipy = _best_of(lambda x=x, r=r: resample_poly(x.astype(np.float64), r.up, r.down))
            line += f"  ours/scipy speed = {t_scipy / t_one:.2f}"
        else:
            line += "  (scipy not installed)"
        print(line)


if __name__ == "__main__":
    main()
