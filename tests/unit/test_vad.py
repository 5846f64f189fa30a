"""Unit tests of dsp_ext.vad: the kernel against its reference, splitting, state, errors."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext.generate import to_pcm16, tone, white_noise
from dsp_ext.reference import vad as ref
from dsp_ext.vad import VadEvent, VoiceActivityDetector
from tests import speech
from tests.vad_signals import NOISES, at_active_level, utterances

FS = 8000
FRAME = 80


def bursts(segments: list[tuple[float, float, str]], seed: int) -> np.ndarray:
    """Concatenated (seconds, dBm0, kind) segments over a −60 dBm0 white floor."""
    rng = np.random.default_rng(seed)
    parts = []
    for seconds, level, kind in segments:
        n = round(seconds * FS)
        if kind == "tone":
            parts.append(tone(rng.uniform(200, 3000), seconds, level))
        else:
            parts.append(NOISES[kind](n, level, rng))
    x = np.concatenate(parts)
    return to_pcm16(x + white_noise(len(x), -60.0, rng))


segment = st.tuples(
    st.floats(0.02, 0.8), st.floats(-70.0, 0.0), st.sampled_from(["white", "pink", "hum", "tone"])
)


def feed_and_trace(det, x: np.ndarray, step: int) -> list:
    """Events and the visible state after every ``step`` samples."""
    trace = []
    for i in range(0, len(x), step):
        events = det.process(x[i : i + step])
        trace.append((events, det.speaking, det.silence_samples, det.noise_floor_dbm0))
    return trace


def same_trace(a: list, b: list) -> bool:
    # NaN == NaN for the floor before the first frame.
    return all(
        ea == eb and sa == sb and na == nb and (fa == fb or (math.isnan(fa) and math.isnan(fb)))
        for (ea, sa, na, fa), (eb, sb, nb, fb) in zip(a, b, strict=True)
    )


# --- kernel == reference ------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(st.lists(segment, min_size=1, max_size=8), st.integers(0, 2**32 - 1))
def test_matches_reference_on_random_signals(segments, seed):
    x = bursts(segments, seed)
    assert same_trace(
        feed_and_trace(VoiceActivityDetector(), x, FRAME),
        feed_and_trace(ref.VoiceActivityDetector(), x, FRAME),
    )


@pytest.mark.skipif(not speech.have_tools(), reason="espeak-ng and sox are needed")
@pytest.mark.parametrize("noise", sorted(NOISES))
def test_matches_reference_on_speech_in_noise(noise):
    rng = np.random.default_rng(5)
    clean = np.concatenate([np.zeros(FS), *[at_active_level(u, -25) for u in utterances(2)]])
    x = to_pcm16(clean + NOISES[noise](len(clean), -35.0, rng))
    got = feed_and_trace(VoiceActivityDetector(), x, FRAME)
    assert any(events for events, *_ in got)
    assert same_trace(got, feed_and_trace(ref.VoiceActivityDetector(), x, FRAME))


@pytest.mark.parametrize(
    "x",
    [
        np.tile(np.array([32767, -32768], dtype=np.int16), 4000),  # largest |Δx|
        np.full(8000, -32768, dtype=np.int16),
        np.zeros(8000, dtype=np.int16),
        np.repeat(np.array([0, 32767, 0, -32768], dtype=np.int16), 1000),
    ],
    ids=["nyquist-full-scale", "dc-min", "zeros", "steps"],
)
def test_matches_reference_on_extreme_signals(x):
    a = feed_and_trace(VoiceActivityDetector(), x, 160)
    assert same_trace(a, feed_and_trace(ref.VoiceActivityDetector(), x, 160))


@pytest.mark.parametrize(
    "params",
    [
        dict(sample_rate=16000),
        dict(frame_ms=20.0, hangover_ms=100.0, onset_ms=0.0),
        dict(margin_db=2.0, stationary_ms=200.0, smooth_ms=10.0, startup_ms=0.0),
    ],
)
def test_matches_reference_with_other_parameters(params):
    segments = [(0.5, -50, "white"), (0.3, -20, "pink"), (0.6, -45, "white"), (0.4, -10, "tone")]
    x = bursts(segments, 1)
    a = feed_and_trace(VoiceActivityDetector(**params), x, 123)
    assert same_trace(a, feed_and_trace(ref.VoiceActivityDetector(**params), x, 123))


# --- splitting does not matter ------------------------------------------------------


SPLIT_SIGNAL = bursts(
    [(1.0, -45, "white"), (0.4, -15, "pink"), (0.5, -45, "white"), (0.3, -20, "white")] * 2, 2
)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, len(SPLIT_SIGNAL)), max_size=30))
def test_split_invariance_random_chunks(cuts):
    one_shot = VoiceActivityDetector().process(SPLIT_SIGNAL)
    assert one_shot  # the signal has speech-like bursts, so splitting is really tested
    det = VoiceActivityDetector()
    bounds = [0, *sorted(cuts), len(SPLIT_SIGNAL)]
    chunked = []
    for a, b in itertools.pairwise(bounds):
        chunked += det.process(SPLIT_SIGNAL[a:b])  # includes empty chunks
    assert chunked == one_shot


@pytest.mark.parametrize("impl", [VoiceActivityDetector, ref.VoiceActivityDetector])
def test_split_invariance_160_sample_frames(impl):
    one_shot = impl().process(SPLIT_SIGNAL)
    det = impl()
    framed = []
    for i in range(0, len(SPLIT_SIGNAL), 160):
        framed += det.process(SPLIT_SIGNAL[i : i + 160])
    assert framed == one_shot


# --- events and state ------------------------------------------------------------------


def burst_over_floor(burst_ms: float, at_s: float = 1.0, seconds: float = 4.0) -> np.ndarray:
    rng = np.random.default_rng(9)
    x = white_noise(round(seconds * FS), -55.0, rng)
    a = round(at_s * FS)
    x[a : a + round(burst_ms * 8)] += white_noise(round(burst_ms * 8), -15.0, rng)
    return to_pcm16(x)


def test_burst_is_dated_from_its_first_frame_to_its_last():
    det = VoiceActivityDetector()
    events = det.process(burst_over_floor(200.0))
    # The 40 ms smoothing keeps the level up for three frames after the burst.
    tail = (det.smooth_frames - 1) * FRAME
    assert events == [VadEvent("speech", FS), VadEvent("silence", FS + 1600 + tail)]
    assert all(isinstance(e.start, int) for e in events)


def test_burst_shorter_than_onset_is_ignored():
    # A 10 ms click, smoothed over 40 ms, is active for 4 frames: onset_ms=50 needs 5.
    assert VoiceActivityDetector(onset_ms=50.0).process(burst_over_floor(10.0)) == []
    assert VoiceActivityDetector(onset_ms=40.0).process(burst_over_floor(10.0)) != []


@pytest.mark.parametrize("gap_ms, spans", [(150.0, 1), (600.0, 2)])
def test_hangover_bridges_short_pauses(gap_ms, spans):
    rng = np.random.default_rng(10)
    x = white_noise(4 * FS, -55.0, rng)
    for start in (FS, FS + 1600 + round(gap_ms * 8)):
        x[start : start + 1600] += white_noise(1600, -15.0, rng)
    events = VoiceActivityDetector(hangover_ms=300.0).process(to_pcm16(x))
    assert [e.kind for e in events] == ["speech", "silence"] * spans


def test_startup_is_silence_even_when_loud():
    x = burst_over_floor(150.0, at_s=0.0, seconds=2.0)
    det = VoiceActivityDetector(startup_ms=200.0)
    assert det.process(x) == []


def test_silence_samples_grow_by_what_is_fed():
    x = burst_over_floor(300.0, at_s=1.0, seconds=3.0)
    det = VoiceActivityDetector()
    fed = 0
    start = 0
    for i in range(0, len(x), 160):
        for e in det.process(x[i : i + 160]):
            if e.kind == "silence":
                start = e.start
        fed += len(x[i : i + 160])
        expected = 0 if det.speaking else fed - start
        assert det.silence_samples == expected
    assert start > FS  # the burst really ended a silence run


def test_speaking_property_follows_events():
    det = VoiceActivityDetector()
    x = burst_over_floor(500.0)
    assert not det.speaking
    det.process(x[: FS + 2000])
    assert det.speaking and det.silence_samples == 0
    det.process(x[FS + 2000 :])
    assert not det.speaking


def test_noise_floor_follows_the_noise():
    det = VoiceActivityDetector()
    assert math.isnan(det.noise_floor_dbm0)
    det.process(to_pcm16(white_noise(2 * FS, -40.0, np.random.default_rng(1))))
    assert -42.5 < det.noise_floor_dbm0 < -39.0


def test_reset_starts_over():
    x = burst_over_floor(300.0)
    det = VoiceActivityDetector()
    first = det.process(x)
    det.process(x[:1234])
    det.reset()
    assert det.silence_samples == 0 and not det.speaking and math.isnan(det.noise_floor_dbm0)
    assert det.process(x) == first


def test_empty_input_returns_nothing_and_changes_nothing():
    det = VoiceActivityDetector()
    x = burst_over_floor(300.0)
    det.process(x[:5000])
    state = (det.speaking, det.silence_samples, det.noise_floor_dbm0)
    assert det.process(np.zeros(0, dtype=np.int16)) == []
    assert (det.speaking, det.silence_samples, det.noise_floor_dbm0) == state


def test_non_contiguous_input_is_read_correctly():
    x = burst_over_floor(300.0)
    strided = np.repeat(x, 2)[::2]
    assert not strided.flags.c_contiguous
    assert VoiceActivityDetector().process(strided) == VoiceActivityDetector().process(x)


def test_sixteen_khz_burst_found():
    rng = np.random.default_rng(3)
    x = white_noise(3 * 16000, -55.0, rng)
    x[16000:19200] += white_noise(3200, -20.0, rng)
    events = VoiceActivityDetector(sample_rate=16000).process(to_pcm16(x))
    assert [e.kind for e in events] == ["speech", "silence"]
    assert events[0].start == 16000


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("impl", [VoiceActivityDetector, ref.VoiceActivityDetector])
@pytest.mark.parametrize(
    "bad, error, words",
    [
        ([1, 2, 3], TypeError, "numpy int16"),
        (b"\x00\x01garbage", TypeError, "numpy int16"),
        (np.zeros(10, dtype=np.float32), TypeError, "int16.*got dtype float32"),
        (np.zeros(10, dtype=np.int32), TypeError, "int16.*got dtype int32"),
        (np.zeros((2, 80), dtype=np.int16), ValueError, "1-D"),
        (np.int16(5), TypeError, "numpy int16"),
        (np.array(5, dtype=np.int16), ValueError, "1-D"),
    ],
)
def test_bad_samples_rejected(impl, bad, error, words):
    with pytest.raises(error, match=words):
        impl().process(bad)


@pytest.mark.parametrize("impl", [VoiceActivityDetector, ref.VoiceActivityDetector])
@pytest.mark.parametrize(
    "params, error, words",
    [
        (dict(sample_rate=44100), ValueError, "sample_rate must be one of"),
        (dict(sample_rate="8000"), ValueError, "sample_rate"),
        (dict(sample_rate=True), ValueError, "sample_rate"),
        (dict(frame_ms=7.3), ValueError, "whole number of samples"),
        (dict(frame_ms=100.0), ValueError, "frame_ms must be 5..40"),
        (dict(hangover_ms=-1.0), ValueError, "hangover_ms must be >= 0"),
        (dict(margin_db=0.0), ValueError, "margin_db must be > 0"),
        (dict(stationary_tilt_db=float("nan")), ValueError, "stationary_tilt_db must be finite"),
        (dict(onset_ms="30"), TypeError, "onset_ms must be a number"),
    ],
)
def test_bad_parameters_rejected(impl, params, error, words):
    with pytest.raises(error, match=words):
        impl(**params)
