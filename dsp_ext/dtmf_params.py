"""Thresholds of the DTMF receiver, shared by the Cython kernel and its NumPy reference.

The figures the receiver must meet (ITU-T Q.24, with the Bellcore/ETSI figures it
cites) and the margins chosen for each are in ``docs/dsp/dtmf.md``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class DtmfParams:
    """Named thresholds of :class:`dsp_ext.DtmfDetector`.

    All levels are per tone; all ratios are of powers.
    """

    #: Weakest tone accepted (Q.24 asks for −25 dBm0; we keep 5 dB of margin).
    min_level_dbm0: float = -30.0
    #: Low group may be this much louder than the high group (Q.24: 8 dB).
    normal_twist_db: float = 10.0
    #: High group may be this much louder than the low group (Q.24: 4 dB).
    reverse_twist_db: float = 6.0
    #: Coarse gate: share of block energy in the two strongest rectangular bins.
    coarse_ratio: float = 0.45
    #: Share of the Hann-weighted block power the two tones must hold.
    tone_ratio: float = 0.80
    #: Second harmonic of either tone must stay this far below it.
    harmonic_db: float = 15.0
    #: Largest frequency error of one block (fraction of nominal) still counted.
    block_deviation: float = 0.04
    #: Largest frequency error averaged over a digit (Q.24: accept 1.5 %, reject 3.5 %).
    max_deviation: float = 0.025
    #: Blocks (hops of 4.25 ms) a digit needs: rejects ≤ 23 ms, accepts ≥ 40 ms.
    min_hits: int = 6
    #: Consecutive missing blocks that end a digit: bridges short drop-outs,
    #: splits at a 40 ms pause.
    max_misses: int = 6
