# cython: language_level=3
"""Call-progress tone detector: dial, ringback, busy, congestion, SIT, fax CNG and CED.

What it does
    Tells what an outgoing call's line is saying, by country: the tone plan comes
    from ``data/progress_tones.toml`` (``dsp_ext.tonesets``), so busy and congestion
    of the same 425 Hz plan are told apart by their cadence alone.

How it works
    Audio is cut into blocks (20 ms by default: 160 samples at 8 kHz, 50 Hz
    resolution). For each block a Goertzel filter measures the power at every
    frequency the plan uses (its own tones plus SIT, CNG and CED), and the block's
    total energy. A sound (one tone's set of frequencies) is "on" in a block when
    the block is above ``min_level_dbm0``, the sound holds at least ``dominance`` of
    the block's energy (so speech, music and noise are not a tone), and each of its
    frequencies holds a fair part of it (``max_twist_db``). Sounds that change for
    less than ``debounce_blocks`` blocks are ignored; the others make segments with
    exact start samples. ``dsp_ext.cadence`` then matches the segments with every
    tone's cadence (with the table's tolerances plus ``slack_ms`` for the block
    quantisation) and reports each tone once, when ``confirm_segments`` segments in
    a row fit (two whole cycles by default), or when a continuous tone has lasted
    ``detect_after_ms``; and again when it ends.

Spec limits (ITU-T E.180, T.30; see docs/dsp/call-progress.md)
    Levels -5 to -35 dBm0 (detects down to ``min_level_dbm0`` = -42 dBm0); works at
    20 dB SNR in white noise; frequency error up to +/-12 Hz (fails from about +/-16 Hz);
    cadence errors within the table's tolerances; SIT segments 330 +/- 70 ms with
    the ITU or Bellcore frequencies; CNG 1100 Hz 0.5 s on / 3 s off (+/-15 %);
    CED 2100 Hz reported after 1 s. Never fires on the speech corpus or on DTMF.

State carries across ``process`` calls: 160-sample frames, random chunks or one
long array give identical events.
"""

import numpy as np

cimport cython
from libc.math cimport cos, M_PI

from .cadence import CadenceTracker, configure
from .pcm import as_pcm16
from .tonesets import MEASUREMENT_SLACK_MS, plan


cdef class ProgressToneDetector:
    """Call-progress tone detector for one channel.

    ``ProgressToneDetector(country="ITU", sample_rate=8000)`` then
    ``process(int16 array) -> list[ProgressEvent]`` as audio arrives, ``reset()``
    between calls. Events are ``dsp_ext.cadence.ProgressEvent(kind, state, sample,
    cadence_ms, decided_at)`` with ``kind`` in dial, ringback, busy, congestion,
    sit, cng, ced and ``state`` "detected" or "ended".
    """

    cdef readonly object config
    cdef object _tracker
    cdef int _block, _debounce, _nfreq, _nalt, _nsound
    cdef double _min_energy, _dominance, _min_share
    cdef double[::1] _coef, _s1, _s2, _share, _ratio
    cdef int[::1] _alt_sound, _alt_first, _alt_len, _alt_freq
    cdef double _energy
    cdef int _fill, _cur, _cand, _cand_count
    cdef long long _pos, _cand_start, _next_check

    def __init__(
        self,
        str country="ITU",
        int sample_rate=8000,
        *,
        double block_ms=20.0,
        double min_level_dbm0=-42.0,
        double dominance=0.7,
        double max_twist_db=8.0,
        int debounce_blocks=2,
        double slack_ms=MEASUREMENT_SLACK_MS,
    ):
        cfg = configure(country, sample_rate, block_ms, min_level_dbm0, dominance,
                        max_twist_db, debounce_blocks, slack_ms)
        self.config = cfg
        self._block = cfg.block
        self._debounce = cfg.debounce_blocks
        self._min_energy = cfg.min_energy
        self._dominance = cfg.dominance
        self._min_share = cfg.min_share
        self._nfreq = len(cfg.freqs_hz)
        self._nalt = len(cfg.alt_sound)
        self._nsound = cfg.n_sounds
        self._coef = np.array([2.0 * cos(2.0 * M_PI * f / sample_rate) for f in cfg.freqs_hz])
        self._s1 = np.zeros(self._nfreq)
        self._s2 = np.zeros(self._nfreq)
        self._share = np.zeros(self._nfreq)
        self._ratio = np.zeros(self._nsound + 1)
        self._alt_sound = np.array(cfg.alt_sound, dtype=np.intc)
        self._alt_len = np.array([len(a) for a in cfg.alt_freqs], dtype=np.intc)
        firsts = [0]
        for a in cfg.alt_freqs:
            firsts.append(firsts[len(firsts) - 1] + len(a))
        self._alt_first = np.array(firsts[:len(cfg.alt_freqs)], dtype=np.intc)
        self._alt_freq = np.array([k for a in cfg.alt_freqs for k in a], dtype=np.intc)
        self._tracker = CadenceTracker(cfg.tones, sample_rate)
        self.reset()

    @property
    def country(self):
        """Plan code in use (e.g. "RU")."""
        return self.config.country

    @property
    def sample_rate(self):
        return self.config.sample_rate

    @property
    def tone_plan(self):
        """The ``dsp_ext.tonesets.TonePlan`` in use."""
        return plan(self.config.country)

    def reset(self):
        """Forget all state, as if newly made."""
        self._s1[:] = 0.0
        self._s2[:] = 0.0
        self._energy = 0.0
        self._fill = 0
        self._pos = 0
        self._cur = 0
        self._cand = 0
        self._cand_count = 0
        self._cand_start = 0
        self._tracker.reset()
        self._next_check = self._tracker.next_check

    def process(self, samples):
        """Feed int16 samples; returns the events decided in them (often none)."""
        cdef const short[::1] x = as_pcm16(samples)
        cdef Py_ssize_t i, n = x.shape[0]
        cdef int k, nfreq = self._nfreq
        cdef double v, s
        cdef double[::1] coef = self._coef, s1 = self._s1, s2 = self._s2
        events = []
        for i in range(n):
            v = x[i]
            self._energy += v * v
            for k in range(nfreq):
                s = v + coef[k] * s1[k] - s2[k]
                s2[k] = s1[k]
                s1[k] = s
            self._fill += 1
            if self._fill == self._block:
                self._end_block(events)
        return events

    cdef int _classify(self):
        """Sound id dominating the block just measured, 0 for none."""
        cdef int k, a, j, sid, best = 0
        cdef double total, best_ratio = 0.0, e = self._energy
        cdef bint ok
        if e < self._min_energy:
            return 0
        for k in range(self._nfreq):
            self._share[k] = 2.0 * (self._s1[k] * self._s1[k] + self._s2[k] * self._s2[k]
                                    - self._coef[k] * self._s1[k] * self._s2[k]) / (self._block * e)
        for sid in range(self._nsound + 1):
            self._ratio[sid] = 0.0
        for a in range(self._nalt):
            total = 0.0
            for j in range(self._alt_first[a], self._alt_first[a] + self._alt_len[a]):
                total += self._share[self._alt_freq[j]]
            ok = True
            for j in range(self._alt_first[a], self._alt_first[a] + self._alt_len[a]):
                if self._share[self._alt_freq[j]] < self._min_share * total:
                    ok = False
            sid = self._alt_sound[a]
            if ok and total > self._ratio[sid]:
                self._ratio[sid] = total
        for sid in range(1, self._nsound + 1):
            if self._ratio[sid] >= self._dominance and self._ratio[sid] > best_ratio:
                best = sid
                best_ratio = self._ratio[sid]
        return best

    cdef void _end_block(self, list events):
        cdef int sym = self._classify()
        cdef long long start = self._pos, end = self._pos + self._block, known_end
        # Debounce: a new sound counts once it has held for debounce_blocks blocks,
        # and then from the block where it first appeared.
        if sym == self._cur:
            self._cand_count = 0
        elif self._cand_count > 0 and sym == self._cand:
            self._cand_count += 1
        else:
            self._cand = sym
            self._cand_start = start
            self._cand_count = 1
        if self._cand_count >= self._debounce:
            events.extend(self._tracker.boundary(self._cand_start, self._cand, end))
            self._cur = self._cand
            self._cand_count = 0
            self._next_check = self._tracker.next_check
        known_end = self._cand_start if self._cand_count > 0 else end
        if known_end >= self._next_check:
            events.extend(self._tracker.tick(known_end, end))
            self._next_check = self._tracker.next_check
        self._s1[:] = 0.0
        self._s2[:] = 0.0
        self._energy = 0.0
        self._fill = 0
        self._pos = end
