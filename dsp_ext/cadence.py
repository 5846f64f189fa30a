"""Cadence matching for call-progress tones: shared by the Cython kernel and its reference.

The block analysis (``progress.pyx``, or ``reference/progress.py``) turns audio into
a sequence of *segments*: runs of one sound (a set of frequencies of the plan) or of
no tone at all, with exact start samples. This module is what happens next, and it is
plain Python on purpose: it runs a few times a second, not per sample.

* :func:`configure` compiles a country plan into what the block analysis needs
  (frequencies, sounds) and cadence windows in samples.
* :class:`CadenceTracker` takes segment boundaries and, between them, the time the
  current segment has lasted, and matches every tone's cadence: a cadenced tone is
  reported once ``confirm_segments`` consecutive segments fit its steps (any phase),
  a continuous tone once it has lasted ``detect_after_ms``. It reports the end when
  a segment breaks the cadence (or a continuous tone stops).
"""

from __future__ import annotations

from dataclasses import dataclass

from .levels import dbm0_to_rms
from .tonesets import MEASUREMENT_SLACK_MS, plan

SUPPORTED_RATES = (8000, 16000)
DETECTED = "detected"
ENDED = "ended"
#: "No check pending" for ``CadenceTracker.next_check``.
NEVER = 1 << 62


@dataclass(frozen=True)
class ProgressEvent:
    """A call-progress tone was recognised, or stopped.

    ``sample`` is where the tone began (``detected``) or where its cadence broke
    (``ended``), counted from the first sample given to the detector;
    ``decided_at`` is the sample at which the detector decided it (the event's
    latency is ``decided_at - sample``). ``cadence_ms`` is the measured on/off
    durations of the last cadence period (in step order), or the duration so far
    of a continuous tone.
    """

    kind: str
    state: str
    sample: int
    cadence_ms: tuple[int, ...]
    decided_at: int


@dataclass(frozen=True)
class CompiledStep:
    sound: int  # 0 = no tone
    lo: int  # shortest accepted duration, samples
    hi: int  # longest accepted duration, samples


@dataclass(frozen=True)
class CompiledTone:
    kind: str
    steps: tuple[CompiledStep, ...]
    continuous: bool
    detect_after: int  # samples, continuous tones
    confirm: int  # segments, cadenced tones


@dataclass(frozen=True)
class DetectorConfig:
    """Everything both detector implementations need, checked once."""

    country: str
    sample_rate: int
    block: int  # samples per analysis block
    debounce_blocks: int
    min_energy: float  # sum of squares of a block below which it is silent
    dominance: float  # share of block energy the sound must hold
    min_share: float  # share of the sound each of its frequencies must hold
    freqs_hz: tuple[float, ...]
    alt_sound: tuple[int, ...]  # per alternative: its sound id (1-based)
    alt_freqs: tuple[tuple[int, ...], ...]  # per alternative: indexes into freqs_hz
    n_sounds: int
    tones: tuple[CompiledTone, ...]


def configure(
    country: str = "ITU",
    sample_rate: int = 8000,
    block_ms: float = 20.0,
    min_level_dbm0: float = -42.0,
    dominance: float = 0.7,
    max_twist_db: float = 8.0,
    debounce_blocks: int = 2,
    slack_ms: float = MEASUREMENT_SLACK_MS,
) -> DetectorConfig:
    """Check the detector parameters and compile ``country``'s plan for them."""
    if isinstance(sample_rate, bool) or sample_rate not in SUPPORTED_RATES:
        raise ValueError(f"sample_rate is {sample_rate!r}, expected one of {SUPPORTED_RATES}")
    block = round(block_ms * sample_rate / 1000.0)
    if not 10.0 <= block_ms <= 50.0 or block * 1000.0 != block_ms * sample_rate:
        raise ValueError(f"block_ms is {block_ms!r}, expected 10-50 ms, a whole number of samples")
    if not -70.0 <= min_level_dbm0 <= -10.0:
        raise ValueError(f"min_level_dbm0 is {min_level_dbm0!r}, expected -70..-10 dBm0")
    if not 0.3 <= dominance < 1.0:
        raise ValueError(f"dominance is {dominance!r}, expected 0.3 <= dominance < 1")
    if not 0.0 <= max_twist_db <= 20.0:
        raise ValueError(f"max_twist_db is {max_twist_db!r}, expected 0..20 dB")
    if isinstance(debounce_blocks, bool) or debounce_blocks not in range(1, 6):
        raise ValueError(f"debounce_blocks is {debounce_blocks!r}, expected an integer 1..5")
    if not 0.0 <= slack_ms <= 200.0:
        raise ValueError(f"slack_ms is {slack_ms!r}, expected 0..200 ms")
    p = plan(country)
    for f in (f for t in p.tones for s in t.steps for a in s.alternatives for f in a):
        if f >= sample_rate / 2:
            raise ValueError(f"plan {p.country} uses {f:g} Hz, above Nyquist at {sample_rate} Hz")

    freqs: list[float] = []
    sounds: dict[tuple[tuple[float, ...], ...], int] = {}
    alt_sound: list[int] = []
    alt_freqs: list[tuple[int, ...]] = []
    for step in (s for t in p.tones for s in t.steps if not s.is_off):
        if step.alternatives in sounds:
            continue
        sid = sounds[step.alternatives] = len(sounds) + 1
        for alt in step.alternatives:
            for f in alt:
                if f not in freqs:
                    freqs.append(f)
            alt_sound.append(sid)
            alt_freqs.append(tuple(freqs.index(f) for f in alt))

    def samples(ms: float) -> int:
        return max(0, round(ms * sample_rate / 1000.0))

    tones = tuple(
        CompiledTone(
            t.kind,
            tuple(
                CompiledStep(
                    0 if s.is_off else sounds[s.alternatives],
                    samples(s.min_ms - slack_ms),
                    samples(s.max_ms + slack_ms),
                )
                for s in t.steps
            ),
            t.continuous,
            samples(t.detect_after_ms),
            t.confirm_segments,
        )
        for t in p.tones
    )
    min_rms = dbm0_to_rms(min_level_dbm0)
    return DetectorConfig(
        country=p.country,
        sample_rate=sample_rate,
        block=block,
        debounce_blocks=debounce_blocks,
        min_energy=min_rms * min_rms * block,
        dominance=dominance,
        min_share=1.0 / (1.0 + 10.0 ** (max_twist_db / 10.0)),
        freqs_hz=tuple(freqs),
        alt_sound=tuple(alt_sound),
        alt_freqs=tuple(alt_freqs),
        n_sounds=len(sounds),
        tones=tones,
    )


class _ToneState:
    """Lock state of one tone: which steps the last segments could have been."""

    def __init__(self, tone: CompiledTone, sample_rate: int) -> None:
        self.tone = tone
        self.fs = sample_rate
        self.phases: frozenset[int] = frozenset()  # step index of the last matched segment
        self.count = 0  # consecutive matched segments
        self.run_start = 0
        self.durations: list[int] = []  # last len(steps) matched durations, samples
        self.detected = False

    def ms(self, n: int) -> int:
        return round(n * 1000 / self.fs)

    def _fits(self, step: CompiledStep, sym: int, length: int, truncated: bool) -> bool:
        return step.sound == sym and length <= step.hi and (truncated or length >= step.lo)

    def _cadence(self) -> tuple[int, ...]:
        n, d = len(self.tone.steps), self.durations
        if len(d) < n:
            return tuple(self.ms(x) for x in d)
        last = min(self.phases)
        return tuple(self.ms(d[-1 - (last - i) % n]) for i in range(n))

    def _drop_lock(self) -> None:
        self.phases, self.count, self.durations = frozenset(), 0, []

    def complete(self, sym: int, start: int, length: int, now: int, out: list) -> None:
        """A segment ended (``start`` + ``length``); decided at sample ``now``."""
        tone = self.tone
        if tone.continuous:
            if self.detected and sym == tone.steps[0].sound:
                self.detected = False
                out.append(ProgressEvent(tone.kind, ENDED, start + length, (self.ms(length),), now))
            return
        n = len(tone.steps)
        if self.phases:
            nxt = frozenset(
                (p + 1) % n
                for p in self.phases
                if self._fits(tone.steps[(p + 1) % n], sym, length, False)
            )
            if nxt:
                self.phases = nxt
                self.count += 1
                self.durations = [*self.durations, length][-n:]
                self._maybe_detect(now, out)
                return
            if self.detected:
                self.detected = False
                out.append(ProgressEvent(tone.kind, ENDED, start, self._cadence(), now))
            self._drop_lock()
        if sym == 0:
            return  # a run starts with a tone, never with silence
        truncated = start == 0  # began before the first sample we saw
        self.phases = frozenset(
            i for i, s in enumerate(tone.steps) if self._fits(s, sym, length, truncated)
        )
        if self.phases:
            self.count, self.run_start, self.durations = 1, start, [length]
            self._maybe_detect(now, out)

    def _maybe_detect(self, now: int, out: list) -> None:
        if not self.detected and self.count >= self.tone.confirm:
            self.detected = True
            out.append(
                ProgressEvent(self.tone.kind, DETECTED, self.run_start, self._cadence(), now)
            )

    def ongoing(self, sym: int, start: int, known_end: int, now: int, out: list) -> None:
        """The current segment is known to last at least until ``known_end``."""
        tone = self.tone
        length = known_end - start
        if tone.continuous:
            if not self.detected and sym == tone.steps[0].sound and length >= tone.detect_after:
                self.detected = True
                out.append(ProgressEvent(tone.kind, DETECTED, start, (self.ms(length),), now))
            return
        if not self.phases:
            return
        n = len(tone.steps)
        viable = any(
            tone.steps[(p + 1) % n].sound == sym and length <= tone.steps[(p + 1) % n].hi
            for p in self.phases
        )
        if not viable:
            if self.detected:
                self.detected = False
                out.append(ProgressEvent(tone.kind, ENDED, start, self._cadence(), now))
            self._drop_lock()

    def next_check(self, sym: int, start: int) -> int:
        """Earliest ``known_end`` at which :meth:`ongoing` could change anything."""
        tone = self.tone
        if tone.continuous:
            if not self.detected and sym == tone.steps[0].sound:
                return start + tone.detect_after
            return NEVER
        if not self.phases:
            return NEVER
        n = len(tone.steps)
        his = [
            tone.steps[(p + 1) % n].hi for p in self.phases if tone.steps[(p + 1) % n].sound == sym
        ]
        return start + max(his) + 1 if his else start


class CadenceTracker:
    """Matches segment sequences against every tone of a compiled plan.

    Call :meth:`boundary` when the block analysis has settled that a new segment
    began, and :meth:`tick` whenever the current segment is known to have lasted
    until at least ``next_check``. Both return the events decided.
    """

    def __init__(self, tones: tuple[CompiledTone, ...], sample_rate: int) -> None:
        self._tones = tones
        self._fs = sample_rate
        self.reset()

    def reset(self) -> None:
        self._sym = 0
        self._start = 0
        self._states = [_ToneState(t, self._fs) for t in self._tones]
        self.next_check = NEVER

    def boundary(self, at: int, new_sym: int, now: int) -> list[ProgressEvent]:
        """The current segment ended at sample ``at``; one of ``new_sym`` began there."""
        out: list[ProgressEvent] = []
        for st in self._states:
            st.complete(self._sym, self._start, at - self._start, now, out)
        self._sym, self._start = new_sym, at
        self._update()
        return out

    def tick(self, known_end: int, now: int) -> list[ProgressEvent]:
        """The current segment has lasted at least until ``known_end``."""
        out: list[ProgressEvent] = []
        for st in self._states:
            st.ongoing(self._sym, self._start, known_end, now, out)
        self._update()
        return out

    def _update(self) -> None:
        self.next_check = min(st.next_check(self._sym, self._start) for st in self._states)
