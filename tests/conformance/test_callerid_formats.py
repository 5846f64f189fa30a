"""Caller ID against the published formats: Telcordia GR-30 (Bell 202, SDMF/MDMF),
ETSI EN 300 659-1/-3 (V.23, call setup parameters, DTMF annex).

Vectors are the classic public examples of GR-30 messages; every signal is generated.
Two of those widely copied examples carry a wrong checksum byte (their bytes do not sum
to 0 mod 256): the blocked SDMF example ends in 0x12 where 0x0E is right, the MDMF
example in 0x7D where 0x84 is right. The tests check that those are rejected as they
stand and decode once the checksum is corrected.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext import callerid
from dsp_ext.callerid import CallDateTime, CallerIdDecoder, parse_dtmf_callerid, parse_message
from dsp_ext.callerid_gen import bits_of, callerid_burst, fsk_modulate
from dsp_ext.fsk import FskDemodulator
from dsp_ext.generate import to_pcm16, white_noise

SDMF_EXAMPLE = bytes.fromhex("04 12 30 39 33 30 31 32 32 34 36 30 39 35 35 35 31 32 31 32 51")
SDMF_BLOCKED_PUBLISHED = bytes.fromhex("04 09 30 39 33 30 31 32 32 34 50 12")
MDMF_EXAMPLE_PUBLISHED = bytes.fromhex(
    "80 20 01 08 30 33 32 34 30 39 30 32 07 08 4A 4F 48 4E 20 44 4F 45"
    " 02 0A 38 30 30 35 35 35 31 32 31 32 7D"
)


def corrected(message: bytes) -> bytes:
    return message[:-1] + bytes([(256 - sum(message[:-1]) % 256) % 256])


SDMF_BLOCKED = corrected(SDMF_BLOCKED_PUBLISHED)
MDMF_EXAMPLE = corrected(MDMF_EXAMPLE_PUBLISHED)


def test_gr30_sdmf_example_message():
    cid, err = parse_message(SDMF_EXAMPLE)
    assert err is None
    assert cid.date_time == CallDateTime(9, 30, 12, 24) and cid.number == "6095551212"


def test_gr30_sdmf_private_is_p():
    cid, err = parse_message(SDMF_BLOCKED)
    assert err is None and cid.number is None and cid.number_absence == "private"


def test_gr30_mdmf_example_message():
    cid, err = parse_message(MDMF_EXAMPLE)
    assert err is None
    assert (cid.date_time, cid.name, cid.number) == (
        CallDateTime(3, 24, 9, 2),
        "JOHN DOE",
        "8005551212",
    )


@pytest.mark.parametrize("message", [SDMF_EXAMPLE, SDMF_BLOCKED, MDMF_EXAMPLE])
def test_gr30_checksum_is_twos_complement_of_the_sum(message):
    assert (sum(message[:-1]) + message[-1]) % 256 == 0
    assert callerid.checksum(message[:-1]) == message[-1]


@pytest.mark.parametrize(
    ("published", "right"), [(SDMF_BLOCKED_PUBLISHED, 0x0E), (MDMF_EXAMPLE_PUBLISHED, 0x84)]
)
def test_gr30_published_examples_with_a_wrong_checksum_are_rejected(published, right):
    assert corrected(published)[-1] == right
    cid, err = parse_message(published)
    assert cid is None and f"expected 0x{right:02x}" in err


def test_en300659_3_parameter_codes():
    assert (callerid.MSG_SDMF, callerid.MSG_MDMF) == (0x04, 0x80)
    assert callerid.PARAM_DATE_TIME == 0x01
    assert callerid.PARAM_NUMBER == 0x02
    assert callerid.PARAM_NUMBER_ABSENT == 0x04
    assert callerid.PARAM_NAME == 0x07
    assert callerid.PARAM_NAME_ABSENT == 0x08


@pytest.mark.parametrize(
    ("standard", "mark", "space"), [("bell202", 1200, 2200), ("v23", 1300, 2100)]
)
def test_tone_frequencies_mark_is_one_space_is_zero(standard, mark, space):
    for bit, want in ((1, mark), (0, space)):
        x = fsk_modulate([bit] * 1200, standard).astype(float)  # one second
        spectrum = np.abs(np.fft.rfft(x))
        assert np.argmax(spectrum) * 8000 / len(x) == pytest.approx(want, abs=1.0)


def test_async_character_framing_start_lsb_first_stop():
    assert bits_of(b"\x01") == [0, 1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bits_of(b"\x80") == [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]
    # the receiver reads a hand-framed character the same way
    bits = [1] * 80 + [0, 1, 1, 0, 0, 0, 0, 1, 0, 1] + [1] * 10  # 0x43 = 'C'
    (b,) = FskDemodulator("v23").process(fsk_modulate(bits, "v23"))
    assert b.value == 0x43


@pytest.mark.parametrize("standard", ["bell202", "v23"])
@pytest.mark.parametrize("level", [-5.0, -40.0])
@pytest.mark.parametrize(
    ("baud_error", "freq_error"), [(-0.01, -10.0), (0.01, 10.0), (0.01, -10.0)]
)
def test_receiver_range_level_snr_baud_and_frequency(standard, level, baud_error, freq_error):
    x = callerid_burst(
        MDMF_EXAMPLE,
        standard,
        level_dbm0=level,
        baud_error=baud_error,
        freq_error_hz=freq_error,
        tail_ms=500,
    ).astype(float)
    x = to_pcm16(x + white_noise(len(x), level - 20.0, np.random.default_rng(5)))
    dec = CallerIdDecoder()
    (event,) = dec.process(x) + dec.flush()
    assert event.ok and event.raw == MDMF_EXAMPLE and event.standard == standard


@pytest.mark.parametrize(
    ("digits", "number", "absence"),
    [
        ("A0612345678C", "0612345678", None),  # EN 300 659-1 annex: A ... C
        ("B00C", None, "unavailable"),  # information code 00: not available
        ("B10C", None, "private"),  # information code 10: presentation restricted
        ("A33445566#", "33445566", None),  # Danish: A ... #
        ("D1#", None, "private"),  # Danish: D1# restricted by the caller
        ("D2#", None, "unavailable"),  # Danish: D2# international call
        ("D3#", None, "unavailable"),  # Danish: D3# not available
    ],
)
def test_en300659_1_dtmf_annex_formats(digits, number, absence):
    cid = parse_dtmf_callerid(digits)
    assert (cid.number, cid.number_absence) == (number, absence)
