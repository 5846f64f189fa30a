"""Polyphase resampler: response measured with sines, statefulness, bookkeeping."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext import resample
from dsp_ext.generate import to_pcm16, tone
from dsp_ext.levels import sine_peak
from dsp_ext.reference.resample import resample as reference_resample

VOICE_PAIRS = [
    (8000, 48000),
    (48000, 8000),
    (8000, 16000),
    (16000, 8000),
    (8000, 44100),
    (44100, 8000),
]
TO_8K = [11025, 22050, 32000, 96000]
ALL_PAIRS = VOICE_PAIRS + [(r, 8000) for r in TO_8K]
LEVEL_DBM0 = -10.0


def _fit_sine(y: np.ndarray, freq_hz: float, rate: int) -> tuple[float, np.ndarray]:
    """Amplitude of the best-fitting sine at ``freq_hz`` and what is left over."""
    t = np.arange(y.size) / rate
    basis = np.stack([np.cos(2 * np.pi * freq_hz * t), np.sin(2 * np.pi * freq_hz * t)], axis=1)
    coef, *_ = np.linalg.lstsq(basis, y, rcond=None)
    return float(np.hypot(*coef)), y - basis @ coef


def _steady(r: resample.Resampler, y: np.ndarray) -> np.ndarray:
    """Drop the start-up transient (the filter filling with signal)."""
    return y[2 * r.delay_samples + 16 :].astype(np.float64)


def _db(ratio: float) -> float:
    return 20 * math.log10(ratio) if ratio > 0 else -math.inf


@pytest.mark.parametrize(("in_rate", "out_rate"), VOICE_PAIRS)
@pytest.mark.parametrize("freq_hz", [300.0, 1000.0, 2500.0, 3400.0])
def test_voice_band_is_flat(in_rate: int, out_rate: int, freq_hz: float) -> None:
    r = resample.Resampler(in_rate, out_rate)
    y = _steady(r, r.process(to_pcm16(tone(freq_hz, 0.2, LEVEL_DBM0, in_rate))))
    amp, _ = _fit_sine(y, freq_hz, out_rate)
    assert abs(_db(amp / sine_peak(LEVEL_DBM0))) <= 0.2


@pytest.mark.parametrize(("in_rate", "out_rate"), [(8000, 48000), (8000, 16000), (8000, 44100)])
@pytest.mark.parametrize("freq_hz", [300.0, 1000.0, 2000.0, 3400.0])
def test_images_rejected_60_db(in_rate: int, out_rate: int, freq_hz: float) -> None:
    # Everything in the output besides the tone itself: images at k*8000 ± f, plus rounding.
    r = resample.Resampler(in_rate, out_rate)
    y = _steady(r, r.process(to_pcm16(tone(freq_hz, 0.2, LEVEL_DBM0, in_rate))))
    amp, rest = _fit_sine(y, freq_hz, out_rate)
    assert _db(np.sqrt(np.mean(rest**2)) / (amp / np.sqrt(2))) <= -60.0


@pytest.mark.parametrize(
    ("in_rate", "out_rate"), [(48000, 8000), (16000, 8000), (44100, 8000), (96000, 8000)]
)
@pytest.mark.parametrize("freq_hz", [4000.0, 4100.0, 4400.0, 5000.0, 7990.0])
def test_aliases_rejected_60_db(in_rate: int, out_rate: int, freq_hz: float) -> None:
    # A tone at or above the new Nyquist frequency must (almost) vanish, not fold back.
    r = resample.Resampler(in_rate, out_rate)
    y = _steady(r, r.process(to_pcm16(tone(freq_hz, 0.2, LEVEL_DBM0, in_rate, phase=0.3))))
    assert _db(np.sqrt(np.mean(y**2)) / (sine_peak(LEVEL_DBM0) / np.sqrt(2))) <= -60.0


def test_round_trip_8k_48k_8k_keeps_frequency_level_and_frame_edges() -> None:
    x = to_pcm16(tone(1000.0, 0.5, LEVEL_DBM0, 8000, phase=0.4))
    up, down = resample.Resampler(8000, 48000), resample.Resampler(48000, 8000)
    one_shot = down.process(up.process(x))
    up.reset()
    down.reset()
    frames = [down.process(up.process(x[i : i + 160])) for i in range(0, x.size, 160)]
    framed = np.concatenate(frames)
    np.testing.assert_array_equal(framed, one_shot)
    settle = -(-up.delay_samples // 6) + down.delay_samples  # both delays, in 8 kHz samples
    y = one_shot[2 * settle :].astype(np.float64)
    amp, rest = _fit_sine(y, 1000.0, 8000)
    assert abs(_db(amp / sine_peak(LEVEL_DBM0))) <= 0.5
    # Nothing but the 1 kHz tone comes back.
    assert _db(np.sqrt(np.mean(rest**2)) / (amp / np.sqrt(2))) <= -50.0
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    assert abs(np.argmax(spectrum) * 8000 / y.size - 1000.0) <= 8000 / y.size


@pytest.mark.parametrize(("in_rate", "out_rate"), ALL_PAIRS)
def test_matches_reference_within_one_lsb(in_rate: int, out_rate: int) -> None:
    rng = np.random.default_rng(in_rate + out_rate)
    noise = rng.integers(-32768, 32768, 1500).astype(np.int16)
    x = np.concatenate([to_pcm16(tone(1234.0, 0.05, 0.0, in_rate)), noise])
    r = resample.Resampler(in_rate, out_rate)
    got = np.concatenate([r.process(x), r.flush()]).astype(np.int32)
    want = reference_resample(x, in_rate, out_rate, flush=True).astype(np.int32)
    assert got.size == want.size
    assert np.max(np.abs(got - want)) <= 1


@settings(max_examples=30, deadline=None)
@given(
    pair=st.sampled_from(ALL_PAIRS),
    n=st.integers(0, 3000),
    cuts=st.lists(st.integers(0, 3000), max_size=8),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_split_gives_identical_output(
    pair: tuple[int, int], n: int, cuts: list[int], seed: int
) -> None:
    x = np.random.default_rng(seed).integers(-32768, 32768, n).astype(np.int16)
    r = resample.Resampler(*pair)
    whole = np.concatenate([r.process(x), r.flush()])
    edges = [0, *sorted(c for c in cuts if c <= n), n]
    parts = [r.process(x[a:b]) for a, b in itertools.pairwise(edges)]
    pieces = np.concatenate([*parts, r.flush()])
    np.testing.assert_array_equal(pieces, whole)


@settings(max_examples=40, deadline=None)
@given(pair=st.sampled_from(ALL_PAIRS), sizes=st.lists(st.integers(0, 700), max_size=8))
def test_output_length_is_ceil_of_n_times_l_over_m(pair: tuple[int, int], sizes: list[int]) -> None:
    in_rate, out_rate = pair
    g = math.gcd(in_rate, out_rate)
    up, down = out_rate // g, in_rate // g
    r = resample.Resampler(in_rate, out_rate)
    total_in = total_out = 0
    for size in sizes:
        total_out += r.process(np.zeros(size, np.int16)).size
        total_in += size
        assert total_out == -(-total_in * up // down)
    tail = r.flush().size
    if total_in:
        assert total_out + tail == -(-(total_in + r.taps_per_phase) * up // down)
    else:
        assert tail == 0


def test_delay_samples_is_the_group_delay() -> None:
    # An impulse comes out centred delay_samples later (symmetric filter, L = 1).
    r = resample.Resampler(48000, 8000)
    x = np.zeros(6000, np.int16)
    x[6 * 100] = 30000
    y = r.process(x).astype(np.int32)
    assert int(np.argmax(np.abs(y))) == 100 + r.delay_samples


def test_saturates_instead_of_wrapping() -> None:
    # A full-scale square wave overshoots (Gibbs); the output must clip, not wrap.
    x = np.tile(np.r_[np.full(40, 32767), np.full(40, -32768)], 20).astype(np.int16)
    r = resample.Resampler(8000, 48000)
    y = np.concatenate([r.process(x), r.flush()])
    exact = reference_resample(x, 8000, 48000, flush=True)
    assert y.max() == 32767
    assert y.min() == -32768
    np.testing.assert_allclose(y.astype(np.int32), exact.astype(np.int32), atol=1)


def test_reset_forgets_history_and_flush_resets() -> None:
    r = resample.Resampler(8000, 16000)
    x = to_pcm16(tone(700.0, 0.05, 0.0))
    first = r.process(x)
    r.process(to_pcm16(tone(300.0, 0.02, 0.0)))
    r.reset()
    np.testing.assert_array_equal(r.process(x), first)
    r.flush()
    np.testing.assert_array_equal(r.process(x), first)
    assert r.flush().size > 0
    assert r.flush().size == 0  # nothing new since the last flush


def test_attributes() -> None:
    r = resample.Resampler(44100, 8000)
    assert (r.in_rate, r.out_rate, r.up, r.down) == (44100, 8000, 80, 441)
    assert isinstance(r.delay_samples, int)
    assert r.delay_samples > 0


def test_empty_input_gives_empty_output() -> None:
    r = resample.Resampler(8000, 48000)
    out = r.process(np.empty(0, np.int16))
    assert out.dtype == np.int16
    assert out.size == 0
    assert r.flush().size == 0


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (np.zeros(10, np.float64), TypeError, "int16"),
        (np.zeros(10, np.float32), TypeError, "int16"),
        (np.zeros(10, np.int32), TypeError, "int16"),
        (np.zeros((2, 10), np.int16), ValueError, "1-D"),
        (b"\x00\x01", TypeError, "numpy int16"),
    ],
)
def test_process_rejects_bad_input(bad: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        resample.Resampler(8000, 16000).process(bad)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        ((8000.0, 16000), TypeError, "in_rate"),
        ((8000, 0), ValueError, "out_rate"),
        ((-8000, 8000), ValueError, "in_rate"),
        ((8000, 16000, "hifi"), ValueError, "quality"),
        ((8000, 44101), ValueError, "not supported"),
    ],
)
def test_constructor_rejects_bad_arguments(args: tuple, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        resample.Resampler(*args)


def test_high_quality_also_meets_the_voice_band_spec() -> None:
    r = resample.Resampler(48000, 8000, quality="high")
    y = _steady(r, r.process(to_pcm16(tone((1000.0, 5000.0), 0.2, LEVEL_DBM0, 48000))))
    amp, rest = _fit_sine(y, 1000.0, 8000)
    assert abs(_db(amp / sine_peak(LEVEL_DBM0))) <= 0.2
    assert _db(np.sqrt(np.mean(rest**2)) / (amp / np.sqrt(2))) <= -60.0
