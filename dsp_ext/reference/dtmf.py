"""NumPy reference of the DTMF receiver in ``dsp_ext/dtmf.pyx``.

The same algorithm, written plainly over a whole array at once (see the Cython
module's docstring for how it works). Tests hold the two against each other.
"""

from __future__ import annotations

import numpy as np

from ..dtmf_params import DtmfParams
from ..dtmf_table import COL_HZ, KEYPAD, ROW_HZ
from ..levels import dbm0_to_rms

FREQS = np.array(ROW_HZ + COL_HZ)


def geometry(sample_rate: int) -> tuple[int, int]:
    """(hop, window) in samples: 34 and 102 at 8 kHz, scaled for other rates."""
    hop = round(34 * sample_rate / 8000)
    return hop, 3 * hop


def hann(n: int) -> np.ndarray:
    """A Hann window without zero end points (every sample counts)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * (np.arange(n) + 0.5) / n)


def hann_response(delta_hz: float, window: np.ndarray, sample_rate: int) -> float:
    """Amplitude of the Hann-weighted DFT ``delta_hz`` away from its bin (1 on it)."""
    n = np.arange(len(window))
    return float(
        abs(np.sum(window * np.exp(2j * np.pi * delta_hz * n / sample_rate))) / window.sum()
    )


def _dft(seg: np.ndarray, win: np.ndarray, f: float, fs: int) -> complex:
    n = np.arange(len(seg))
    return complex(np.sum(win * seg * np.exp(-2j * np.pi * f * n / fs)))


def detect(
    samples: np.ndarray, sample_rate: int = 8000, params: DtmfParams | None = None
) -> list[tuple[str, int, int]]:
    """Every DTMF digit in ``samples`` as (digit, start, end); the end of input ends a tone."""
    p = params or DtmfParams()
    fs = sample_rate
    hop, n_win = geometry(fs)
    # One hop of silence stands before the start, as in the kernel.
    x = np.concatenate([np.zeros(hop), np.asarray(samples, dtype=np.float64)])
    n_sub = len(x) // hop
    if n_sub < 4:
        return []
    blocks = x[: n_sub * hop].reshape(n_sub, hop)
    k = np.arange(hop)
    sub = blocks @ np.exp(-1j * np.outer(FREQS, 2 * np.pi * k / fs)).T  # (n_sub, 8)
    energy = np.sum(blocks * blocks, axis=1)
    twiddle = np.exp(-1j * 2 * np.pi * FREQS * hop / fs)

    edge = round(12 * fs / 8000)  # a block hits when ~12 samples of it are not yet tone
    win = hann(n_win)
    min_ms = dbm0_to_rms(p.min_level_dbm0) ** 2
    lo_twist, hi_twist = 10 ** (-p.reverse_twist_db / 10), 10 ** (p.normal_twist_db / 10)
    harm = 10 ** (-p.harmonic_db / 10)

    events: list[tuple[str, int, int]] = []
    cur = None  # [digit, hits, misses, first, last, acc_r, acc_c, row, col]

    def close() -> None:
        digit, hits, _, first, last, acc_r, acc_c, r, c = cur
        if hits < p.min_hits:
            return
        dev_r = np.angle(acc_r) * fs / (2 * np.pi * hop) / ROW_HZ[r]
        dev_c = np.angle(acc_c) * fs / (2 * np.pi * hop) / COL_HZ[c]
        if abs(dev_r) <= p.max_deviation and abs(dev_c) <= p.max_deviation:
            events.append((digit, first + edge, last + n_win - edge))

    for b in range(1, n_sub - 2):  # window over sub-blocks b..b+2; window starts at x[b*hop]
        s = b * hop
        xw = sub[b] + sub[b + 1] * twiddle + sub[b + 2] * twiddle**2
        power = np.abs(xw) ** 2 * 2 / n_win
        e_win = energy[b] + energy[b + 1] + energy[b + 2]
        r, c = int(np.argmax(power[:4])), int(np.argmax(power[4:]))
        pr, pc = power[r], power[4 + c]
        hit = None
        if (
            pr >= min_ms * n_win * 0.5
            and pc >= min_ms * n_win * 0.5
            and pr + pc >= p.coarse_ratio * e_win
            and lo_twist * 0.5 <= pr / pc <= hi_twist * 2
        ):
            hit = _refine(
                x, s, (hop, n_win, fs), (r, c), win, p, (min_ms, lo_twist, hi_twist, harm)
            )
        s_out = s - hop  # back to the caller's sample numbering
        if cur is not None:
            if hit is not None and hit[0] == cur[0]:
                cur[1] += 1
                cur[2] = 0
                cur[4] = s_out
                cur[5] += hit[1]
                cur[6] += hit[2]
                continue
            cur[2] += 1
            if cur[2] <= p.max_misses:
                continue
            close()
            cur = None
        if hit is not None:
            cur = [hit[0], 1, 0, s_out, s_out, hit[1], hit[2], r, c]
    if cur is not None:
        close()
    return events


def _refine(x, s, geom, pair, win, p, limits):
    """The careful look at a candidate block: a hit (digit, row and column phase products)."""
    hop, n_win, fs = geom
    r, c = pair
    min_ms, lo_twist, hi_twist, harm = limits
    wsum, w2sum = win.sum(), np.sum(win * win)
    seg, prev = x[s : s + n_win], x[s - hop : s - hop + n_win]
    fr, fc = ROW_HZ[r], COL_HZ[c]
    hr, hc = _dft(seg, win, fr, fs), _dft(seg, win, fc, fs)
    # Phase advance over one hop, against what the nominal frequency would give.
    cr = hr * np.conj(_dft(prev, win, fr, fs)) * np.exp(-2j * np.pi * fr * hop / fs)
    cc = hc * np.conj(_dft(prev, win, fc, fs)) * np.exp(-2j * np.pi * fc * hop / fs)
    dr = np.angle(cr) * fs / (2 * np.pi * hop)
    dc = np.angle(cc) * fs / (2 * np.pi * hop)
    if abs(dr) > p.block_deviation * fr or abs(dc) > p.block_deviation * fc:
        return None
    tr = 2 * abs(hr) ** 2 / wsum**2 / hann_response(dr, win, fs) ** 2
    tc = 2 * abs(hc) ** 2 / wsum**2 / hann_response(dc, win, fs) ** 2
    mean_sq = np.sum((win * seg) ** 2) / w2sum
    if tr < min_ms or tc < min_ms or not lo_twist <= tr / tc <= hi_twist:
        return None
    if tr + tc < p.tone_ratio * mean_sq:
        return None
    # The row's second harmonic (1394-1882 Hz) can sit inside the column tone's
    # main lobe, so only the column's (2418-3266 Hz, always clear) is checked.
    h2c = 2 * abs(_dft(seg, win, 2 * fc, fs)) ** 2 / wsum**2
    if h2c > harm * tc:
        return None
    return KEYPAD[r][c], cr, cc
