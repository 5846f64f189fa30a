"""DtmfDetector: state across calls, the NumPy reference, the API's edges."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsp_ext.dtmf import DtmfDetector, DtmfEvent
from dsp_ext.dtmf_params import DtmfParams
from dsp_ext.dtmf_table import DIGITS
from dsp_ext.generate import dtmf, to_pcm16, white_noise
from dsp_ext.reference import dtmf as reference


def _signal(seed: int) -> tuple[str, np.ndarray]:
    """Random digits with random level, timing, twist, deviation and noise."""
    rng = np.random.default_rng(seed)
    keys = "".join(rng.choice(list(DIGITS), size=int(rng.integers(1, 6))))
    x = dtmf(
        keys,
        level_dbm0=float(rng.uniform(-22, -3)),
        on_ms=float(rng.uniform(45, 150)),
        off_ms=float(rng.uniform(45, 150)),
        twist_db=float(rng.uniform(-3, 7)),
        low_dev=float(rng.uniform(-0.012, 0.012)),
        high_dev=float(rng.uniform(-0.012, 0.012)),
        lead_ms=float(rng.uniform(0, 30)),
    )
    noise = white_noise(len(x), float(rng.uniform(-60, -35)), rng)
    return keys, to_pcm16(x + noise)


def _all(det: DtmfDetector, x: np.ndarray) -> list:
    return det.process(x) + det.flush()


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), cuts=st.lists(st.integers(0, 40_000), max_size=12))
def test_any_split_gives_the_same_events_as_one_shot(seed, cuts):
    _, x = _signal(seed)
    whole = _all(DtmfDetector(), x)
    det = DtmfDetector()
    pieces = []
    bounds = sorted({min(c, len(x)) for c in cuts} | {0, len(x)})
    for a, b in itertools.pairwise(bounds):
        pieces += det.process(x[a:b])
    assert pieces + det.flush() == whole


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_cython_kernel_matches_numpy_reference(seed):
    keys, x = _signal(seed)
    ours = _all(DtmfDetector(), x)
    ref = reference.detect(x)
    assert "".join(e.digit for e in ours) == keys
    assert [e.digit for e in ours] == [d for d, _, _ in ref]
    for e, (_, start, end) in zip(ours, ref, strict=True):
        # float32 in the kernel, float64 in the reference: a block at a threshold may
        # fall either way, which moves an edge by at most one hop.
        assert abs(e.start - start) <= 34 and abs(e.end - end) <= 34


def test_reference_and_kernel_agree_on_noise_and_silence():
    rng = np.random.default_rng(5)
    for level in (-60.0, -30.0, -10.0):
        x = to_pcm16(white_noise(16000, level, rng))
        assert _all(DtmfDetector(), x) == [] and reference.detect(x) == []


def test_events_are_named_tuples_with_digit_start_end():
    det = DtmfDetector()
    (event,) = _all(det, dtmf("9", on_ms=100, lead_ms=50))
    assert isinstance(event, DtmfEvent)
    assert event.digit == "9"
    # edges are found to within half a hop (±17 samples, about ±2 ms)
    assert abs(event.start - 400) <= 17 and abs(event.end - 1200) <= 17


def test_digit_is_reported_when_it_ends_and_current_shows_it_while_held():
    det = DtmfDetector()
    x = dtmf("#", on_ms=500, off_ms=200, lead_ms=100)
    assert det.process(x[:3200]) == []  # 300 ms into the press
    assert det.current == "#"
    events = det.process(x[3200:])
    assert [e.digit for e in events] == ["#"]
    assert det.current is None


def test_flush_ends_a_digit_still_sounding():
    det = DtmfDetector()
    assert det.process(dtmf("3", on_ms=200, off_ms=0)) == []
    assert [e.digit for e in det.flush()] == ["3"]
    assert det.flush() == []


def test_reset_starts_counting_samples_again():
    det = DtmfDetector()
    x = dtmf("1", on_ms=80, lead_ms=100)
    first = _all(det, x)
    assert det.samples_seen == len(x)
    det.reset()
    det.process(np.zeros(12345, np.int16))
    assert det.samples_seen == 12345
    det.reset()
    assert det.samples_seen == 0
    assert _all(det, x) == first


@pytest.mark.parametrize("rate", [16000, 11025, 48000])
def test_other_sample_rates(rate):
    x = dtmf("0123456789*#ABCD", sample_rate=rate, level_dbm0=-10, on_ms=50, off_ms=50)
    det = DtmfDetector(sample_rate=rate)
    assert "".join(e.digit for e in _all(det, x)) == "0123456789*#ABCD"


def test_empty_input_is_fine():
    assert DtmfDetector().process(np.zeros(0, np.int16)) == []


@pytest.mark.parametrize(
    ("bad", "error", "words"),
    [
        (np.zeros(10, np.float32), TypeError, "int16"),
        (np.zeros(10, np.int32), TypeError, "int16"),
        (np.zeros((2, 10), np.int16), ValueError, "1-D"),
    ],
)
def test_bad_input_is_named(bad, error, words):
    with pytest.raises(error, match=words):
        DtmfDetector().process(bad)


def test_bad_construction_is_named():
    with pytest.raises(ValueError, match="sample_rate 4000"):
        DtmfDetector(sample_rate=4000)
    with pytest.raises(TypeError, match="DtmfParams"):
        DtmfDetector(params={"min_hits": 3})


def test_params_are_used():
    # A receiver that insists on 200 ms tones ignores a 100 ms one.
    strict = DtmfDetector(params=DtmfParams(min_hits=45))
    assert _all(strict, dtmf("5", on_ms=100)) == []
    assert [e.digit for e in _all(strict, dtmf("5", on_ms=250))] == ["5"]
