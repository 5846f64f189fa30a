# distutils: extra_compile_args = -ffp-contract=off
# cython: annotation_typing=False
"""Voice activity detector: is the caller speaking, and for how long have they not been?

What it does
    Splits 16-bit PCM into frames of ``frame_ms`` and reports transitions between
    speech and silence as ``VadEvent(kind, start)`` (``start`` = first sample of the
    new state, counted from the first sample seen since construction or ``reset()``).
    The call engine reads ``silence_samples`` to end calls where the caller cannot be
    heard.

How it works (per frame of N samples)
    * ``level`` = 10·log10(Σx²/N) in dBm0; ``smooth`` the same over ``smooth_ms``;
      ``tilt`` = 10·log10(Σ(Δx)²/Σx²), a one-multiply spectral feature (≈ +3 dB white
      noise, ≤ −10 dB voiced speech, ≈ +5 dB fricatives, ≈ −20 dB mains hum).
    * Noise floor = minimum of ``smooth``: falls at once, rises at most
      ``floor_rise_db_per_s``.
    * Stationary = the standard deviations of ``level`` and ``tilt`` over the last
      ``stationary_ms`` are below ``stationary_level_db`` and ``stationary_tilt_db``: a
      tone, hum or steady noise. Never speech; the floor jumps to the lowest
      ``smooth`` of the window, so a steady tone that appears mid-call is absorbed
      after ``stationary_ms`` (then ``hangover_ms`` later the silence event comes).
    * Active frame = ``smooth`` at least ``margin_db`` above the floor and above
      ``min_level_dbm0``, and not stationary. ``onset_ms`` of consecutive active frames
      start speech (dated back to the first); ``hangover_ms`` without one ends it
      (dated back to the end of the last active frame).
    * The first ``startup_ms`` are silence whatever they hold: the floor is learnt.

Limits (levels per ``dsp_ext.levels``: full-scale sine = +3.14 dBm0), each tested in
``tests/conformance/test_vad_behaviour.py``:
    * Silent caller on a noisy line — white, pink (1/f above 20 Hz), 50 Hz hum with
      harmonics, at −50 … −30 dBm0 — gives no speech event in 30 s.
    * Quiet speech at −35 … −30 dBm0 (active level) over a −55 dBm0 floor is found.
    * Speech at 10 dB SNR in white, pink or hum noise is found (≥ 90 % of its active
      frames on average).
    * A continuous 425 Hz tone is never speech; one that starts mid-stream is speech
      for at most ``stationary_ms``.

Results do not depend on how the input is split into calls, and equal those of the
NumPy reference ``dsp_ext.reference.vad`` frame for frame.
"""

import math
from typing import NamedTuple

import numpy as np

from libc.math cimport log10
from libc.stdint cimport int16_t

from dsp_ext.levels import RMS_0DBM0
from dsp_ext.pcm import as_pcm16
from dsp_ext.vad_params import SAMPLE_RATES, check_params, frame_count

# dB of the PCM mean square of a 0 dBm0 signal: level_dbm0 = 10·log10(ms) − REF_DB.
REF_DB = 20.0 * math.log10(RMS_0DBM0)
cdef double _REF_DB = REF_DB

# What _frame() reports.
cdef enum:
    NO_EVENT = 0
    SPEECH_STARTS = 1
    SILENCE_STARTS = 2


class VadEvent(NamedTuple):
    """A transition: ``kind`` is "speech" or "silence"; ``start`` its first sample."""

    kind: str
    start: int


_frame_count = frame_count
_check_params = check_params


cdef class VoiceActivityDetector:
    """Speech/silence detector for one channel of 16-bit PCM.

    ``process(samples)`` takes a 1-D int16 array of any length (state carries over)
    and returns the ``VadEvent`` transitions decided by the frames it completed.
    ``speaking``, ``noise_floor_dbm0`` (NaN before the first frame) and
    ``silence_samples`` (samples since the current silence began, 0 while speaking,
    counted to the end of the last whole frame) describe the present state.
    """

    def __init__(
        self,
        sample_rate: int = 8000,
        frame_ms: float = 10.0,
        hangover_ms: float = 300.0,
        onset_ms: float = 30.0,
        margin_db: float = 4.0,
        min_level_dbm0: float = -55.0,
        startup_ms: float = 200.0,
        smooth_ms: float = 40.0,
        floor_rise_db_per_s: float = 2.0,
        stationary_ms: float = 500.0,
        stationary_level_db: float = 2.5,
        stationary_tilt_db: float = 3.0,
    ):
        params = dict(
            hangover_ms=hangover_ms, onset_ms=onset_ms, margin_db=margin_db,
            min_level_dbm0=min_level_dbm0, startup_ms=startup_ms, smooth_ms=smooth_ms,
            floor_rise_db_per_s=floor_rise_db_per_s, stationary_ms=stationary_ms,
            stationary_level_db=stationary_level_db, stationary_tilt_db=stationary_tilt_db,
        )
        n = _check_params(sample_rate, frame_ms, params)
        self.sample_rate = sample_rate
        self.frame_len = n
        self.hangover_frames = _frame_count(hangover_ms, n, sample_rate)
        self.onset_frames = _frame_count(onset_ms, n, sample_rate)
        self.startup_frames = _frame_count(startup_ms, n, sample_rate)
        self.smooth_frames = _frame_count(smooth_ms, n, sample_rate)
        self.window_frames = max(2, _frame_count(stationary_ms, n, sample_rate))
        self.margin_db = float(margin_db)
        self.min_level_dbm0 = float(min_level_dbm0)
        # Same expressions as the reference, so the doubles are bit-identical.
        self.rise_db = float(floor_rise_db_per_s) * n / sample_rate
        self.stat_level_var = float(stationary_level_db) * float(stationary_level_db)
        self.stat_tilt_var = float(stationary_tilt_db) * float(stationary_tilt_db)
        self._energies = np.zeros(self.smooth_frames, dtype=np.int64)
        self._levels = np.zeros(self.window_frames)
        self._tilts = np.zeros(self.window_frames)
        self._smooths = np.zeros(self.window_frames)
        self.reset()

    def reset(self) -> None:
        """Forget everything: back to start-up, silence from sample 0."""
        self._energies[:] = 0
        self._levels[:] = 0.0
        self._tilts[:] = 0.0
        self._smooths[:] = 0.0
        self._acc_energy = 0
        self._acc_diff = 0
        self._pos = 0
        self._prev = 0
        self._frames = 0
        self._floor = math.nan
        self._speaking = False
        self._run = 0
        self._quiet = 0
        self._silence_start = 0
        self._event_start = 0

    @property
    def speaking(self) -> bool:
        """True while the caller is speaking (including the hangover)."""
        return self._speaking

    @property
    def noise_floor_dbm0(self) -> float:
        """The current noise floor estimate in dBm0 (NaN before the first frame)."""
        return self._floor

    @property
    def silence_samples(self) -> int:
        """Length of the current silence run in samples; 0 while speaking."""
        if self._speaking:
            return 0
        return self._frames * self.frame_len - self._silence_start

    def process(self, samples) -> list:
        """Feed a 1-D int16 array; return the transitions its completed frames decided."""
        samples = as_pcm16(samples, "VoiceActivityDetector.process")
        cdef const int16_t[:] x = samples
        cdef Py_ssize_t i, count = x.shape[0]
        cdef int s, d, what
        events = []
        for i in range(count):
            s = x[i]
            d = s - self._prev
            self._prev = s
            self._acc_energy += s * s
            self._acc_diff += <long long>d * d  # |d| reaches 65535: d² overflows int
            self._pos += 1
            if self._pos == self.frame_len:
                what = self._frame(self._acc_energy, self._acc_diff)
                self._acc_energy = 0
                self._acc_diff = 0
                self._pos = 0
                if what == SPEECH_STARTS:
                    events.append(VadEvent("speech", self._event_start))
                elif what == SILENCE_STARTS:
                    events.append(VadEvent("silence", self._event_start))
        return events

    cdef int _frame(self, long long energy, long long diff_energy) noexcept:
        cdef int n = self.frame_len
        cdef long long k = self._frames
        cdef int w = self.window_frames
        cdef long long total = 0
        cdef long long seen
        cdef int i
        cdef double level, tilt, smooth, raised, low
        cdef bint stationary, active
        self._frames += 1
        level = 10.0 * log10(<double>(energy if energy > 1 else 1) / <double>n) - _REF_DB
        tilt = 10.0 * log10(<double>(diff_energy + 1) / <double>(energy + 1))
        self._energies[k % self.smooth_frames] = energy
        for i in range(self.smooth_frames):
            total += self._energies[i]
        seen = k + 1 if k + 1 < self.smooth_frames else self.smooth_frames
        smooth = 10.0 * log10(<double>(total if total > 1 else 1) / <double>(seen * n)) - _REF_DB
        self._levels[k % w] = level
        self._tilts[k % w] = tilt
        self._smooths[k % w] = smooth

        if k == 0 or smooth < self._floor:
            self._floor = smooth  # falls at once
        else:
            raised = self._floor + self.rise_db
            self._floor = smooth if smooth < raised else raised
        stationary = k + 1 >= w and self._is_stationary()
        if stationary:
            low = self._smooths[0]
            for i in range(1, w):
                if self._smooths[i] < low:
                    low = self._smooths[i]
            if low > self._floor:
                self._floor = low  # a steady tone or noise becomes the floor at once
        active = (
            k >= self.startup_frames
            and not stationary
            and smooth > self._floor + self.margin_db
            and smooth > self.min_level_dbm0
        )
        return self._decide(active, k)

    cdef bint _is_stationary(self) noexcept:
        # Summed in slot order, exactly as the reference does, for identical doubles.
        cdef int i, w = self.window_frames
        cdef double mean_l = 0.0, mean_t = 0.0, var_l = 0.0, var_t = 0.0, d
        for i in range(w):
            mean_l += self._levels[i]
            mean_t += self._tilts[i]
        mean_l /= w
        mean_t /= w
        for i in range(w):
            d = self._levels[i] - mean_l
            var_l += d * d
            d = self._tilts[i] - mean_t
            var_t += d * d
        return var_l / w < self.stat_level_var and var_t / w < self.stat_tilt_var

    cdef int _decide(self, bint active, long long k) noexcept:
        cdef int n = self.frame_len
        if not self._speaking:
            self._run = self._run + 1 if active else 0
            if self._run >= self.onset_frames:
                self._speaking = True
                self._quiet = 0
                self._event_start = (k + 1 - self._run) * n
                return SPEECH_STARTS
            return NO_EVENT
        if active:
            self._quiet = 0
            return NO_EVENT
        self._quiet += 1
        if self._quiet >= self.hangover_frames:
            self._speaking = False
            self._run = 0
            self._silence_start = (k + 1 - self._quiet) * n
            self._event_start = self._silence_start
            return SILENCE_STARTS
        return NO_EVENT
