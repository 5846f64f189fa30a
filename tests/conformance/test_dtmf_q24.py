"""ITU-T Q.24 DTMF reception limits (with the Bellcore/ETSI figures it cites).

Every signal is generated here; each test is named after the clause it checks and
runs with the receiver fed 10 ms frames, 20 ms frames and the whole array at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.dtmf_table import COL_HZ, DIGITS, ROW_HZ
from dsp_ext.generate import dtmf, to_pcm16, tone, white_noise
from dsp_ext.levels import dbm0_to_rms
from tests.dtmf_helpers import FEEDS, decode, digits

pytestmark = pytest.mark.parametrize("feed", FEEDS)


def _with_noise(x: np.ndarray, snr_db: float, signal_dbm0: float, seed: int) -> np.ndarray:
    noise = white_noise(len(x), signal_dbm0 - snr_db, np.random.default_rng(seed))
    return to_pcm16(x.astype(np.float64) + noise)


@pytest.mark.parametrize("level", [0.0, -3.0, -10.0, -20.0, -25.0])
def test_q24_operate_all_16_digits_0_to_minus_25_dbm0(feed, level):
    x = dtmf(DIGITS, level_dbm0=level, on_ms=50, off_ms=50, lead_ms=13)
    assert digits(x, feed) == DIGITS


@pytest.mark.parametrize("low_dev", [-0.015, 0.0, 0.015])
@pytest.mark.parametrize("high_dev", [-0.015, 0.0, 0.015])
@pytest.mark.parametrize("level", [-3.0, -25.0])
def test_q24_operate_frequency_deviation_1_5_percent(feed, low_dev, high_dev, level):
    x = dtmf(DIGITS, level_dbm0=level, low_dev=low_dev, high_dev=high_dev, on_ms=50, off_ms=50)
    assert digits(x, feed) == DIGITS


@pytest.mark.parametrize("dev", [-0.05, -0.04, -0.035, 0.035, 0.04, 0.05])
@pytest.mark.parametrize("group", ["low", "high"])
def test_q24_non_operate_frequency_deviation_3_5_percent(feed, dev, group):
    kwargs = {"low_dev": dev} if group == "low" else {"high_dev": dev}
    for level in (-3.0, -15.0):
        x = dtmf(DIGITS, level_dbm0=level, on_ms=80, off_ms=60, **kwargs)
        assert digits(x, feed) == "", f"{group} group {dev:+.1%} at {level} dBm0"


@pytest.mark.parametrize("freq", ROW_HZ + COL_HZ)
def test_q24_non_operate_single_frequency(feed, freq):
    for level in (0.0, -10.0, -25.0):
        x = to_pcm16(np.concatenate([tone(freq, 0.5, level), np.zeros(400)]))
        assert digits(x, feed) == "", f"{freq} Hz alone at {level} dBm0"


def test_q24_operate_40ms_tones_with_40ms_pauses(feed):
    # Every alignment of the tone against the receiver's 4.25 ms hop.
    for lead in range(0, 34, 3):
        x = dtmf(DIGITS, level_dbm0=-10, on_ms=40, off_ms=40, lead_ms=lead / 8)
        assert digits(x, feed) == DIGITS, f"lead {lead} samples"


@pytest.mark.parametrize("on_ms", [10, 15, 20, 23])
def test_q24_non_operate_tones_of_23ms_or_less(feed, on_ms):
    for lead in range(0, 34, 3):
        for level in (0.0, -10.0, -25.0):
            x = dtmf(DIGITS, level_dbm0=level, on_ms=on_ms, off_ms=60, lead_ms=lead / 8)
            assert digits(x, feed) == "", f"{on_ms} ms, lead {lead}, {level} dBm0"


def test_q24_long_press_is_one_digit(feed):
    x = _with_noise(dtmf("7", level_dbm0=-12, on_ms=3000, off_ms=100), 15, -9, seed=1)
    assert digits(x, feed) == "7"


def test_q24_repeated_presses_are_separate_digits(feed):
    for lead in range(0, 34, 5):
        x = dtmf("5555", level_dbm0=-10, on_ms=40, off_ms=40, lead_ms=lead / 8)
        assert digits(x, feed) == "5555", f"lead {lead}"


def test_q24_interruption_of_10ms_is_not_two_digits(feed):
    tone_part = dtmf("8", level_dbm0=-10, on_ms=60, off_ms=10)
    x = np.concatenate([tone_part, dtmf("8", level_dbm0=-10, on_ms=60, off_ms=100)])
    assert digits(x, feed) == "8"


@pytest.mark.parametrize("twist_db", [8.0, 6.0, -2.0, -4.0])
@pytest.mark.parametrize("level", [-3.0, -10.0, -15.0])
def test_q24_operate_twist_8db_normal_4db_reverse(feed, twist_db, level):
    x = dtmf(DIGITS, level_dbm0=level, twist_db=twist_db, on_ms=50, off_ms=50)
    assert digits(x, feed) == DIGITS


@pytest.mark.parametrize("level", [-5.0, -10.0, -20.0])
def test_q24_operate_at_15db_signal_to_noise(feed, level):
    # SNR against the two tones' total power, white noise over the whole band.
    signal_dbm0 = level + 10 * np.log10(2)
    for seed in range(3):
        x = _with_noise(dtmf(DIGITS, level_dbm0=level, on_ms=50, off_ms=50), 15, signal_dbm0, seed)
        assert digits(x, feed) == DIGITS, f"seed {seed}"


PROGRESS_TONES = {
    "ITU dial 425": ((425.0,), [(1.0, 0.0)]),
    "ITU busy 425": ((425.0,), [(0.5, 0.5)] * 3),
    "ITU ringback 425": ((425.0,), [(1.0, 4.0)]),
    "NA dial 350+440": ((350.0, 440.0), [(1.5, 0.0)]),
    "NA ringback 440+480": ((440.0, 480.0), [(2.0, 4.0)]),
    "NA busy 480+620": ((480.0, 620.0), [(0.5, 0.5)] * 3),
    "NA congestion 480+620": ((480.0, 620.0), [(0.25, 0.25)] * 6),
}


@pytest.mark.parametrize("name", sorted(PROGRESS_TONES))
def test_q24_no_digit_from_call_progress_tones(feed, name):
    freqs, cadence = PROGRESS_TONES[name]
    for level in (0.0, -10.0, -25.0):
        parts = []
        for on, off in cadence:
            parts += [tone(freqs, on, level), np.zeros(round(off * 8000))]
        x = to_pcm16(np.concatenate(parts))
        assert digits(x, feed) == "", f"{name} at {level} dBm0"
        noisy = _with_noise(x, 15, level, seed=2)
        assert digits(noisy, feed) == "", f"{name} at {level} dBm0 in noise"


def test_q24_digit_timing_within_3ms(feed):
    on, off, lead = 70, 55, 21
    x = dtmf("159#", level_dbm0=-10, on_ms=on, off_ms=off, lead_ms=lead)
    events = decode(x, feed)
    assert [e.digit for e in events] == list("159#")
    for i, e in enumerate(events):
        true_start = round((lead + i * (on + off)) * 8)
        true_end = true_start + on * 8
        assert abs(e.start - true_start) <= 24, (e, true_start)
        assert abs(e.end - true_end) <= 24, (e, true_end)


def test_q24_minimum_level_floor_is_below_minus_25(feed):
    # A pair at −35 dBm0 per tone is under the receiver's floor (−30 dBm0): no digit.
    assert digits(dtmf("123", level_dbm0=-35), feed) == ""
    assert dbm0_to_rms(-35) < dbm0_to_rms(-30)
