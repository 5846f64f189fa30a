"""DriftResampler (dsp_ext/drift.pyx): the kernel against its NumPy reference, and the
accuracy its docstring claims (cubic interpolation of voice at 44.1/48 kHz, < -60 dB)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext.drift import DriftResampler
from dsp_ext.generate import to_pcm16, tone, white_noise
from dsp_ext.reference.drift import DriftResampler as ReferenceDrift


def _run(kind, x, cuts, ratios):
    d, out, start = kind(), [], 0
    for cut, ratio in zip(cuts, ratios, strict=True):
        out.append(d.process(x[start:cut], ratio))
        start = cut
    return np.concatenate(out)


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 700), min_size=1, max_size=30),
    ratios=st.lists(st.floats(0.99, 1.01), min_size=30, max_size=30),
)
def test_kernel_matches_reference_exactly(sizes, ratios):
    rng = np.random.default_rng(len(sizes))
    x = to_pcm16(white_noise(sum(sizes), -10.0, rng))
    cuts = np.cumsum(sizes).tolist()
    a = _run(DriftResampler, x, cuts, ratios[: len(cuts)])
    b = _run(ReferenceDrift, x, cuts, ratios[: len(cuts)])
    np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(sizes=st.lists(st.integers(1, 500), min_size=2, max_size=20))
def test_any_split_gives_the_same_output_at_a_fixed_ratio(sizes):
    x = to_pcm16(white_noise(sum(sizes), -10.0, np.random.default_rng(3)))
    whole = DriftResampler().process(x, 1.0003)
    split = _run(DriftResampler, x, np.cumsum(sizes).tolist(), [1.0003] * len(sizes))
    np.testing.assert_array_equal(whole, split)


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize("freq_hz", [300.0, 1000.0, 3400.0])
@pytest.mark.parametrize("ppm", [-1000.0, 300.0, 1000.0])
def test_voice_band_sine_resampled_within_60_db(rate, freq_hz, ppm):
    ratio = 1 + ppm * 1e-6
    amp = 20000.0
    n = rate // 2
    x = to_pcm16(amp * np.sin(2 * np.pi * freq_hz * np.arange(n) / rate))
    y = DriftResampler().process(x, ratio)
    # Output k sits at input position 1 + k/ratio, two samples of delay after the start
    # (x[-1], the first output's left neighbour, is the zero history: skip a few).
    k = np.arange(8, len(y) - 8)
    ideal = amp * np.sin(2 * np.pi * freq_hz * (k / ratio - 2) / rate)
    err = y[k] - ideal
    snr = 10 * math.log10(np.mean(ideal**2) / np.mean(err**2))
    assert snr > 60, snr
    assert len(y) == pytest.approx(n * ratio, abs=2)


def test_output_count_follows_the_ratio_over_a_long_run():
    d = DriftResampler()
    block = np.zeros(480, np.int16)
    total = sum(len(d.process(block, 1.0003)) for _ in range(10_000))
    assert total == pytest.approx(4_800_000 * 1.0003, abs=1)


def test_a_ratio_change_leaves_no_step():
    x = to_pcm16(tone(1000.0, 1.0, -10.0, sample_rate=48000))
    d = DriftResampler()
    y = np.concatenate([d.process(x[:24000], 0.999), d.process(x[24000:], 1.001)])
    d2 = np.abs(np.diff(y[8:].astype(np.float64), 2)).max()  # past the silent history
    clean = np.abs(np.diff(x.astype(np.float64), 2)).max()
    assert d2 < 1.05 * clean + 2


def test_bad_input_is_refused_by_name():
    d = DriftResampler()
    with pytest.raises(ValueError, match=r"ratio must be between 0\.5 and 2\.0"):
        d.process(np.zeros(10, np.int16), 3.0)
    with pytest.raises(TypeError, match=r"DriftResampler\.process"):
        d.process(np.zeros(10, np.float32), 1.0)
    assert len(d.process(np.zeros(0, np.int16), 1.0)) == 0


def test_reset_forgets_history():
    d = DriftResampler()
    x = to_pcm16(white_noise(1000, -10.0, np.random.default_rng(5)))
    first = d.process(x, 1.0003)
    d.process(x, 0.9)
    d.reset()
    np.testing.assert_array_equal(d.process(x, 1.0003), first)
