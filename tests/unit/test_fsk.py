"""FskDemodulator (Bell 202 / V.23): bytes, positions, levels, noise, chunking, reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp_ext.callerid_gen import FSK_STANDARDS, MARK_BITS, bits_of, fsk_modulate
from dsp_ext.fsk import FskByte, FskDemodulator
from dsp_ext.generate import to_pcm16, white_noise
from dsp_ext.levels import sine_peak
from dsp_ext.reference.fsk import demodulate

STANDARDS = ("bell202", "v23")


def burst(
    data: bytes,
    standard: str,
    level: float = -13.0,
    snr_db: float | None = None,
    seed: int = 0,
    sample_rate: int = 8000,
    baud_error: float = 0.0,
    freq_error_hz: float = 0.0,
) -> tuple[np.ndarray, list[float]]:
    """Silence, a mark signal, ``data`` as characters, silence; and each start bit's sample."""
    lead = sample_rate // 20
    bits = [1] * MARK_BITS[standard] + bits_of(data) + [1] * 4
    fsk = fsk_modulate(bits, standard, sample_rate, level, baud_error, freq_error_hz).astype(float)
    spb = sample_rate / (FSK_STANDARDS[standard][2] * (1.0 + baud_error))
    x = np.concatenate([np.zeros(lead), fsk, np.zeros(lead)])
    if snr_db is not None:
        x = x + white_noise(len(x), level - snr_db, np.random.default_rng(seed))
    starts = [lead + (MARK_BITS[standard] + 10 * k) * spb for k in range(len(data))]
    return to_pcm16(x), starts


def check_bytes(got: list, data: bytes, starts: list[float], tolerance: float = 3.0) -> None:
    assert bytes(b.value for b in got) == data
    for b, s in zip(got, starts, strict=True):
        assert abs(b.start - s) <= tolerance, (b, s)


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("level", [-5.0, -13.0, -25.0, -40.0])
def test_bytes_and_positions_at_levels_with_20db_snr(standard, level):
    data = bytes(range(256))[::3] + b"\x00\xff\x55\xaa"
    x, starts = burst(data, standard, level, snr_db=20.0, seed=int(-level))
    check_bytes(FskDemodulator(standard).process(x), data, starts)


@pytest.mark.parametrize("standard", STANDARDS)
@pytest.mark.parametrize("baud_error", [-0.01, 0.0, 0.01])
@pytest.mark.parametrize("freq_error", [-10.0, 10.0])
def test_baud_and_frequency_error(standard, baud_error, freq_error):
    data = b"\x80\x55\xaa\x00\xff" + bytes(range(40, 100))
    x, starts = burst(
        data, standard, -30.0, 20.0, 7, baud_error=baud_error, freq_error_hz=freq_error
    )
    check_bytes(FskDemodulator(standard).process(x), data, starts)


@pytest.mark.parametrize("standard", STANDARDS)
def test_16khz(standard):
    data = b"caller id at 16 kHz"
    x, starts = burst(data, standard, -20.0, 20.0, sample_rate=16000)
    check_bytes(FskDemodulator(standard, 16000).process(x), data, starts, tolerance=5.0)


@pytest.mark.parametrize("standard", STANDARDS)
def test_silence_and_noise_alone_give_nothing(standard):
    demod = FskDemodulator(standard)
    assert demod.process(np.zeros(16000, dtype=np.int16)) == []
    assert not demod.carrier
    rng = np.random.default_rng(3)
    for level in (-50.0, -30.0, -10.0):
        assert demod.process(to_pcm16(white_noise(16000, level, rng))) == []


@pytest.mark.parametrize("standard", STANDARDS)
def test_steady_mark_is_idle_and_carrier_follows_the_burst(standard):
    demod = FskDemodulator(standard)
    mark = fsk_modulate([1] * 600, standard, level_dbm0=-20.0)
    assert demod.process(mark) == []
    assert demod.carrier
    demod.process(np.zeros(80, dtype=np.int16))
    assert not demod.carrier


@pytest.mark.parametrize("standard", STANDARDS)
def test_below_the_level_floor_gives_nothing(standard):
    x, _ = burst(b"\x04\x12quiet", standard, level=-55.0)
    assert FskDemodulator(standard).process(x) == []


@pytest.mark.parametrize("standard", STANDARDS)
def test_framing_error_drops_the_byte(standard):
    # a character whose stop bit is a space: the receiver must not report it
    bits = [1] * 100 + [0] + [1, 0] * 4 + [0] + [0] * 3 + [1] * 40 + bits_of(b"\x42") + [1] * 10
    got = FskDemodulator(standard).process(fsk_modulate(bits, standard))
    assert [b.value for b in got] == [0x42]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    standard=st.sampled_from(STANDARDS),
    data=st.binary(min_size=1, max_size=40),
    seed=st.integers(0, 2**16),
    cuts=st.lists(st.integers(0, 6000), max_size=12),
)
def test_random_chunks_and_frames_equal_one_shot(standard, data, seed, cuts):
    x, starts = burst(data, standard, -20.0, 20.0, seed)
    demod = FskDemodulator(standard)
    whole = demod.process(x)
    check_bytes(whole, data, starts)
    demod.reset()
    pieces = []
    for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(x)], strict=True):
        pieces += demod.process(x[a:b])
    assert pieces == whole
    demod.reset()
    framed = []
    for i in range(0, len(x), 160):
        framed += demod.process(x[i : i + 160])
    assert framed == whole


@settings(max_examples=8, deadline=None)
@given(
    standard=st.sampled_from(STANDARDS),
    data=st.binary(min_size=1, max_size=24),
    level=st.floats(-40.0, -5.0),
    snr=st.sampled_from([None, 20.0, 12.0]),
    seed=st.integers(0, 2**16),
)
def test_cython_matches_numpy_reference(standard, data, level, snr, seed):
    x, _ = burst(data, standard, level, snr, seed)
    # a seizure-like alternating run and some noise-only tail exercise every path
    x = np.concatenate([fsk_modulate([0, 1] * 40 + [1] * 80, standard, level_dbm0=level), x])
    ref = demodulate(x, standard)
    assert FskDemodulator(standard).process(x) == ref
    assert len(ref) >= len(data)


def test_reference_and_kernel_share_their_tables():
    from dsp_ext import fsk
    from dsp_ext.reference import fsk as ref

    assert fsk.STANDARDS == ref.STANDARDS == FSK_STANDARDS
    assert fsk.butterworth_sections(960.0, 2640.0, 8000.0) == ref.butterworth_sections(
        960.0, 2640.0, 8000.0
    )


def test_bytes_are_named_tuples():
    x, _ = burst(b"A", "bell202")
    (b,) = FskDemodulator().process(x)
    assert isinstance(b, FskByte) and b.value == 0x41 and isinstance(b.start, int)


def test_empty_input_and_reset():
    demod = FskDemodulator("v23")
    assert demod.process(np.zeros(0, dtype=np.int16)) == []
    x, _ = burst(b"xyz", "v23")
    first = demod.process(x)
    assert demod.samples_seen == len(x)
    demod.reset()
    assert demod.samples_seen == 0 and demod.process(x) == first


@pytest.mark.parametrize(
    ("samples", "error", "words"),
    [
        (np.zeros((2, 80), dtype=np.int16), ValueError, "1-D"),
        (np.zeros(80, dtype=np.float32), TypeError, "int16"),
        (np.zeros(80, dtype=np.int32), TypeError, "int16"),
    ],
)
def test_bad_input_is_named(samples, error, words):
    with pytest.raises(error, match=words):
        FskDemodulator().process(samples)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"standard": "v21"}, "unknown standard"),
        ({"sample_rate": 4000}, "sample_rate"),
        ({"on_ratio": 0.3, "off_ratio": 0.6}, "off_ratio"),
    ],
)
def test_bad_parameters_are_named(kwargs, words):
    with pytest.raises(ValueError, match=words):
        FskDemodulator(**kwargs)


def test_modulator_is_phase_continuous_at_the_level_asked():
    bits = [0, 1] * 50
    x = fsk_modulate(bits, "bell202", level_dbm0=-10.0).astype(float)
    assert np.max(np.abs(x)) == pytest.approx(sine_peak(-10.0), rel=0.01)
    # no step between samples is larger than a 2200 Hz sine's largest: no phase jumps
    step = 2.0 * sine_peak(-10.0) * np.sin(np.pi * 2200 / 8000) + 2.0
    assert np.max(np.abs(np.diff(x))) <= step
    k = int(np.argmax(np.abs(x[:-1] + x[1:]))) + 1
    jumpy = np.concatenate([x[:k], -x[k:]])  # what a phase jump looks like
    assert np.max(np.abs(np.diff(jumpy))) > step
