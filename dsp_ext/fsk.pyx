# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False, auto_pickle=False
# distutils: extra_compile_args = -ffp-contract=off
"""FSK demodulator for caller ID: Bell 202 and ITU-T V.23 at 1200 baud.

What it meets (tests in ``tests/unit/test_fsk.py`` and
``tests/conformance/test_callerid_formats.py``):

* Bell 202 (mark 1200 Hz, space 2200 Hz) and V.23 (mark 1300 Hz, space 2100 Hz),
  1200 baud, asynchronous characters: start bit 0, 8 data bits LSB first, stop bit 1;
* levels from −5 to −40 dBm0, with white noise 20 dB below the signal;
* baud rate ±1 % and tone frequencies ±10 Hz off nominal;
* no bytes from silence or white noise alone; speech rarely gives one (a few per
  several minutes of the talk-off corpus: the caller ID framer above rejects them);
* the same bytes at the same positions for one long array, 20 ms frames or any
  chunking, and the same as the NumPy reference ``dsp_ext/reference/fsk.py``.

How it works, per sample:

1. A band-pass filter: 4th-order Butterworth high-pass at 0.8 × mark and low-pass at
   1.2 × space, as four biquads.
2. Carrier detect: one-pole averages (``average_ms``) of the band power and of the
   total power. The carrier comes on when the band holds ``on_ratio`` of the power
   and is above ``min_level_dbm0``; it goes off below ``off_ratio``, 3 dB under the
   floor, or when a 1 ms average of the band drops under ``drop_ratio`` of the slow
   one (the burst ended). The UART listens once the carrier has held ``arm_ms``.
3. A correlator discriminator: the power at the mark and at the space frequency over
   the last ``round(sample_rate / baud)`` filtered samples, each corrected by the
   filter's gain there; mark minus space decides the bit.
4. The UART re-syncs on every start bit: a mark-to-space crossing of the
   discriminator, interpolated between samples, times the middle of the start bit,
   the 8 data bits and the stop bit. A start bit that is mark at its middle is a
   glitch; a stop bit that is space is a framing error: the byte is dropped.

Byte positions are the start bit's first sample in the caller's numbering (the
filter and correlator delays are taken off), counted from the first sample seen.
"""

import cmath
import math
from collections import namedtuple

import numpy as np

cimport numpy as cnp
from libc.math cimport cos, exp, floor, sin

from .levels import dbm0_to_rms
from .pcm import as_pcm16

cnp.import_array()

FskByte = namedtuple("FskByte", "value start")
FskByte.__doc__ = "One received character: its value (0-255) and the sample where its start bit began."

#: standard -> (mark Hz, space Hz, baud)
STANDARDS = {"bell202": (1200.0, 2200.0, 1200.0), "v23": (1300.0, 2100.0, 1200.0)}

DEF NSEC = 4        # biquad sections of the band-pass filter
DEF MAXSPAN = 64    # longest correlator (48 kHz / 1200 baud = 40)


def butterworth_sections(f_low, f_high, fs):
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


def _response(sections, f, fs):
    z1 = cmath.exp(-2j * math.pi * f / fs)
    h = 1.0 + 0j
    for b0, b1, b2, a1, a2 in sections:
        h *= (b0 + b1 * z1 + b2 * z1 * z1) / (1.0 + a1 * z1 + a2 * z1 * z1)
    return h


def _group_delay(sections, f, fs):
    dphi = cmath.phase(_response(sections, f + 1.0, fs)) - cmath.phase(_response(sections, f - 1.0, fs))
    dphi = (dphi + math.pi) % (2.0 * math.pi) - math.pi
    return -dphi / (2.0 * math.pi * 2.0 / fs)


cdef class FskDemodulator:
    """Stateful Bell 202 / V.23 FSK receiver for one channel.

    ``FskDemodulator("bell202", sample_rate=8000).process(int16 array)`` returns the
    list of :data:`FskByte` whose stop bit fell within the samples given; state carries
    across calls, so 20 ms frames and one long array give identical bytes.
    """

    cdef readonly str standard
    cdef readonly int sample_rate
    cdef readonly double mark_hz
    cdef readonly double space_hz
    cdef readonly double baud
    cdef readonly int delay
    cdef readonly int span
    cdef double sec[NSEC][5]
    cdef double sec_state[NSEC][4]
    cdef double cos_m[MAXSPAN]
    cdef double sin_m[MAXSPAN]
    cdef double cos_s[MAXSPAN]
    cdef double sin_s[MAXSPAN]
    cdef double hist[MAXSPAN]   # the last ``span`` filtered samples, newest at [pos]
    cdef int pos
    cdef double gain_m, gain_s, spb, alpha, alpha_fast
    cdef double floor_on, floor_off, on_ratio, off_ratio, drop_ratio
    cdef int arm
    # running state
    cdef long long n
    cdef double total, band, fast, prev_d, t_edge
    cdef bint carrier_on, receiving
    cdef int on_for, bit, value
    cdef long long next_at

    def __init__(self, str standard="bell202", int sample_rate=8000,
                 double min_level_dbm0=-48.0, double on_ratio=0.75, double off_ratio=0.6,
                 double average_ms=8.0, double arm_ms=50.0, double drop_ratio=0.1):
        if standard not in STANDARDS:
            raise ValueError(
                f"FskDemodulator: unknown standard {standard!r} (expected one of {sorted(STANDARDS)})")
        if sample_rate < 8000 or sample_rate > 48000:
            raise ValueError(
                f"FskDemodulator: sample_rate {sample_rate} Hz is not supported "
                "(expected 8000 to 48000 Hz)")
        if not (0.0 < off_ratio <= on_ratio <= 1.0):
            raise ValueError(
                f"FskDemodulator: need 0 < off_ratio <= on_ratio <= 1, got {off_ratio}, {on_ratio}")
        if average_ms <= 0.0 or arm_ms < 0.0:
            raise ValueError("FskDemodulator: average_ms must be > 0 and arm_ms >= 0")
        mark, space, baud = STANDARDS[standard]
        cdef double fs = sample_rate
        self.standard = standard
        self.sample_rate = sample_rate
        self.mark_hz, self.space_hz, self.baud = mark, space, baud
        sections = butterworth_sections(0.8 * mark, 1.2 * space, fs)
        cdef int i, k
        for i in range(NSEC):
            for k in range(5):
                self.sec[i][k] = sections[i][k]
        self.span = <int>round(fs / baud)
        cdef double wm = 2.0 * math.pi * mark / fs, ws = 2.0 * math.pi * space / fs
        for k in range(self.span):
            self.cos_m[k] = math.cos(wm * k)
            self.sin_m[k] = math.sin(wm * k)
            self.cos_s[k] = math.cos(ws * k)
            self.sin_s[k] = math.sin(ws * k)
        self.gain_m = 1.0 / abs(_response(sections, mark, fs)) ** 2
        self.gain_s = 1.0 / abs(_response(sections, space, fs)) ** 2
        self.delay = <int>round((self.span - 1) / 2.0 + _group_delay(sections, 0.5 * (mark + space), fs))
        self.spb = fs / baud
        self.alpha = 1.0 - math.exp(-1000.0 / (average_ms * fs))
        self.alpha_fast = 1.0 - math.exp(-1000.0 / (1.0 * fs))
        self.floor_on = dbm0_to_rms(min_level_dbm0) ** 2
        self.floor_off = 0.5 * self.floor_on
        self.on_ratio = on_ratio
        self.off_ratio = off_ratio
        self.drop_ratio = drop_ratio
        self.arm = <int>round(arm_ms * fs / 1000.0)
        self.reset()

    def reset(self):
        """Forget everything heard: the next sample is sample 0 again."""
        cdef int i, k
        for i in range(NSEC):
            for k in range(4):
                self.sec_state[i][k] = 0.0
        for k in range(MAXSPAN):
            self.hist[k] = 0.0
        self.pos = 0
        self.n = 0
        self.total = 0.0
        self.band = 0.0
        self.fast = 0.0
        self.prev_d = 0.0
        self.t_edge = 0.0
        self.carrier_on = False
        self.receiving = False
        self.on_for = 0
        self.bit = 0
        self.value = 0
        self.next_at = 0

    @property
    def samples_seen(self):
        """How many samples this demodulator has been given since it was made or reset."""
        return self.n

    @property
    def carrier(self):
        """True while an FSK carrier is present."""
        return bool(self.carrier_on)

    def process(self, samples):
        """Feed int16 samples; return the bytes received in them, oldest first."""
        cdef cnp.ndarray arr = as_pcm16(samples, "FskDemodulator.process")
        cdef const cnp.int16_t[::1] x = arr
        cdef Py_ssize_t count = x.shape[0], i
        # at most one byte per 9.5 bits, so this bounds the output of one call
        cdef cnp.ndarray[cnp.int64_t, ndim=1] starts = np.empty(count // 6 + 2, dtype=np.int64)
        cdef cnp.ndarray[cnp.int32_t, ndim=1] values = np.empty(count // 6 + 2, dtype=np.int32)
        cdef int got = 0
        for i in range(count):
            if self._sample(x[i]):
                starts[got] = <long long>floor(self.t_edge + 0.5) - self.delay
                values[got] = self.value
                got += 1
        return [FskByte(int(values[k]), int(starts[k])) for k in range(got)]

    cdef inline bint _sample(self, cnp.int16_t sample):
        """One sample through the chain; True when it completed a good byte."""
        cdef double xi = sample, v = xi, o, re_m = 0.0, im_m = 0.0, re_s = 0.0, im_s = 0.0, h, d
        cdef int k, j, span = self.span
        cdef long long i
        cdef bint done = False, is_mark
        for k in range(NSEC):
            o = (self.sec[k][0] * v + self.sec[k][1] * self.sec_state[k][0]
                 + self.sec[k][2] * self.sec_state[k][1]
                 - self.sec[k][3] * self.sec_state[k][2] - self.sec[k][4] * self.sec_state[k][3])
            self.sec_state[k][1] = self.sec_state[k][0]
            self.sec_state[k][0] = v
            self.sec_state[k][3] = self.sec_state[k][2]
            self.sec_state[k][2] = o
            v = o
        self.pos = self.pos + 1 if self.pos + 1 < span else 0
        self.hist[self.pos] = v
        j = self.pos
        for k in range(span):  # newest first, lag k
            h = self.hist[j]
            re_m = re_m + h * self.cos_m[k]
            im_m = im_m + h * self.sin_m[k]
            re_s = re_s + h * self.cos_s[k]
            im_s = im_s + h * self.sin_s[k]
            j = j - 1 if j > 0 else span - 1
        d = (re_m * re_m + im_m * im_m) * self.gain_m - (re_s * re_s + im_s * im_s) * self.gain_s

        self.total = self.total + self.alpha * (xi * xi - self.total)
        self.band = self.band + self.alpha * (v * v - self.band)
        self.fast = self.fast + self.alpha_fast * (v * v - self.fast)
        if self.carrier_on:
            if (self.band < self.floor_off or self.band < self.off_ratio * self.total
                    or self.fast < self.drop_ratio * self.band):
                self.carrier_on = False
                self.receiving = False
                self.prev_d = 0.0
        elif self.band > self.floor_on and self.band > self.on_ratio * self.total:
            self.carrier_on = True
            self.on_for = 0
        i = self.n
        self.n += 1
        if not self.carrier_on:
            return False
        if self.on_for < self.arm:
            self.on_for += 1
            self.prev_d = d
            return False
        if not self.receiving:
            if self.prev_d > 0.0 and d <= 0.0:
                self.t_edge = (i - 1) + self.prev_d / (self.prev_d - d)
                self.receiving = True
                self.bit = 0
                self.value = 0
                self.next_at = <long long>floor(self.t_edge + 0.5 * self.spb + 0.5)
        elif i == self.next_at:
            is_mark = d > 0.0
            if self.bit == 0:
                if is_mark:
                    self.receiving = False
            elif self.bit <= 8:
                if is_mark:
                    self.value |= 1 << (self.bit - 1)
            else:
                self.receiving = False
                done = is_mark
            self.bit += 1
            self.next_at = <long long>floor(self.t_edge + (self.bit + 0.5) * self.spb + 0.5)
        self.prev_d = d
        return done
