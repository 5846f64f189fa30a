"""Level meter: known sine levels, peaks, clipping, silence, splits, reference."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext import level
from dsp_ext.generate import to_pcm16, tone, white_noise
from dsp_ext.levels import FULL_SCALE_SINE_DBM0, sine_peak
from dsp_ext.reference import level as ref


def _same(readings: list, expected: list) -> None:
    assert len(readings) == len(expected)
    for got, want in zip(readings, expected, strict=True):
        assert (got.start, got.peak, got.clipped) == (want[0], want[3], want[4])
        assert got.rms_dbm0 == pytest.approx(want[1], abs=1e-9)
        assert got.peak_dbm0 == pytest.approx(want[2], abs=1e-9)


@pytest.mark.parametrize("level_dbm0", [-50.0, -30.0, -10.0, 0.0, 3.0])
@pytest.mark.parametrize("freq_hz", [400.0, 1000.0, 2000.0])
def test_sine_windows_read_their_level(level_dbm0: float, freq_hz: float) -> None:
    # 400, 1000 and 2000 Hz fit a whole number of cycles in 20 ms, so each window
    # holds exactly the sine's power; the int16 rounding is far below 0.05 dB.
    readings = level.LevelMeter().process(to_pcm16(tone(freq_hz, 0.2, level_dbm0, phase=0.3)))
    assert len(readings) == 10
    for r in readings:
        assert r.rms_dbm0 == pytest.approx(level_dbm0, abs=0.05)
        assert r.clipped == 0


@settings(max_examples=40, deadline=None)
@given(
    level_dbm0=st.floats(-40.0, 3.0),
    freq_hz=st.floats(300.0, 3400.0),
    phase=st.floats(0.0, 6.28),
)
def test_measure_reads_any_sine_level(level_dbm0: float, freq_hz: float, phase: float) -> None:
    x = to_pcm16(tone(freq_hz, 1.0, level_dbm0, phase=phase))
    rms_dbm0, peak_dbm0 = level.measure(x)
    assert rms_dbm0 == pytest.approx(level_dbm0, abs=0.05)
    # Samples fall at most half a sample period from a crest: the peak may read low
    # by up to cos(pi f / fs), never high.
    crest_miss_db = 20 * math.log10(math.cos(math.pi * freq_hz / 8000.0))
    assert level_dbm0 - 0.05 + crest_miss_db <= peak_dbm0 <= level_dbm0 + 0.05


def test_full_scale_sine_is_plus_3_14_dbm0() -> None:
    x = to_pcm16(tone(1000.0, 0.1, FULL_SCALE_SINE_DBM0, phase=math.pi / 4))
    rms_dbm0, peak_dbm0 = level.measure(x)
    assert rms_dbm0 == pytest.approx(3.14, abs=0.05)
    assert peak_dbm0 == pytest.approx(3.14, abs=0.01)


def test_peak_dbm0_is_the_level_of_a_sine_with_that_peak() -> None:
    peak_0dbm0 = round(sine_peak(0.0))  # 32767 * 10^(-3.14/20) ≈ 22 826
    x = np.zeros(320, np.int16)
    x[17] = -peak_0dbm0
    x[200] = 32767
    first, second = level.LevelMeter().process(x)
    assert first.peak == peak_0dbm0
    assert first.peak_dbm0 == pytest.approx(0.0, abs=0.001)
    assert second.peak_dbm0 == pytest.approx(FULL_SCALE_SINE_DBM0, abs=0.001)
    # One sample of a 0 dBm0 sine's crest in 160: power 2/160 of that sine's.
    assert first.rms_dbm0 == pytest.approx(10 * math.log10(2 / 160), abs=0.001)


def test_white_noise_level() -> None:
    x = to_pcm16(white_noise(80000, -20.0, np.random.default_rng(7)))
    assert level.measure(x)[0] == pytest.approx(-20.0, abs=0.05)


def test_silence_is_minus_infinity_not_nan() -> None:
    meter = level.LevelMeter()
    readings = meter.process(np.zeros(400, np.int16))
    assert [r.start for r in readings] == [0, 160]
    for r in readings:
        assert r.rms_dbm0 == -math.inf
        assert r.peak_dbm0 == -math.inf
        assert r.peak == 0
    assert meter.rms_dbm0 == -math.inf
    assert level.measure(np.zeros(10, np.int16)) == (-math.inf, -math.inf)
    assert level.measure(np.empty(0, np.int16)) == (-math.inf, -math.inf)


def test_clipping_is_counted_per_window() -> None:
    x = np.zeros(320, np.int16)
    x[[3, 50, 51]] = 32767
    x[[100]] = -32768
    x[[200]] = -32767
    x[[201]] = 32766  # one short of full scale: not clipped
    first, second = level.LevelMeter().process(x)
    assert (first.clipped, second.clipped) == (4, 1)
    assert first.peak == 32768
    assert level.LevelMeter(clip_level=32000).process(x)[1].clipped == 2


def test_running_properties() -> None:
    meter = level.LevelMeter()
    assert meter.rms_dbm0 == -math.inf
    assert meter.peak_hold == 0
    loud = to_pcm16(tone(1000.0, 0.02, -3.0, phase=0.5))
    quiet = to_pcm16(tone(1000.0, 0.02, -30.0, phase=0.5))
    meter.process(loud)
    meter.process(quiet)
    assert meter.rms_dbm0 == pytest.approx(-30.0, abs=0.05)  # the last window
    assert meter.peak_hold == int(np.max(np.abs(loud.astype(np.int32))))  # held from the loud one
    meter.process(np.full(5, 30000, np.int16))  # partial window still moves the hold
    assert meter.peak_hold == 30000
    assert meter.peak_hold_dbm0 > 2.0
    meter.reset()
    assert (meter.peak_hold, meter.rms_dbm0) == (0, -math.inf)
    assert meter.process(np.zeros(160, np.int16))[0].start == 0


@pytest.mark.parametrize(
    ("rate", "window_ms", "size"), [(8000, 20.0, 160), (48000, 10.0, 480), (16000, 2.5, 40)]
)
def test_window_size_follows_rate(rate: int, window_ms: float, size: int) -> None:
    readings = level.LevelMeter(rate, window_ms).process(np.ones(size * 3 + 1, np.int16))
    assert [r.start for r in readings] == [0, size, 2 * size]


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(0, 2000),
    cuts=st.lists(st.integers(0, 2000), max_size=8),
    seed=st.integers(0, 2**32 - 1),
    window_ms=st.sampled_from([5.0, 20.0, 32.5]),
)
def test_any_split_gives_the_same_readings(
    n: int, cuts: list[int], seed: int, window_ms: float
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-32768, 32768, n).astype(np.int16)
    x[rng.random(n) < 0.3] = 0
    whole = level.LevelMeter(window_ms=window_ms).process(x)
    meter = level.LevelMeter(window_ms=window_ms)
    edges = [0, *sorted(c for c in cuts if c <= n), n]
    pieces = [r for a, b in itertools.pairwise(edges) for r in meter.process(x[a:b])]
    assert pieces == whole
    framed_meter = level.LevelMeter(window_ms=window_ms)
    framed = [r for i in range(0, n, 160) for r in framed_meter.process(x[i : i + 160])]
    assert framed == whole
    _same(whole, ref.windows(x, window_ms=window_ms))


def test_matches_reference_on_speech_like_signal() -> None:
    rng = np.random.default_rng(3)
    env = np.repeat(rng.uniform(0, 1, 50), 160) ** 3
    x = to_pcm16(white_noise(env.size, 0.0, rng) * env * 3)
    _same(level.LevelMeter().process(x), ref.windows(x))
    got, want = level.measure(x), ref.measure(x)
    assert got == pytest.approx(want, abs=1e-9)


def test_reading_is_a_named_tuple() -> None:
    r = level.LevelMeter().process(np.ones(160, np.int16))[0]
    assert isinstance(r, level.LevelReading)
    assert r._fields == ("start", "rms_dbm0", "peak_dbm0", "peak", "clipped")


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (np.zeros(10, np.float64), TypeError, "int16"),
        (np.zeros((2, 10), np.int16), ValueError, "1-D"),
        ([0, 1], TypeError, "numpy int16"),
    ],
)
def test_rejects_bad_samples(bad: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        level.LevelMeter().process(bad)
    with pytest.raises(error, match=words):
        level.measure(bad)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sample_rate": 0}, "sample_rate"),
        ({"sample_rate": 8000.5}, "sample_rate"),
        ({"window_ms": 0.0}, "window_ms"),
        ({"window_ms": float("nan")}, "window_ms"),
        ({"window_ms": 0.01}, "shorter than one sample"),
        ({"clip_level": 0}, "clip_level"),
        ({"clip_level": 1.5}, "clip_level"),
    ],
)
def test_rejects_bad_parameters(kwargs: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        level.LevelMeter(**kwargs)
