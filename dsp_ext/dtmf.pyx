# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""DTMF receiver (ITU-T Q.23 signalling, Q.24 reception limits).

What it meets (each clause has a test in ``tests/conformance/test_dtmf_q24.py``):

* all 16 digits at 0 to −25 dBm0 per tone; frequency error up to ±1.5 % accepted,
  ±3.5 % or more rejected, on either group; a single frequency alone rejected;
* tones of 40 ms with 40 ms pauses accepted, tones of 23 ms or less rejected; a long
  press is one digit, repeated presses separate digits;
* twist up to 8 dB (low group louder) and 4 dB reverse (high group louder);
* 15 dB signal-to-noise ratio of white noise;
* no digit from dial, ringback, busy or congestion tones, and none from speech
  (the talk-off corpus in ``tests/conformance/test_dtmf_talkoff.py``).

How it works. The input is cut into hops of 34 samples (4.25 ms at 8 kHz). For each
hop the eight DTMF frequencies are correlated with the samples (complex sums, a
fixed table: the loop vectorises), and the hop's energy is summed. Every hop, the
last three hops form a 102-sample block whose rectangular DFT at each frequency is
the twiddled sum of the three partial sums — so no sample is correlated twice.

A block is a *candidate* when the strongest row and column tones are both above the
level floor, roughly balanced, and hold a good share of the block's energy. Only
candidates (rare in speech, silence and noise) get the careful look: a Hann-weighted
DFT at the two tones, whose phase advance against the block one hop earlier gives
each tone's true frequency to within a hertz or two. With that, the tone powers
are corrected for the window's response, and the block is a *hit* when the two
tones hold at least ``tone_ratio`` of its power, the twist is within limits, each
tone is within ``block_deviation`` of nominal, and the column tone has no second
harmonic (pure tones don't; voiced speech does).

A digit is a run of hits of one digit, tolerating up to ``max_misses`` blocks that
are not (drop-outs, noise); it counts when the run has ``min_hits`` hits and the
frequency error averaged over the run is within ``max_deviation`` (2.5 %, midway
between Q.24's 1.5 % accept and 3.5 % reject). Averaging over the whole tone is
what lets a 697 Hz tone 3.5 % off (24 Hz) be told from one 1.5 % off (10 Hz).

Start and end samples are estimates to within a few milliseconds, counted from the
first sample this detector saw. A digit is reported when it ends (or at
:meth:`DtmfDetector.flush`); :attr:`DtmfDetector.current` names a digit that is
being held and has already counted, for barge-in.
"""

from collections import namedtuple

import numpy as np

cimport numpy as cnp
from libc.math cimport atan2, cos, sin, sqrt, M_PI, log10, fabs, round as cround
from libc.stdlib cimport malloc, free
from libc.string cimport memmove, memset

from .dtmf_params import DtmfParams
from .dtmf_table import COL_HZ, KEYPAD, ROW_HZ
from .levels import dbm0_to_rms
from .pcm import as_pcm16

cnp.import_array()

# The one loop every sample goes through: correlate one hop with the eight tones
# (cos and -sin each) and sum its energy. GCC/Clang generic vectors keep the
# sixteen accumulators in four registers (SSE on x86, NEON on the Pi's ARM cores)
# without -ffast-math, so results are the same on every build.
cdef extern from *:
    """
    typedef float hotline_v4f __attribute__((vector_size(16)));
    static inline float hotline_correlate_hop(const float *x, int n, const float *tab, float *acc)
    {
        hotline_v4f a0 = {0, 0, 0, 0}, a1 = a0, a2 = a0, a3 = a0, vv, t0, t1, t2, t3;
        float e = 0.0f;
        for (int k = 0; k < n; k++) {
            float v = x[k];
            const float *t = tab + 16 * k;
            vv = (hotline_v4f){v, v, v, v};
            __builtin_memcpy(&t0, t, 16);
            __builtin_memcpy(&t1, t + 4, 16);
            __builtin_memcpy(&t2, t + 8, 16);
            __builtin_memcpy(&t3, t + 12, 16);
            a0 += vv * t0;
            a1 += vv * t1;
            a2 += vv * t2;
            a3 += vv * t3;
            e += v * v;
        }
        __builtin_memcpy(acc, &a0, 16);
        __builtin_memcpy(acc + 4, &a1, 16);
        __builtin_memcpy(acc + 8, &a2, 16);
        __builtin_memcpy(acc + 12, &a3, 16);
        return e;
    }

    /* One Hann-weighted block against one row, one column and the column's second
       harmonic (tab: 8 floats a sample); returns the sum of (hann * x)^2. */
    static inline float hotline_correlate_block(const float *x, int n, const float *tab,
                                                const float *hann2, float *acc)
    {
        hotline_v4f a0 = {0, 0, 0, 0}, a1 = a0, ev = a0, vv, t0, t1, h4;
        float e = 0.0f;
        int k;
        for (k = 0; k < n; k++) {
            float v = x[k];
            vv = (hotline_v4f){v, v, v, v};
            __builtin_memcpy(&t0, tab + 8 * k, 16);
            __builtin_memcpy(&t1, tab + 8 * k + 4, 16);
            a0 += vv * t0;
            a1 += vv * t1;
        }
        /* the weighted energy four samples at a time: no serial chain of adds */
        for (k = 0; k + 4 <= n; k += 4) {
            __builtin_memcpy(&vv, x + k, 16);
            __builtin_memcpy(&h4, hann2 + k, 16);
            ev += h4 * vv * vv;
        }
        for (; k < n; k++)
            e += hann2[k] * x[k] * x[k];
        __builtin_memcpy(acc, &a0, 16);
        __builtin_memcpy(acc + 4, &a1, 16);
        return e + (ev[0] + ev[1]) + (ev[2] + ev[3]);
    }
    """
    float correlate_block "hotline_correlate_block" (const float* x, int n, const float* tab, const float* hann2, float* acc) nogil
    float correlate_hop "hotline_correlate_hop" (const float* x, int n, const float* tab, float* acc) nogil

DtmfEvent = namedtuple("DtmfEvent", "digit start end")
DtmfEvent.__doc__ = "One DTMF digit: the key, its first sample and the sample after its last."

cdef enum:
    NF = 8          # DTMF frequencies: 4 rows then 4 columns
    NACC = 16       # real and imaginary accumulator per frequency
    BUF_HOPS = 64   # sample buffer size, in hops (plus the 4 of history)
cdef double RESP_STEP = 0.25  # Hz per entry of the Hann response table

cdef class DtmfDetector:
    """Stateful DTMF receiver for one channel.

    ``DtmfDetector(sample_rate=8000).process(int16 array)`` returns the list of
    :class:`DtmfEvent` that ended within the samples given; state carries across
    calls, so 20 ms frames and one long array give identical events.
    """

    cdef readonly int sample_rate
    cdef readonly int hop
    cdef readonly int block
    cdef readonly object params
    # correlation table for one hop: [k * NACC + 2*i] = cos, [.. + 1] = -sin
    cdef float* sub_tab
    cdef double freq[NF]
    cdef double tw_re[NF]
    cdef double tw_im[NF]
    cdef double tw2_re[NF]
    cdef double tw2_im[NF]
    # the last three hops' partial sums and energies, oldest first
    cdef double hist_re[3][NF]
    cdef double hist_im[3][NF]
    cdef double hist_e[3]
    cdef long long n_hops      # hops completed, counting the silent one before the start
    # samples: the last 4 hops kept as history, then the hop being filled
    cdef float* buf
    cdef int cap
    cdef int fill
    cdef int pending
    # Hann window, its square, and for each (row, column) pair the Hann-weighted
    # cos/-sin of the row, the column and the column's second harmonic
    cdef double* hann
    cdef float* hann2
    cdef float* blk_tab
    cdef double hann_sum
    cdef double hann2_sum
    cdef double* resp
    cdef int resp_len
    # thresholds, pre-computed
    cdef double min_ms
    cdef double lo_twist
    cdef double hi_twist
    cdef double harm
    cdef double coarse_ratio
    cdef double tone_ratio
    cdef double block_dev
    cdef double max_dev
    cdef int min_hits
    cdef int max_misses
    cdef int start_offset
    cdef int end_offset
    # the digit being received
    cdef int cur_digit          # -1 when none: else row * 4 + col
    cdef int cur_hits
    cdef int cur_misses
    cdef long long cur_first
    cdef long long cur_last
    cdef double acc_r_re, acc_r_im, acc_c_re, acc_c_im
    cdef int cur_counted        # already long and accurate enough (for ``current``)

    def __cinit__(self):
        self.sub_tab = NULL
        self.buf = NULL
        self.hann = NULL
        self.hann2 = NULL
        self.blk_tab = NULL
        self.resp = NULL

    def __init__(self, int sample_rate=8000, params=None):
        if sample_rate < 8000 or sample_rate > 48000:
            raise ValueError(
                f"DtmfDetector: sample_rate {sample_rate} Hz is not supported "
                "(expected 8000 to 48000 Hz)")
        p = DtmfParams() if params is None else params
        if not isinstance(p, DtmfParams):
            raise TypeError(f"DtmfDetector: params must be a DtmfParams, not {type(p).__name__}")
        self.params = p
        self.sample_rate = sample_rate
        self.hop = <int>cround(34.0 * sample_rate / 8000.0)
        self.block = 3 * self.hop
        self.min_ms = dbm0_to_rms(p.min_level_dbm0) ** 2
        self.lo_twist = 10.0 ** (-p.reverse_twist_db / 10.0)
        self.hi_twist = 10.0 ** (p.normal_twist_db / 10.0)
        self.harm = 10.0 ** (-p.harmonic_db / 10.0)
        self.coarse_ratio = p.coarse_ratio
        self.tone_ratio = p.tone_ratio
        self.block_dev = p.block_deviation
        self.max_dev = p.max_deviation
        self.min_hits = p.min_hits
        self.max_misses = p.max_misses
        self.start_offset = <int>cround(12.0 * sample_rate / 8000.0)
        self.end_offset = <int>cround(12.0 * sample_rate / 8000.0)
        self._build_tables()
        self.reset()

    def __dealloc__(self):
        free(self.sub_tab)
        free(self.buf)
        free(self.hann)
        free(self.hann2)
        free(self.blk_tab)
        free(self.resp)

    cdef _build_tables(self):
        cdef int hop = self.hop, n = self.block, i, k
        cdef double fs = self.sample_rate, f, w
        freqs = ROW_HZ + COL_HZ
        self.sub_tab = <float*>malloc(hop * NACC * sizeof(float))
        self.cap = (4 + BUF_HOPS) * hop
        self.buf = <float*>malloc(self.cap * sizeof(float))
        self.hann = <double*>malloc(n * sizeof(double))
        self.hann2 = <float*>malloc(n * sizeof(float))
        self.blk_tab = <float*>malloc(16 * n * 8 * sizeof(float))
        if (self.sub_tab == NULL or self.buf == NULL or self.hann == NULL
                or self.hann2 == NULL or self.blk_tab == NULL):
            raise MemoryError()
        for i in range(NF):
            self.freq[i] = freqs[i]
            w = 2.0 * M_PI * freqs[i] / fs
            for k in range(hop):
                self.sub_tab[k * NACC + 2 * i] = <float>cos(w * k)
                self.sub_tab[k * NACC + 2 * i + 1] = <float>(-sin(w * k))
            self.tw_re[i] = cos(w * hop)
            self.tw_im[i] = -sin(w * hop)
            self.tw2_re[i] = cos(2.0 * w * hop)
            self.tw2_im[i] = -sin(2.0 * w * hop)
        self.hann_sum = 0.0
        self.hann2_sum = 0.0
        for k in range(n):
            self.hann[k] = 0.5 - 0.5 * cos(2.0 * M_PI * (k + 0.5) / n)
            self.hann2[k] = <float>(self.hann[k] * self.hann[k])
            self.hann_sum += self.hann[k]
            self.hann2_sum += self.hann[k] * self.hann[k]
        cdef int r, c, j
        cdef double ws[3]
        cdef float* t
        for r in range(4):
            for c in range(4):
                ws[0] = 2.0 * M_PI * ROW_HZ[r] / fs
                ws[1] = 2.0 * M_PI * COL_HZ[c] / fs
                ws[2] = 2.0 * ws[1]
                t = self.blk_tab + (r * 4 + c) * n * 8
                for k in range(n):
                    for j in range(3):
                        t[8 * k + 2 * j] = <float>(self.hann[k] * cos(ws[j] * k))
                        t[8 * k + 2 * j + 1] = <float>(-self.hann[k] * sin(ws[j] * k))
                    t[8 * k + 6] = 0.0
                    t[8 * k + 7] = 0.0
        # |Hann-weighted DFT| a given number of hertz off its bin, relative to on it
        cdef double limit = self.block_dev * COL_HZ[3] * 1.05 + 1.0, re, im
        self.resp_len = <int>(limit / RESP_STEP) + 2
        self.resp = <double*>malloc(self.resp_len * sizeof(double))
        if self.resp == NULL:
            raise MemoryError()
        for i in range(self.resp_len):
            w = 2.0 * M_PI * i * RESP_STEP / fs
            re = 0.0
            im = 0.0
            for k in range(n):
                re += self.hann[k] * cos(w * k)
                im += self.hann[k] * sin(w * k)
            self.resp[i] = sqrt(re * re + im * im) / self.hann_sum

    def reset(self):
        """Forget everything heard: the next sample is sample 0 again."""
        memset(self.buf, 0, self.cap * sizeof(float))
        memset(self.hist_re, 0, sizeof(self.hist_re))
        memset(self.hist_im, 0, sizeof(self.hist_im))
        memset(self.hist_e, 0, sizeof(self.hist_e))
        # One silent hop stands before the first sample, so the first block has a predecessor.
        self.fill = self.hop
        self.pending = 0
        self.n_hops = 1
        self.cur_digit = -1
        self.cur_counted = 0
        self.cache_block = -1

    @property
    def current(self):
        """The digit being held right now if it already counts (for barge-in), else None."""
        if self.cur_digit >= 0 and self.cur_counted and self.cur_misses == 0:
            return KEYPAD[self.cur_digit // 4][self.cur_digit % 4]
        return None

    @property
    def samples_seen(self):
        """How many samples this detector has been given since it was made or reset."""
        return (self.n_hops - 1) * self.hop + self.pending

    def process(self, samples):
        """Feed int16 samples; return the digits that ended in them, oldest first."""
        cdef cnp.ndarray arr = as_pcm16(samples, "DtmfDetector.process")
        cdef const cnp.int16_t[::1] x = arr
        cdef Py_ssize_t n = x.shape[0], i = 0, j, take
        cdef float* dst
        events = []
        while i < n:
            take = min(n - i, self.hop - self.pending)
            dst = self.buf + self.fill
            for j in range(take):
                dst[j] = x[i + j]
            self.fill += take
            self.pending += take
            i += take
            if self.pending == self.hop:
                self._hop_done(events)
        return events

    def flush(self):
        """End of input: report a digit still sounding as ending here, and return it."""
        events = []
        if self.cur_digit >= 0:
            self._close(events)
        return events

    cdef void _hop_done(self, list events):
        cdef int hop = self.hop, i, k
        cdef float acc[NACC]
        cdef float e = correlate_hop(self.buf + self.fill - hop, hop, self.sub_tab, acc)
        for k in range(2):
            for i in range(NF):
                self.hist_re[k][i] = self.hist_re[k + 1][i]
                self.hist_im[k][i] = self.hist_im[k + 1][i]
            self.hist_e[k] = self.hist_e[k + 1]
        for i in range(NF):
            self.hist_re[2][i] = acc[2 * i]
            self.hist_im[2][i] = acc[2 * i + 1]
        self.hist_e[2] = e
        self.n_hops += 1
        self.pending = 0
        if self.n_hops >= 4:
            self._block_done(events)
        if self.fill + hop > self.cap:
            memmove(self.buf, self.buf + self.fill - 4 * hop, 4 * hop * sizeof(float))
            self.fill = 4 * hop

    cdef void _block_done(self, list events):
        cdef int i, r = 0, c = 0, hit
        cdef double power[NF], re, im, e_win, pr, pc
        cdef double n2 = 2.0 / self.block
        cdef long long start = (self.n_hops - 4) * self.hop  # block start, caller's numbering
        for i in range(NF):
            re = (self.hist_re[0][i]
                  + self.hist_re[1][i] * self.tw_re[i] - self.hist_im[1][i] * self.tw_im[i]
                  + self.hist_re[2][i] * self.tw2_re[i] - self.hist_im[2][i] * self.tw2_im[i])
            im = (self.hist_im[0][i]
                  + self.hist_re[1][i] * self.tw_im[i] + self.hist_im[1][i] * self.tw_re[i]
                  + self.hist_re[2][i] * self.tw2_im[i] + self.hist_im[2][i] * self.tw2_re[i])
            power[i] = (re * re + im * im) * n2
        for i in range(1, 4):
            if power[i] > power[r]:
                r = i
        for i in range(5, 8):
            if power[i] > power[4 + c]:
                c = i - 4
        pr = power[r]
        pc = power[4 + c]
        e_win = self.hist_e[0] + self.hist_e[1] + self.hist_e[2]
        hit = 0
        cdef double floor_ = self.min_ms * self.block * 0.5
        if (pr >= floor_ and pc >= floor_ and pr + pc >= self.coarse_ratio * e_win
                and pr >= self.lo_twist * 0.5 * pc and pr <= self.hi_twist * 2.0 * pc):
            hit = self._refine(r, c)
        if self.cur_digit >= 0:
            if hit and r * 4 + c == self.cur_digit:
                self.cur_hits += 1
                self.cur_misses = 0
                self.cur_last = start
                self.acc_r_re += self.last_r_re
                self.acc_r_im += self.last_r_im
                self.acc_c_re += self.last_c_re
                self.acc_c_im += self.last_c_im
                if self.cur_hits >= self.min_hits and self._deviation_ok(self.cur_digit):
                    self.cur_counted = 1
                return
            self.cur_misses += 1
            if self.cur_misses <= self.max_misses:
                return
            self._close(events)
        if hit:
            self.cur_digit = r * 4 + c
            self.cur_hits = 1
            self.cur_misses = 0
            self.cur_first = start
            self.cur_last = start
            self.cur_counted = 0
            self.acc_r_re = self.last_r_re
            self.acc_r_im = self.last_r_im
            self.acc_c_re = self.last_c_re
            self.acc_c_im = self.last_c_im

    # The refined look's phase-advance products, kept for the run's average, and
    # the last block's tone correlations, reused as the next block's predecessor.
    cdef double last_r_re, last_r_im, last_c_re, last_c_im
    cdef float cache[4]
    cdef long long cache_block
    cdef int cache_pair

    cdef inline double _response(self, double delta_hz):
        cdef double pos = fabs(delta_hz) / RESP_STEP
        cdef int i = <int>pos
        if i >= self.resp_len - 1:
            return self.resp[self.resp_len - 1]
        return self.resp[i] + (self.resp[i + 1] - self.resp[i]) * (pos - i)

    cdef int _refine(self, int r, int c):
        cdef int hop = self.hop, n = self.block
        cdef const float* seg = self.buf + self.fill - 3 * hop
        cdef const float* tab = self.blk_tab + (r * 4 + c) * n * 8
        cdef float acc[8]
        cdef float prev[8]
        cdef double a_re, a_im, dr, dc, tr, tc, t2, mean_sq, wr, wc
        cdef double fr = self.freq[r], fc = self.freq[4 + c]
        cdef double scale = self.sample_rate / (2.0 * M_PI * hop)
        cdef double norm = 2.0 / (self.hann_sum * self.hann_sum)
        cdef int i
        mean_sq = correlate_block(seg, n, tab, self.hann2, acc) / self.hann2_sum
        # The block one hop earlier: usually its look was just taken.
        if self.cache_block == self.n_hops - 1 and self.cache_pair == r * 4 + c:
            for i in range(4):
                prev[i] = self.cache[i]
        else:
            correlate_block(seg - hop, n, tab, self.hann2, prev)
        for i in range(4):
            self.cache[i] = acc[i]
        self.cache_block = self.n_hops
        self.cache_pair = r * 4 + c
        # h * conj(prev) / (nominal advance): its angle is the frequency error's phase
        a_re = acc[0] * prev[0] + acc[1] * prev[1]
        a_im = acc[1] * prev[0] - acc[0] * prev[1]
        self.last_r_re = a_re * self.tw_re[r] - a_im * self.tw_im[r]
        self.last_r_im = a_re * self.tw_im[r] + a_im * self.tw_re[r]
        a_re = acc[2] * prev[2] + acc[3] * prev[3]
        a_im = acc[3] * prev[2] - acc[2] * prev[3]
        self.last_c_re = a_re * self.tw_re[4 + c] - a_im * self.tw_im[4 + c]
        self.last_c_im = a_re * self.tw_im[4 + c] + a_im * self.tw_re[4 + c]
        dr = atan2(self.last_r_im, self.last_r_re) * scale
        dc = atan2(self.last_c_im, self.last_c_re) * scale
        if fabs(dr) > self.block_dev * fr or fabs(dc) > self.block_dev * fc:
            return 0
        wr = self._response(dr)
        wc = self._response(dc)
        tr = (<double>acc[0] * acc[0] + <double>acc[1] * acc[1]) * norm / (wr * wr)
        tc = (<double>acc[2] * acc[2] + <double>acc[3] * acc[3]) * norm / (wc * wc)
        if tr < self.min_ms or tc < self.min_ms:
            return 0
        if tr < self.lo_twist * tc or tr > self.hi_twist * tc:
            return 0
        if tr + tc < self.tone_ratio * mean_sq:
            return 0
        # The row's second harmonic (1394-1882 Hz) can sit inside the column tone's
        # main lobe, so only the column's (2418-3266 Hz, always clear) is checked.
        t2 = (<double>acc[4] * acc[4] + <double>acc[5] * acc[5]) * norm
        if t2 > self.harm * tc:
            return 0
        return 1

    cdef int _deviation_ok(self, int digit):
        cdef double scale = self.sample_rate / (2.0 * M_PI * self.hop)
        cdef int r = digit // 4, c = digit % 4
        cdef double dr = atan2(self.acc_r_im, self.acc_r_re) * scale
        cdef double dc = atan2(self.acc_c_im, self.acc_c_re) * scale
        return fabs(dr) <= self.max_dev * self.freq[r] and fabs(dc) <= self.max_dev * self.freq[4 + c]

    cdef void _close(self, list events):
        cdef int d = self.cur_digit
        self.cur_digit = -1
        if self.cur_hits >= self.min_hits and self._deviation_ok(d):
            events.append(DtmfEvent(
                KEYPAD[d // 4][d % 4],
                self.cur_first + self.start_offset,
                self.cur_last + self.block - self.end_offset,
            ))
