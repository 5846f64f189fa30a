"""Reference FSK demodulator (Bell 202 and V.23) for caller ID: plain NumPy and Python.

Slow and obvious on purpose; ``dsp_ext.fsk.FskDemodulator`` must give the same bytes
at the same sample positions. The same steps, in the same order:

1. a band-pass filter (4th-order Butterworth high-pass at 0.8 × mark, 4th-order
   low-pass at 1.2 × space, as cascaded biquads);
2. carrier detect: one-pole averages of the band power and of the total power; the
   carrier is on while the band holds most of the power and is above a level floor;
3. a correlator discriminator: the power at the mark and at the space frequency over
   the last ``round(sample_rate / baud)`` filtered samples, each divided by the
   filter's power gain at that frequency; mark minus space is the decision variable;
4. an asynchronous UART: a mark-to-space crossing (interpolated to a fraction of a
   sample) starts a character; the start bit, 8 data bits (LSB first) and the stop
   bit are read at the middle of each bit, timed from that crossing.
"""

from __future__ import annotations

import cmath
import math
from collections import namedtuple

import numpy as np

from ..levels import dbm0_to_rms

FskByte = namedtuple("FskByte", "value start")

#: standard -> (mark Hz, space Hz, baud)
STANDARDS = {"bell202": (1200.0, 2200.0, 1200.0), "v23": (1300.0, 2100.0, 1200.0)}


def butterworth_sections(f_low: float, f_high: float, fs: float) -> list[tuple[float, ...]]:
    """(b0, b1, b2, a1, a2) of 4th-order high-pass at f_low then 4th-order low-pass at f_high."""
    sections = []
    for kind, fc in (("hp", f_low), ("lp", f_high)):
        w0 = 2.0 * math.pi * fc / fs
        cw = math.cos(w0)
        for k in (1, 2):
            q = 1.0 / (2.0 * math.cos((2 * k - 1) * math.pi / 8.0))
            alpha = math.sin(w0) / (2.0 * q)
            a0 = 1.0 + alpha
            if kind == "hp":
                b = ((1.0 + cw) / 2.0, -(1.0 + cw), (1.0 + cw) / 2.0)
            else:
                b = ((1.0 - cw) / 2.0, 1.0 - cw, (1.0 - cw) / 2.0)
            sections.append((b[0] / a0, b[1] / a0, b[2] / a0, -2.0 * cw / a0, (1.0 - alpha) / a0))
    return sections


def power_gain(sections: list[tuple[float, ...]], f: float, fs: float) -> float:
    """|H|² of the cascade at ``f`` Hz."""
    z1 = cmath.exp(-2j * math.pi * f / fs)
    h = 1.0 + 0j
    for b0, b1, b2, a1, a2 in sections:
        h *= (b0 + b1 * z1 + b2 * z1 * z1) / (1.0 + a1 * z1 + a2 * z1 * z1)
    return abs(h) ** 2


def group_delay(sections: list[tuple[float, ...]], f: float, fs: float) -> float:
    """Group delay of the cascade at ``f`` Hz, in samples (numerical phase slope)."""
    df = 1.0

    def phase(freq: float) -> float:
        z1 = cmath.exp(-2j * math.pi * freq / fs)
        h = 1.0 + 0j
        for b0, b1, b2, a1, a2 in sections:
            h *= (b0 + b1 * z1 + b2 * z1 * z1) / (1.0 + a1 * z1 + a2 * z1 * z1)
        return cmath.phase(h)

    dphi = phase(f + df) - phase(f - df)
    dphi = (dphi + math.pi) % (2.0 * math.pi) - math.pi
    return -dphi / (2.0 * math.pi * 2.0 * df / fs)


def demodulate(
    samples: np.ndarray,
    standard: str = "bell202",
    sample_rate: int = 8000,
    min_level_dbm0: float = -48.0,
    on_ratio: float = 0.75,
    off_ratio: float = 0.6,
    average_ms: float = 8.0,
    arm_ms: float = 50.0,
    drop_ratio: float = 0.1,
) -> list[FskByte]:
    """Every byte in ``samples`` (int16), with the sample index of its start bit."""
    mark, space, baud = STANDARDS[standard]
    fs = float(sample_rate)
    x = np.asarray(samples, dtype=np.int16).astype(np.float64)
    n = len(x)

    # 1. band-pass filter, section by section (a recursion: a Python loop)
    sections = butterworth_sections(0.8 * mark, 1.2 * space, fs)
    y = x.copy()
    for b0, b1, b2, a1, a2 in sections:
        out = np.zeros(n)
        x1 = x2 = y1 = y2 = 0.0
        for i in range(n):
            v = float(y[i])
            o = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, v, y1, o
            out[i] = o
        y = out

    # 3. correlators: sum over the last L filtered samples, newest first
    span = round(fs / baud)
    padded = np.concatenate([np.zeros(span - 1), y])
    gains = []
    for f in (mark, space):
        w = 2.0 * math.pi * f / fs
        re = np.zeros(n)
        im = np.zeros(n)
        for k in range(span):
            lagged = padded[span - 1 - k : span - 1 - k + n]
            re = re + lagged * math.cos(w * k)
            im = im + lagged * math.sin(w * k)
        gains.append(re * re + im * im)
    gm = 1.0 / power_gain(sections, mark, fs)
    gsp = 1.0 / power_gain(sections, space, fs)
    d = gains[0] * gm - gains[1] * gsp

    delay = round((span - 1) / 2.0 + group_delay(sections, 0.5 * (mark + space), fs))
    spb = fs / baud
    alpha = 1.0 - math.exp(-1000.0 / (average_ms * fs))
    alpha_fast = 1.0 - math.exp(-1000.0 / (1.0 * fs))
    floor_on = dbm0_to_rms(min_level_dbm0) ** 2
    floor_off = 0.5 * floor_on
    arm = round(arm_ms * fs / 1000.0)

    # 2. and 4. carrier detect and UART, sample by sample
    out_bytes: list[FskByte] = []
    total = band = fast = 0.0
    carrier = False
    on_for = 0
    prev_d = 0.0
    receiving = False
    t_edge = 0.0
    bit = 0
    next_at = 0
    value = 0
    for i in range(n):
        xi = float(x[i])
        yi = float(y[i])
        total = total + alpha * (xi * xi - total)
        band = band + alpha * (yi * yi - band)
        fast = fast + alpha_fast * (yi * yi - fast)
        if carrier:
            # off on a sudden drop (the burst ended) or when the band no longer dominates
            if band < floor_off or band < off_ratio * total or fast < drop_ratio * band:
                carrier = False
                receiving = False
                prev_d = 0.0
        elif band > floor_on and band > on_ratio * total:
            carrier = True
            on_for = 0
        di = float(d[i])
        if not carrier:
            continue
        if on_for < arm:  # the UART listens once the carrier has held for arm_ms
            on_for += 1
            prev_d = di
            continue
        if not receiving:
            if prev_d > 0.0 and di <= 0.0:
                t_edge = (i - 1) + prev_d / (prev_d - di)
                receiving = True
                bit = 0
                value = 0
                next_at = math.floor(t_edge + 0.5 * spb + 0.5)
        elif i == next_at:
            is_mark = di > 0.0
            if bit == 0:
                if is_mark:
                    receiving = False  # a glitch, not a start bit
            elif bit <= 8:
                if is_mark:
                    value |= 1 << (bit - 1)
            else:
                receiving = False
                if is_mark:  # a good stop bit
                    out_bytes.append(FskByte(value, math.floor(t_edge + 0.5) - delay))
            bit += 1
            next_at = math.floor(t_edge + (bit + 0.5) * spb + 0.5)
        prev_d = di
    return out_bytes
