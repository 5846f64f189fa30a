"""Caller ID message layer and decoder: round trips, errors, garbage, chunking, DTMF."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsp_ext.callerid import (
    CallDateTime,
    CallerId,
    CallerIdDecoder,
    DtmfCallerIdAssembler,
    MessageFramer,
    checksum,
    parse_dtmf_callerid,
    parse_message,
)
from dsp_ext.callerid_gen import (
    callerid_burst,
    dtmf_callerid,
    dtmf_digits,
    mdmf_message,
    message_start_sample,
    sdmf_message,
)
from dsp_ext.generate import to_pcm16, white_noise
from tests import speech

FSK = ("bell202", "v23")
WHEN = CallDateTime(3, 24, 9, 2)
HAVE_DTMF = importlib.util.find_spec("dsp_ext.dtmf") is not None

numbers = st.text("0123456789", min_size=1, max_size=20)
names = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=30)
dates = st.builds(
    CallDateTime, st.integers(1, 12), st.integers(1, 31), st.integers(0, 23), st.integers(0, 59)
)


def decode(x: np.ndarray, **kwargs) -> list:
    dec = CallerIdDecoder(**kwargs)
    return dec.process(x) + dec.flush()


def with_tail(x: np.ndarray, n: int = 4000) -> np.ndarray:
    return np.concatenate([x, np.zeros(n, dtype=np.int16)])


# -- the message parser --------------------------------------------------------------


@given(number=numbers, when=dates)
def test_sdmf_round_trip(number, when):
    cid, err = parse_message(sdmf_message(number, when))
    assert err is None
    assert (cid.number, cid.date_time, cid.name, cid.checksum_ok) == (number, when, None, True)


@pytest.mark.parametrize(("reason", "char"), [("private", b"P"), ("unavailable", b"O")])
def test_sdmf_absent_number(reason, char):
    msg = sdmf_message(None, WHEN, reason)
    assert msg[-2:-1] == char
    cid, err = parse_message(msg)
    assert err is None and cid.number is None and cid.number_absence == reason


@given(
    number=st.none() | numbers,
    name=st.none() | names,
    when=st.none() | dates,
    absent=st.sampled_from([None, "private", "unavailable"]),
)
def test_mdmf_round_trip(number, name, when, absent):
    number_absence = absent if number is None else None
    name_absence = absent if name is None else None
    msg = mdmf_message(number, name, when, number_absence, name_absence)
    cid, err = parse_message(msg, "v23")
    assert err is None
    assert (cid.number, cid.name, cid.date_time) == (number, name, when)
    assert (cid.number_absence, cid.name_absence) == (number_absence, name_absence)
    assert cid.standard == "v23" and cid.raw == msg


def test_mdmf_skips_unknown_parameters():
    msg = mdmf_message("123", extra=[(0x11, b"\x01"), (0xE0, b"0123456789")])
    cid, err = parse_message(msg)
    assert err is None and cid.number == "123"


def test_bad_checksum_is_an_error_never_a_number():
    msg = bytearray(sdmf_message("6095551212", WHEN))
    msg[-1] ^= 0x01
    cid, err = parse_message(bytes(msg))
    assert cid is None and "checksum" in err


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "too short"),
        (b"\x04\x01", "too short"),
        (b"\x06\x01\x00\xf9", "unknown message type"),
        (b"\x04\x05\x31\x32", "length byte"),
        (
            bytes([0x80, 3, 0x02, 5, 0x31]) + bytes([checksum(bytes([0x80, 3, 2, 5, 0x31]))]),
            "overruns",
        ),
    ],
)
def test_malformed_messages_are_named(data, words):
    cid, err = parse_message(data)
    assert cid is None and words in err


@given(st.binary(max_size=300))
def test_parser_never_raises_on_garbage(data):
    cid, err = parse_message(data)
    assert (cid is None) != (err is None)
    if cid is not None:
        assert sum(data) % 256 == 0  # only a message with a good checksum gives a caller ID


@given(
    st.lists(st.tuples(st.integers(0, 255), st.integers(0, 500)), max_size=200),
    st.integers(0, 10**6),
)
def test_framer_never_raises_on_garbage(pairs, now):
    framer = MessageFramer()
    start = 0
    for value, step in pairs:
        start += step
        for raw, s, e, err in framer.feed(value, start):
            assert s <= e and isinstance(raw, bytes) and (err is None or "truncated" in err)
    framer.expire(start + now)


# -- the decoder on audio ------------------------------------------------------------------


@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize(
    "cid",
    [
        CallerId(number="6095551212", date_time=WHEN),  # SDMF
        CallerId(number="8005551212", name="JOHN DOE", date_time=WHEN),  # MDMF
        CallerId(number="0123456789", name="Mary Ann O Neil  Jr", date_time=None),
        CallerId(number_absence="private", name_absence="private", date_time=WHEN),
        CallerId(number_absence="unavailable", date_time=WHEN),  # SDMF 'O'
        CallerId(number="5551234", name_absence="unavailable", date_time=WHEN),
    ],
)
def test_decoder_round_trip(standard, cid):
    x = with_tail(callerid_burst(cid, standard))
    (event,) = decode(x)
    got = event.caller_id
    assert event.ok and event.checksum_ok and event.standard == standard == got.standard
    assert (got.number, got.name, got.date_time) == (cid.number, cid.name, cid.date_time)
    assert (got.number_absence, got.name_absence) == (cid.number_absence, cid.name_absence)
    assert abs(event.start - message_start_sample(standard)) <= 3
    assert event.end - event.start == pytest.approx(len(event.raw) * 10 * 8000 / 1200, abs=4)


@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize("level", [-5.0, -20.0, -40.0])
def test_decoder_in_noise_at_levels(standard, level):
    cid = CallerId(number="4155550100", name="ACME SUPPORT", date_time=WHEN)
    x = with_tail(callerid_burst(cid, standard, level_dbm0=level)).astype(float)
    x = to_pcm16(x + white_noise(len(x), level - 20.0, np.random.default_rng(int(-level))))
    (event,) = decode(x)
    assert event.ok and event.caller_id.number == "4155550100"
    assert event.caller_id.name == "ACME SUPPORT" and event.standard == standard


@pytest.mark.parametrize("standard", FSK)
def test_decoder_single_standard_and_pauses_between_bytes(standard):
    cid = CallerId(number="12345", name="A B", date_time=WHEN)
    x = with_tail(callerid_burst(cid, standard, gap_bits=[3, 0, 10, 7, 1] * 5))
    (event,) = decode(x, standards=(standard,))
    assert event.ok and event.caller_id.name == "A B"


@pytest.mark.parametrize("standard", FSK)
def test_bad_checksum_burst_gives_an_error_event(standard):
    msg = bytearray(mdmf_message("5550001", "EVE", WHEN))
    msg[-1] = (msg[-1] + 7) & 0xFF
    (event,) = decode(with_tail(callerid_burst(bytes(msg), standard)))
    assert not event.ok and event.checksum_ok is False and event.caller_id is None
    assert "checksum" in event.error and event.raw == bytes(msg)


@pytest.mark.parametrize("standard", FSK)
@pytest.mark.parametrize("keep_bytes", [3, 10, 25])
def test_truncated_burst_gives_an_error_event(standard, keep_bytes):
    msg = mdmf_message("5550002", "TRUNCATED NAME", WHEN)
    x = callerid_burst(msg, standard, tail_ms=0)
    cut = round(message_start_sample(standard) + keep_bytes * 10 * 8000 / 1200) + 2
    (event,) = decode(with_tail(x[:cut]))
    assert not event.ok and event.caller_id is None and "truncated" in event.error
    assert event.raw == msg[:keep_bytes]


@settings(max_examples=30, deadline=None)
@given(st.binary(min_size=1, max_size=60), st.sampled_from(FSK))
def test_garbage_bytes_on_the_line_never_raise(data, standard):
    events = decode(with_tail(callerid_burst(data, standard)))
    for e in events:
        if e.ok:  # only possible if the garbage happens to be a well-formed message
            assert parse_message(e.raw)[0] is not None and e.raw == data[: len(e.raw)]


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cuts=st.lists(st.integers(0, 30000), max_size=10),
    number=numbers,
    name=names,
    bad=st.booleans(),
)
def test_decoder_chunks_and_frames_equal_one_shot(cuts, number, name, bad):
    msg = bytearray(mdmf_message(number, name, WHEN))
    if bad:
        msg[-1] ^= 0x10
    x = np.concatenate(
        [
            callerid_burst(bytes(msg), "bell202"),
            callerid_burst(CallerId(number="777", date_time=WHEN), "v23", lead_ms=300),
            callerid_burst(mdmf_message(number, None, WHEN), "v23")[: 3000 + len(number) * 40],
            np.zeros(3000, dtype=np.int16),
        ]
    )
    whole = decode(x)
    assert [e.ok for e in whole][:2] == [not bad, True]
    dec = CallerIdDecoder()
    pieces = []
    for a, b in zip([0, *sorted(cuts)], [*sorted(cuts), len(x)], strict=True):
        pieces += dec.process(x[a:b])
    assert pieces + dec.flush() == whole
    dec.reset()
    framed = []
    for i in range(0, len(x), 160):
        framed += dec.process(x[i : i + 160])
    assert framed + dec.flush() == whole


def test_events_wait_for_the_hold_then_come_out_once():
    x = callerid_burst(CallerId(number="42", date_time=WHEN), "v23", tail_ms=0)
    dec = CallerIdDecoder()
    assert dec.process(x) == []  # the message just ended: not certain yet
    (event,) = dec.process(np.zeros(2000, dtype=np.int16))
    assert event.caller_id.number == "42" and dec.flush() == []


@pytest.mark.skipif(not speech.have_tools(), reason="espeak-ng and sox build the speech corpus")
def test_speech_gives_no_caller_id():
    x = np.concatenate([speech.synthesize(u) for u in speech.corpus()[::40]])
    assert len(x) > 8000 * 20
    assert decode(x) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"standards": ("bell103",)}, ValueError, "unknown standards"),
        ({"standards": ()}, ValueError, "standards"),
        ({"sample_rate": 1000}, ValueError, "sample_rate"),
    ],
)
def test_bad_decoder_parameters(kwargs, error, words):
    with pytest.raises(error, match=words):
        CallerIdDecoder(**kwargs)


def test_bad_decoder_input():
    dec = CallerIdDecoder()
    with pytest.raises(TypeError, match="int16"):
        dec.process(np.zeros(10))
    with pytest.raises(ValueError, match="1-D"):
        dec.process(np.zeros((2, 2), dtype=np.int16))
    assert dec.process(np.zeros(0, dtype=np.int16)) == []


# -- DTMF caller ID ------------------------------------------------------------------------


def tuples(digits: str, start: int = 1000, on: int = 560, off: int = 560) -> list:
    return [(d, start + i * (on + off), start + i * (on + off) + on) for i, d in enumerate(digits)]


@pytest.mark.parametrize(
    ("digits", "number", "absence"),
    [
        ("A0123456789C", "0123456789", None),
        ("D4512345678C", "4512345678", None),
        ("A12345D678C", "12345", None),
        ("B00C", None, "unavailable"),
        ("B10C", None, "private"),
        ("A4533112233#", "4533112233", None),
        ("D4533112233#", "4533112233", None),
        ("D1#", None, "private"),
        ("D3#", None, "unavailable"),
        ("987654C", "987654", None),
    ],
)
def test_parse_dtmf_callerid(digits, number, absence):
    cid = parse_dtmf_callerid(digits)
    assert (cid.number, cid.number_absence, cid.standard) == (number, absence, "dtmf")
    assert cid.checksum_ok is None and cid.raw == digits.encode()


@pytest.mark.parametrize(
    "digits", ["", "A123", "AC", "A12*3C", "B1C", "A1B00C", "A1A2C", "D9#", "1#2C"]
)
def test_parse_dtmf_rejects_what_is_not_caller_id(digits):
    assert parse_dtmf_callerid(digits) is None


@given(st.text("0123456789ABCD*#", max_size=30))
def test_parse_dtmf_never_raises(digits):
    cid = parse_dtmf_callerid(digits)
    assert cid is None or digits.endswith(("C", "#"))


def test_assembler_groups_by_gap_and_terminator():
    asm = DtmfCallerIdAssembler()
    events = asm.feed(tuples("A5551234C"))
    (e,) = events
    assert e.caller_id.number == "5551234" and e.start == 1000
    # ordinary digits 2 s later give nothing, even when closed by a later gap
    assert asm.feed(tuples("1234", start=30000)) == []
    late = asm.feed(tuples("D1#", start=60000))
    assert late[0].caller_id.number_absence == "private"
    # a group started with A but never terminated is reported as broken when it times out
    assert asm.feed(tuples("A12", start=90000)) == []
    (bad,) = asm.expire(90000 + 10 * 1120)
    assert not bad.ok and "A12" in bad.error


def test_assembler_splits_on_a_long_gap():
    asm = DtmfCallerIdAssembler(max_gap_ms=300)
    first = tuples("A55", start=0)
    second = tuples("5C", start=first[-1][2] + 2401)  # 300 ms + 1 sample later
    assert asm.feed(first + second)[0].error is not None


def test_decoder_feed_dtmf_without_audio():
    dec = CallerIdDecoder(standards=("bell202",))
    (event,) = dec.feed_dtmf(tuples("B10C"))
    assert event.caller_id.number_absence == "private" and event.standard == "dtmf"


@pytest.mark.skipif(not HAVE_DTMF, reason="dsp_ext.dtmf is not built yet")
@pytest.mark.parametrize("style", ["A-C", "D-C", "A-#", "D-#"])
def test_dtmf_caller_id_from_audio(style):
    x = with_tail(dtmf_callerid("4512345678", style))
    (event,) = decode(x, standards=("bell202", "v23", "dtmf"))
    assert event.ok and event.caller_id.number == "4512345678" and event.standard == "dtmf"
    assert event.raw == dtmf_digits("4512345678", style).encode()


@pytest.mark.skipif(not HAVE_DTMF, reason="dsp_ext.dtmf is not built yet")
@pytest.mark.parametrize(("style", "reason"), [("A-C", "private"), ("A-#", "unavailable")])
def test_dtmf_absence_from_audio_in_frames(style, reason):
    x = with_tail(dtmf_callerid(None, style, reason))
    dec = CallerIdDecoder(standards=("dtmf",))
    got = []
    for i in range(0, len(x), 160):
        got += dec.process(x[i : i + 160])
    (event,) = got + dec.flush()
    assert event.caller_id.number_absence == reason and event.caller_id.number is None


def test_digits_keyed_into_an_ivr_are_not_caller_id():
    from dsp_ext.callerid import parse_dtmf_callerid

    assert parse_dtmf_callerid("4719#") is None
    assert parse_dtmf_callerid("4719C").number == "4719"
