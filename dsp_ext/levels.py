"""Signal levels in dBm0 for 16-bit linear PCM.

Convention (ITU-T G.711): the largest sine wave the A-law coder can carry is
+3.14 dBm0, and we map that sine onto full-scale 16-bit PCM (peak 32767). So a
0 dBm0 sine has a peak of about 22 826 and an RMS of about 16 140. Every kernel,
generator and meter in ``dsp_ext`` uses this one mapping.
"""

import math

#: Level of a full-scale (peak 32767) sine wave, in dBm0.
FULL_SCALE_SINE_DBM0 = 3.14
#: Peak amplitude of a full-scale sine.
FULL_SCALE_PEAK = 32767.0
#: RMS value of a 0 dBm0 signal in 16-bit PCM units.
RMS_0DBM0 = FULL_SCALE_PEAK / math.sqrt(2.0) * 10.0 ** (-FULL_SCALE_SINE_DBM0 / 20.0)


def sine_peak(dbm0: float) -> float:
    """Peak amplitude (PCM units) of a sine wave at ``dbm0``."""
    return RMS_0DBM0 * math.sqrt(2.0) * 10.0 ** (dbm0 / 20.0)


def rms_to_dbm0(rms: float) -> float:
    """Level in dBm0 of a signal with this RMS value (−inf for silence)."""
    if rms <= 0.0:
        return float("-inf")
    return 20.0 * math.log10(rms / RMS_0DBM0)


def dbm0_to_rms(dbm0: float) -> float:
    """RMS value (PCM units) of a signal at ``dbm0``."""
    return RMS_0DBM0 * 10.0 ** (dbm0 / 20.0)


def power_to_dbm0(mean_square: float) -> float:
    """Level in dBm0 from a mean-square value (PCM units squared)."""
    if mean_square <= 0.0:
        return float("-inf")
    return 10.0 * math.log10(mean_square / (RMS_0DBM0 * RMS_0DBM0))
