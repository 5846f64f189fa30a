"""27.007 and Huawei line parsers, dialect detection and the serial audio framing.

Examples come from 3GPP TS 27.007 (§7.18 +CLCC, §7.6 +CLIP, §7.2 +CREG, §8.5 +CSQ,
§8.3 +CPIN) and Huawei's AT Command Interface Specification (^CEND, ^CONN, …).
The fuzz tests feed 10,000+ arbitrary lines: a parser returns its record or raises
ParseError, nothing else.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.lines.gsm import dialect as dialects
from firmware.lines.gsm.clcc import (
    CallerInfo,
    CallInfo,
    ParseError,
    RegistrationInfo,
    SignalQuality,
    cause_words,
    dial_result_for_cause,
    parse_clcc,
    parse_clip,
    parse_cpin,
    parse_creg,
    parse_csq,
    split_fields,
)
from firmware.lines.gsm.dialect import Alerting, Connected, DtmfDigit, Ended, Originated, Quiet
from firmware.lines.gsm.huawei import Huawei, parse_call_urc
from firmware.lines.serial_audio import SerialAudioLink

# -- fields ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ('"",128,,,,1', ["", "128", None, None, None, "1"]),
        ('1,1,4,0,0,"+44 12,34",145', ["1", "1", "4", "0", "0", "+44 12,34", "145"]),
        ("1, 2 ,3", ["1", "2", "3"]),
        ("1,", ["1", None]),
        ("", [None]),
    ],
)
def test_split_fields(text, fields):
    assert split_fields(text) == fields


@pytest.mark.parametrize("text", ['"open', '"a"b', '1,2"x"'])
def test_split_fields_refuses_broken_quotes(text):
    with pytest.raises(ParseError):
        split_fields(text)


# -- +CLCC ----------------------------------------------------------------------------------


def test_clcc_incoming_call():
    info = parse_clcc('+CLCC: 1,1,4,0,0,"+441234567890",145')
    assert info == CallInfo(1, False, "incoming", 0, False, "+441234567890", 145)
    assert info.is_voice


def test_clcc_huawei_style_and_minimal():
    assert parse_clcc("+CLCC:2,0,3,0,0").state == "alerting"
    assert parse_clcc('+CLCC: 1,0,0,1,1,"123",129,"Bob"').name == "Bob"
    assert not parse_clcc('+CLCC: 1,0,0,1,0,"123",129').is_voice


@pytest.mark.parametrize(
    "line",
    ["+CLCC: 1,1,4,0", "+CLCC: 1,2,4,0,0", "+CLCC: 1,1,9,0,0", "+CLCC: x,1,4,0,0", "+CLIP: 1"],
)
def test_clcc_rejects(line):
    with pytest.raises(ParseError):
        parse_clcc(line)


# -- +CLIP ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            '+CLIP: "+441234567890",145,,,"Alice",0',
            CallerInfo("+441234567890", 145, "Alice", "valid"),
        ),
        ('+CLIP:"82882690",129,,,,0', CallerInfo("82882690", 129, None, "valid")),
        ('+CLIP: "",128,,,,1', CallerInfo(None, 128, None, "withheld")),
        ('+CLIP:"",128,,,,2', CallerInfo(None, 128, None, "unavailable")),
        ('+CLIP: "0123",129', CallerInfo("0123", 129, None, "valid")),
        ('+CLIP: "",128', CallerInfo(None, 128, None, "unavailable")),
        ('+CLIP: "999",129,,,,1', CallerInfo(None, 129, None, "withheld")),  # number dropped
    ],
)
def test_clip(line, expected):
    assert parse_clip(line) == expected


# -- +CREG, +CSQ, +CPIN -------------------------------------------------------------------------


def test_creg_read_and_unsolicited():
    assert parse_creg("+CREG: 1,5", read=True) == RegistrationInfo(5)
    assert parse_creg("+CREG: 2") == RegistrationInfo(2)
    info = parse_creg('+CREG: 2,1,"00C3","0010AAD3",2', read=True)
    assert (info.stat, info.lac, info.cell_id, info.act) == (1, "00C3", "0010AAD3", 2)
    assert info.registered and info.down_reason is None
    assert parse_creg("+CREG: 3").down_reason == "registration denied by the network"
    assert parse_creg("+CREG: 0").status == "not registered"


@pytest.mark.parametrize(("rssi", "dbm"), [(0, -113), (1, -111), (20, -73), (31, -51), (99, None)])
def test_csq_in_dbm(rssi, dbm):
    assert parse_csq(f"+CSQ: {rssi},99").dbm == dbm


@pytest.mark.parametrize("line", ["+CSQ: 32,0", "+CSQ: 10", "+CSQ: 10,8", "+CSQ: -1,0"])
def test_csq_rejects(line):
    with pytest.raises(ParseError):
        parse_csq(line)


def test_cpin():
    assert parse_cpin("+CPIN: READY") == "READY"
    assert parse_cpin("+CPIN:SIM PIN") == "SIM PIN"
    with pytest.raises(ParseError):
        parse_cpin("+CPIN: ")


def test_causes():
    assert cause_words(16) == "normal clearing"
    assert cause_words(None) == "normal"
    assert cause_words(250) == "network cause 250"
    assert [dial_result_for_cause(c) for c in (17, 21, 18, 19, 16, None)] == [
        "busy",
        "busy",
        "no_answer",
        "no_answer",
        "no_carrier",
        "no_carrier",
    ]


# -- Huawei codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "signal"),
    [
        ("^ORIG:1,0", Originated(1)),
        ("^CONF:1", Alerting(1)),
        ("^CONN:2,0", Connected(2)),
        ("^CEND:1,12,104,16", Ended(1, 12, 16, None)),
        ("^CEND:1,0,29", Ended(1, 0, None, "ended by this side")),
        ("^CEND:1,0,104", Ended(1, 0, None, "ended (end status 104)")),
        ("^DDTMF: 5", DtmfDigit("5")),
        ("^DDTMF:#", DtmfDigit("#")),
        ("^RSSI:17", Quiet()),
        ("^BOOT:20111246,0,0,0,75", Quiet()),
        ("^MODE:5,4", Quiet()),
        ("^SRVST:2", Quiet()),
        ("+CLIP: 1", None),
        ("RING", None),
    ],
)
def test_huawei_codes(line, signal):
    assert parse_call_urc(line) == signal


@pytest.mark.parametrize("line", ["^CEND:1", "^CEND:a,0,1", "^CONN:", "^DDTMF: X", "^ORIG:10,0"])
def test_huawei_codes_rejected(line):
    with pytest.raises(ParseError):
        parse_call_urc(line)


def test_every_huawei_code_is_routed_as_unsolicited():
    for line in ("^CEND:1,0,104,16", "^RSSI:3", "^DDTMF: 1", "^SYSSTART", "+CRING: VOICE"):
        assert line.startswith(Huawei.urc_prefixes)


# -- dialects ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manufacturer", "model", "name"),
    [
        ("huawei", "E1550", "huawei"),
        ("HUAWEI", "E173", "huawei"),
        ("Huawei Technologies", "E1752", "huawei"),
        ("SIMCOM_Ltd", "SIMCOM_SIM800L", "sim800"),
        ("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "sim7600"),
        ("Quectel", "EC25", "quectel"),
        ("Telit", "LE910", "generic"),
        ("", "", "generic"),
    ],
)
def test_dialect_detection(manufacturer, model, name):
    assert dialects.detect(manufacturer, model).name == name


def test_dialect_by_name():
    assert dialects.by_name("Huawei") is Huawei
    with pytest.raises(ValueError, match="known: generic, huawei"):
        dialects.by_name("nokia")


def test_identity_from_ati():
    huawei = [
        "Manufacturer: huawei",
        "Model: E1550",
        "Revision: 11.608",
        "IMEI: 35",
        "+GCAP: +CGSM",
    ]
    assert dialects.identity_from_ati(huawei) == ("huawei", "E1550")
    assert dialects.identity_from_ati(["SIMCOM_Ltd", "SIMCOM_SIM800L", "Revision:1418B04"]) == (
        "SIMCOM_Ltd",
        "SIMCOM_SIM800L",
    )


# -- fuzz: nothing but records and ParseError ----------------------------------------------------

PARSERS = [
    ("+CLCC:", parse_clcc, CallInfo),
    ("+CLIP:", parse_clip, CallerInfo),
    ("+CREG:", parse_creg, RegistrationInfo),
    ("+CREG:", lambda s: parse_creg(s, read=True), RegistrationInfo),
    ("+CSQ:", parse_csq, SignalQuality),
    ("+CPIN:", parse_cpin, str),
    ("^CEND:", parse_call_urc, Ended),
    ("^CONN:", parse_call_urc, Connected),
    ("^DDTMF:", parse_call_urc, DtmfDigit),
]
LIKELY = st.text(alphabet='0123456789,,,"" +#*ABab-\t', max_size=40)


@settings(max_examples=10_000, deadline=None)
@given(which=st.integers(0, len(PARSERS) - 1), body=st.one_of(LIKELY, st.text(max_size=40)))
def test_fuzz_parsers_raise_only_parse_error(which, body):
    prefix, parse, kind = PARSERS[which]
    try:
        result = parse(prefix + body)
    except ParseError:
        return
    assert isinstance(result, kind)


@settings(max_examples=500, deadline=None)
@given(
    call_id=st.integers(1, 9),
    direction=st.integers(0, 1),
    stat=st.integers(0, 5),
    mode=st.integers(0, 9),
    number=st.text(alphabet="+0123456789*#", max_size=20),
    space=st.booleans(),
)
def test_fuzz_clcc_round_trip(call_id, direction, stat, mode, number, space):
    sep = ": " if space else ":"
    info = parse_clcc(f'+CLCC{sep}{call_id},{direction},{stat},{mode},0,"{number}",129')
    assert (info.call_id, info.outgoing, info.mode) == (call_id, direction == 0, mode)
    assert info.number == (number or None)


# -- serial audio framing -------------------------------------------------------------------------


class PipeWriter:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


async def test_serial_audio_frames_and_pacing():
    reader = asyncio.StreamReader()
    writer = PipeWriter()

    async def opener():
        return reader, writer, lambda: None

    got: list[np.ndarray] = []
    link = SerialAudioLink(opener, on_frame=got.append, max_queue=3)
    await link.start()
    samples = np.arange(3 * 160, dtype=np.int16) - 240
    raw = samples.astype("<i2").tobytes()
    for chunk in (raw[:7], raw[7:321], raw[321:]):  # split anywhere, even inside a sample
        reader.feed_data(chunk)
    out = np.arange(160, dtype=np.int16)
    link.play(out)
    while link.frames_in < 3:
        await asyncio.sleep(0.01)
    assert np.array_equal(np.concatenate(got), samples)
    assert all(len(f) == 160 for f in got)
    # one frame out per frame in: ours first (queued before they were read), then silence
    assert link.frames_out == 3
    sent = np.frombuffer(bytes(writer.data), dtype="<i2")
    assert np.array_equal(sent[:160], out) and not sent[160:].any() and len(sent) == 480
    for _ in range(5):
        link.play(out)
    assert link.dropped == 2  # bounded queue: the oldest go
    await link.stop()
    assert not link.running
