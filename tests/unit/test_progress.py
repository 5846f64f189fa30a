"""ProgressToneDetector: the contract, split invariance, the NumPy reference, robustness.

Every signal is generated here from the tone table (``dsp_ext.progress_gen``), DTMF
(``dsp_ext.generate.dtmf``) and the espeak-ng speech corpus.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp_ext.cadence import DETECTED, ENDED, ProgressEvent
from dsp_ext.dtmf_table import DIGITS
from dsp_ext.generate import dtmf, to_pcm16, tone, white_noise
from dsp_ext.progress import ProgressToneDetector
from dsp_ext.progress_gen import progress_tone, sit
from dsp_ext.reference.progress import ProgressToneDetectorRef
from dsp_ext.tonesets import KINDS, countries, plan
from tests import speech

FS = 8000


def silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * FS), dtype=np.int16)


def kinds(events: list[ProgressEvent], state: str = DETECTED) -> list[str]:
    return [e.kind for e in events if e.state == state]


def feed(det, x: np.ndarray, sizes) -> list[ProgressEvent]:
    events, i = [], 0
    for n in sizes:
        events += det.process(x[i : i + n])
        i += n
    return events + det.process(x[i:])


def long_enough(kind: str, country: str) -> float:
    """Seconds of a tone that its detector needs: two cycles and the next burst."""
    spec = plan(country).tone(kind)
    if spec.continuous:
        return spec.detect_after_ms / 1000 + 1.0
    return (2 * sum(spec.cadence_ms) + spec.cadence_ms[0]) / 1000


def call_scene(country: str = "ITU", seed: int = 1) -> np.ndarray:
    """Dial tone, congestion, busy, SIT and ringback with gaps, in light noise."""
    x = np.concatenate(
        [
            progress_tone("dial", country, long_enough("dial", country)),
            silence(0.7),
            progress_tone("congestion", country, long_enough("congestion", country)),
            silence(2.0),
            progress_tone("busy", country, long_enough("busy", country)),
            silence(2.0),
            sit(repeats=2),
            silence(1.0),
            progress_tone("ringback", country, long_enough("ringback", country)),
            silence(6.0),
        ]
    ).astype(np.float64)
    noise = white_noise(len(x), -50.0, np.random.default_rng(seed))
    return to_pcm16(x + noise)


# --- bad input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (np.zeros(160, dtype=np.float32), TypeError, "dtype float32"),
        (np.zeros(160, dtype=np.int32), TypeError, "dtype int32"),
        (np.zeros((2, 160), dtype=np.int16), ValueError, "shape (2, 160)"),
        (b"\x00\x01" * 80, TypeError, "got bytes"),
        ([0] * 160, TypeError, "got list"),
    ],
)
@pytest.mark.parametrize("cls", [ProgressToneDetector, ProgressToneDetectorRef])
def test_bad_samples_are_refused_with_what_was_expected(cls, bad, error, words):
    with pytest.raises(error, match="1-D numpy int16") as info:
        cls().process(bad)
    assert words in str(info.value)


@pytest.mark.parametrize("cls", [ProgressToneDetector, ProgressToneDetectorRef])
def test_unknown_country_and_bad_rate_are_refused(cls):
    with pytest.raises(ValueError, match=r"unknown country 'XX'.*ITU"):
        cls("XX")
    with pytest.raises(ValueError, match="sample_rate is 44100, expected one of"):
        cls("ITU", 44100)
    with pytest.raises(ValueError, match=r"dominance is 1\.5"):
        cls(dominance=1.5)


@pytest.mark.parametrize("cls", [ProgressToneDetector, ProgressToneDetectorRef])
def test_empty_input_gives_nothing(cls):
    det = cls()
    assert det.process(np.zeros(0, dtype=np.int16)) == []
    assert det.process(silence(3.0)) == []


def test_country_is_case_insensitive_and_exposed():
    det = ProgressToneDetector("ru")
    assert det.country == "RU"
    assert det.sample_rate == FS
    assert det.tone_plan.tone("busy").cadence_ms == (400.0, 400.0)


# --- the event contract -------------------------------------------------------------


def test_a_long_busy_tone_is_reported_once_then_its_end():
    busy = progress_tone("busy", "ITU", 20.0)
    lead = 0.3
    events = ProgressToneDetector("ITU").process(
        np.concatenate([silence(lead), busy, silence(2.0)])
    )
    assert [(e.kind, e.state) for e in events] == [("busy", DETECTED), ("busy", ENDED)]
    detected, ended = events
    # Starts where the tone starts and ends where its last burst ends (within a block).
    assert abs(detected.sample - lead * FS) <= 160
    last_on_end = lead * FS + 19.5 * FS  # 20 s of 0.5/0.5 ends with a silent half second
    assert abs(ended.sample - last_on_end) <= 160
    # Two whole cycles are needed: not before 2 s of tone.
    assert detected.decided_at >= detected.sample + 2 * FS
    assert all(abs(ms - 500) <= 30 for ms in detected.cadence_ms)
    assert ended.decided_at > ended.sample


def test_busy_that_turns_into_a_continuous_tone_ends_and_dial_follows():
    x = np.concatenate(
        [progress_tone("busy", "RU", 3.2), progress_tone("dial", "RU", 3.0), silence(1.0)]
    )
    events = ProgressToneDetector("RU").process(x)
    assert [(e.kind, e.state) for e in events] == [
        ("busy", DETECTED),
        ("busy", ENDED),
        ("dial", DETECTED),
        ("dial", ENDED),
    ]
    dial_start = 3.2 * FS
    assert abs(events[1].sample - dial_start) <= 160  # busy's cadence broke where dial began
    assert abs(events[2].sample - dial_start) <= 160
    assert events[2].decided_at - events[2].sample >= 1.5 * FS  # RU dial is confirmed after 1.5 s


def test_ced_with_phase_reversals_is_one_tone():
    # V.25 answer tone reverses phase every 450 ms; a block that straddles a
    # reversal loses its energy at 2100 Hz, which debouncing must absorb.
    n = round(0.45 * FS)
    parts = [
        tone(2100.0, 0.45, -12.0, FS, phase=np.pi * (i % 2) + 2 * np.pi * 2100 * i * n / FS)
        for i in range(7)
    ]
    x = np.concatenate([to_pcm16(np.concatenate(parts)), silence(1.0)])
    events = ProgressToneDetector().process(x)
    assert [(e.kind, e.state) for e in events] == [("ced", DETECTED), ("ced", ENDED)]
    assert abs(events[1].sample - 7 * n) <= 160


def test_reset_forgets_everything():
    x = call_scene("US")
    det = ProgressToneDetector("US")
    det.process(x[: len(x) // 2 + 37])
    det.reset()
    assert det.process(x) == ProgressToneDetector("US").process(x)


# --- split invariance and the reference ---------------------------------------------


@pytest.mark.parametrize("country", ["ITU", "US", "GB"])
def test_160_sample_frames_equal_one_shot(country):
    x = call_scene(country)
    one_shot = ProgressToneDetector(country).process(x)
    assert {e.kind for e in one_shot} >= {"dial", "busy", "congestion", "sit", "ringback"}
    framed = feed(ProgressToneDetector(country), x, [160] * (len(x) // 160))
    assert framed == one_shot


_SCENE = call_scene("RU", seed=7)
_SCENE_EVENTS = ProgressToneDetector("RU").process(_SCENE)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=3000), min_size=1, max_size=200))
def test_random_chunks_equal_one_shot(sizes):
    assert feed(ProgressToneDetector("RU"), _SCENE, sizes) == _SCENE_EVENTS


@pytest.mark.parametrize("country", countries())
def test_kernel_matches_numpy_reference(country):
    x = call_scene(country, seed=3)
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 2000, size=200).tolist()
    kernel = feed(ProgressToneDetector(country), x, sizes)
    assert kernel == ProgressToneDetectorRef(country).process(x)
    assert len(kernel) >= 10


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=1, max_value=159))
def test_kernel_matches_reference_on_noisy_tones(seed, offset):
    rng = np.random.default_rng(seed)
    country = str(rng.choice(countries()))
    kind = str(rng.choice(KINDS))
    level = float(rng.uniform(-35.0, -5.0))
    x = np.concatenate([silence(offset / FS), progress_tone(kind, country, 6.0, level_dbm0=level)])
    x = to_pcm16(x + white_noise(len(x), level - 20.0, rng))
    assert ProgressToneDetector(country).process(x) == ProgressToneDetectorRef(country).process(x)


# --- levels and noise ---------------------------------------------------------------


@pytest.mark.parametrize("level", [-5.0, -15.0, -25.0, -35.0])
@pytest.mark.parametrize(
    ("country", "kind"),
    [
        ("ITU", "busy"),
        ("US", "ringback"),
        ("GB", "congestion"),
        ("RU", "congestion"),
        ("US", "dial"),
    ],
)
def test_detects_from_minus_5_to_minus_35_dbm0_at_20_db_snr(country, kind, level):
    seconds = long_enough(kind, country)
    x = np.concatenate(
        [silence(0.25), progress_tone(kind, country, seconds, level_dbm0=level), silence(6.0)]
    )
    x = to_pcm16(x + white_noise(len(x), level - 20.0, np.random.default_rng(int(-level))))
    events = ProgressToneDetector(country).process(x)
    assert kinds(events) == [kind]
    assert kinds(events, ENDED) == [kind]


def test_below_the_minimum_level_nothing_is_reported():
    x = progress_tone("busy", "ITU", 6.0, level_dbm0=-50.0)
    assert ProgressToneDetector("ITU").process(x) == []


# --- what must not fire -------------------------------------------------------------


def test_us_busy_is_nothing_to_a_russian_detector():
    x = np.concatenate([progress_tone("busy", "US", 10.0), progress_tone("congestion", "US", 5.0)])
    assert ProgressToneDetector("RU").process(x) == []
    assert kinds(ProgressToneDetector("US").process(x)) == ["busy", "congestion"]


def test_425_hz_plans_share_frequencies_so_only_the_cadence_decides():
    # ITU busy (500/500 ms) lies outside RU's busy window (400 +/- 60 ms, plus slack):
    # the same 425 Hz tone is busy for ITU and nothing for RU. ITU congestion
    # (250/250) does fall inside RU's congestion window (200 +/- 30 ms, plus slack).
    busy = progress_tone("busy", "ITU", 6.0)
    assert kinds(ProgressToneDetector("ITU").process(busy)) == ["busy"]
    assert ProgressToneDetector("RU").process(busy) == []
    congestion = progress_tone("congestion", "ITU", 4.0)
    assert kinds(ProgressToneDetector("RU").process(congestion)) == ["congestion"]


@pytest.mark.parametrize("timing", [(40, 40), (100, 100), (500, 100), (1500, 300)])
@pytest.mark.parametrize("country", countries())
def test_dtmf_digits_never_fire(country, timing):
    on_ms, off_ms = timing
    x = dtmf(DIGITS + DIGITS[::-1], level_dbm0=-7.0, on_ms=on_ms, off_ms=off_ms, twist_db=4.0)
    assert ProgressToneDetector(country).process(x) == []


@pytest.fixture(scope="module")
def speech_audio() -> np.ndarray:
    if not speech.have_tools():
        pytest.skip("espeak-ng and sox are needed for the speech corpus")
    utterances = speech.corpus()[::9]  # a few minutes across every language
    gap = silence(0.3)
    return np.concatenate([part for u in utterances for part in (speech.synthesize(u), gap)])


@pytest.mark.parametrize("country", countries())
def test_speech_never_fires(speech_audio, country):
    assert len(speech_audio) > 120 * FS
    events = ProgressToneDetector(country).process(speech_audio)
    assert events == [], [(e.kind, e.sample / FS) for e in events]


# --- the generator ------------------------------------------------------------------


def test_generator_follows_the_table_cadence_and_level():
    from dsp_ext.levels import rms_to_dbm0

    x = progress_tone("congestion", "GB", 3.0, level_dbm0=-20.0)
    assert len(x) == 3 * FS
    bounds = np.cumsum([0, 400, 350, 225, 525, 400]) * FS // 1000
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        segment = x[a:b]
        if i % 2:
            assert not segment.any()
        else:
            assert np.count_nonzero(segment) >= 0.85 * len(segment)  # a sine crosses zero
    first_burst = x[: round(0.4 * FS)].astype(np.float64)
    assert abs(rms_to_dbm0(float(np.sqrt(np.mean(first_burst**2)))) - -20.0) < 0.1


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("hum", "ITU", 1.0), "unknown tone kind 'hum'"),
        (("busy", "XX", 1.0), "unknown country 'XX'"),
        (("busy", "ITU", -1.0), "duration_s is -1.0"),
        (("busy", "ITU", 1.0, 11025), "sample_rate is 11025"),
    ],
)
def test_generator_refuses_bad_arguments(args, words):
    with pytest.raises(ValueError, match=words):
        progress_tone(*args)
