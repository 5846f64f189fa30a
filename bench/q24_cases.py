"""The Q.24 clauses as a flat list of (clause, signal, expected digits) for scoring peers.

The pytest suite in ``tests/conformance/test_dtmf_q24.py`` checks the same clauses
on our receiver; here every peer is scored on the same signals.
"""

from __future__ import annotations

import numpy as np

from dsp_ext.dtmf_table import COL_HZ, DIGITS, ROW_HZ
from dsp_ext.generate import dtmf, to_pcm16, tone, white_noise


def cases() -> list[tuple[str, np.ndarray, str]]:
    out: list[tuple[str, np.ndarray, str]] = []
    for level in (0.0, -3.0, -10.0, -20.0, -25.0):
        out.append(
            (
                f"16 digits at {level:g} dBm0",
                dtmf(DIGITS, level_dbm0=level, on_ms=50, off_ms=50),
                DIGITS,
            )
        )
    for lo in (-0.015, 0.015):
        for hi in (-0.015, 0.015):
            x = dtmf(DIGITS, level_dbm0=-10, low_dev=lo, high_dev=hi, on_ms=50, off_ms=50)
            out.append((f"deviation low {lo:+.1%} high {hi:+.1%}", x, DIGITS))
    for dev in (-0.035, 0.035):
        for group in ("low_dev", "high_dev"):
            x = dtmf(DIGITS, level_dbm0=-10, on_ms=80, off_ms=60, **{group: dev})
            out.append((f"reject {group.split('_')[0]} group {dev:+.1%}", x, ""))
    for f in ROW_HZ + COL_HZ:
        out.append((f"reject {f:g} Hz alone", to_pcm16(tone(f, 0.5, -10.0)), ""))
    out.append(("40 ms on / 40 ms off", dtmf(DIGITS, level_dbm0=-10, on_ms=40, off_ms=40), DIGITS))
    for on in (20, 23):
        out.append((f"reject {on} ms tones", dtmf(DIGITS, level_dbm0=-10, on_ms=on, off_ms=60), ""))
    out.append(("long press 3 s is one digit", dtmf("7", level_dbm0=-10, on_ms=3000), "7"))
    out.append(
        (
            "repeats 5555 with 40 ms pauses",
            dtmf("5555", level_dbm0=-10, on_ms=40, off_ms=40),
            "5555",
        )
    )
    for twist in (8.0, -4.0):
        x = dtmf(DIGITS, level_dbm0=-5, twist_db=twist, on_ms=50, off_ms=50)
        out.append((f"twist {twist:+g} dB", x, DIGITS))
    for seed in range(3):
        x = dtmf(DIGITS, level_dbm0=-10, on_ms=50, off_ms=50).astype(np.float64)
        x += white_noise(len(x), -10 + 3.01 - 15, np.random.default_rng(seed))
        out.append((f"15 dB SNR (seed {seed})", to_pcm16(x), DIGITS))
    progress = {
        "ITU 425": (425.0,),
        "NA dial 350+440": (350.0, 440.0),
        "NA ringback 440+480": (440.0, 480.0),
        "NA busy 480+620": (480.0, 620.0),
    }
    for name, freqs in progress.items():
        cadence = np.concatenate([tone(freqs, 0.5, -10.0), np.zeros(4000)] * 3)
        out.append((f"reject {name}", to_pcm16(cadence), ""))
    return out
