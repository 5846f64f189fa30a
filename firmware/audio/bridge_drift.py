"""Clock-drift absorption for the bridge: a variable-ratio interpolator and its servo.

Why this design: a modem and a USB headset each run from their own crystal, so
"8 kHz" and "48 kHz" differ by up to a few hundred ppm; left alone, the buffer
between them grows (delay) or empties (clicks) by ~1 s an hour. Two ways are common:
dropping/duplicating single samples at quiet moments, or resampling by a ratio that is
servoed very slowly. Dropping a sample in a steady tone (hold music, a vowel, a test
sine) is a phase jump of 2*pi*f/fs: at 1 kHz and 8 kHz that is 45°, an audible click,
and "quiet moments" do not exist in music. A ratio of 1 ± 1000 ppm instead shifts
every pitch by at most 1.7 cents (the smallest audible step is ~5 cents) and never
makes a discontinuity. So the bridge resamples.

``dsp_ext.Resampler`` is a fixed rational L/M converter (terms up to 1024), which
cannot express 1.0003, so the fractional stage is its own kernel,
``dsp_ext.drift.DriftResampler`` (``dsp_ext/drift.pyx``): a 4-point (cubic) Lagrange
interpolator run at the *headset* rate, where speech bandlimited to 4 kHz is oversampled
six-fold and a cubic is accurate to better than -60 dB (measured in the tests). The
fixed Resampler does the 8 kHz <-> 44.1/48 kHz step around it.

:class:`DriftServo` turns the buffer level into the ratio: a PI controller on a
1-second average of the level, clamped to ±``max_ppm``, with the integrator (which
ends up holding the clocks' true offset) frozen while clamped.
"""

from __future__ import annotations

import math


class DriftServo:
    """PI control of a buffer's level (seconds) by a resampling ratio near 1.

    Call :meth:`update` once per tick with the level at a fixed point of the cycle
    (its low point) and the tick's length of audio; it returns the ratio the producer
    should use until the next tick: below 1 when the buffer is above ``target_s``.

    Gains: with ``kp = 2*w`` and ``ki = w**2`` the loop is critically damped at ``w``
    rad/s; the default w = 0.1 settles an error in ~30-60 s, far slower than any pitch
    change one could hear, and the 1 s average keeps block-size ripple out of it.
    """

    def __init__(
        self,
        target_s: float,
        *,
        omega: float = 0.1,
        max_ppm: float = 1000.0,
        smoothing_s: float = 1.0,
    ) -> None:
        if target_s < 0 or omega <= 0 or max_ppm <= 0 or smoothing_s <= 0:
            raise ValueError("target_s >= 0, omega, max_ppm and smoothing_s > 0 are required")
        self.target_s = target_s
        self.kp = 2.0 * omega
        self.ki = omega * omega
        self.max_adjust = max_ppm * 1e-6
        self.smoothing_s = smoothing_s
        self.reset()

    def reset(self, keep_offset: bool = False) -> None:
        """Start over; ``keep_offset`` keeps what the integrator learnt about the clocks'
        offset (it does not change between calls), so the next call starts corrected."""
        self.level_s: float | None = None  # smoothed level
        if not keep_offset:
            self._integral = 0.0
        self.ratio = 1.0 - self.ki * self._integral

    @property
    def ppm(self) -> float:
        """The current adjustment, in ppm (negative: producing fewer samples)."""
        return (self.ratio - 1.0) * 1e6

    def update(self, level_s: float, dt: float) -> float:
        if self.level_s is None:
            self.level_s = level_s
        else:
            self.level_s += (level_s - self.level_s) * min(1.0, dt / self.smoothing_s)
        error = self.level_s - self.target_s
        integral = self._integral + error * dt
        adjust = -(self.kp * error + self.ki * integral)
        if abs(adjust) <= self.max_adjust:
            self._integral = integral  # anti-windup: integrate only while not clamped
        else:
            adjust = math.copysign(self.max_adjust, adjust)
        self.ratio = 1.0 + adjust
        return self.ratio
