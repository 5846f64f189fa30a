"""GsmLine with the SIMCom dialects: SIM800 and SIM7600 emulators on ptys, and their logs.

The line polls +CLCC only every 30 s here, so every call change the tests see comes
from the modem's own reports (``AT+CLCC=1``, ``+DTMF``/``+RXDTMF``, call results).
SIM800 audio comes through an ``ArrayAudioLink`` (the sound card on its analogue
pins); SIM7600 audio is PCM on its second pty.
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.audio.soundcard import ArrayAudioLink
from firmware.emulator.simcom import Sim800Emulator, Sim7600Emulator
from firmware.lines.base import FRAME_SAMPLES
from firmware.lines.events import LineState
from firmware.lines.factory import dialect_of_log
from firmware.lines.gsm import GsmLine, dialect
from firmware.lines.gsm.clcc import ParseError
from firmware.lines.gsm.dialect import CallSignal, Connected, DtmfDigit, Ended, Quiet
from firmware.lines.gsm.simcom import Sim800, Sim7600
from firmware.lines.replay import parse_log
from firmware.lines.transport import serial_opener
from tests.integration.test_gsm_generic import (
    LOGS,
    READY_AGAIN,
    RINGING,
    Recorder,
    init_events,
    run_logs,
    summary,
    until,
)

NUMBER = "+441234567890"


@pytest.fixture(params=["sim800", "sim7600"])
async def modem(request, tmp_path):
    cls = Sim800Emulator if request.param == "sim800" else Sim7600Emulator
    m = cls(by_id_dir=tmp_path / "by-id", late_boot_s=0.2)
    m.ring_interval_s = 0.3
    await m.start()
    yield m
    await m.stop()


def make_line(modem, tmp_path, rec: Recorder, frames: list | None = None, **kw) -> GsmLine:
    if isinstance(modem, Sim7600Emulator):
        kw.setdefault("audio_port", modem.audio.path)
        kw.setdefault("audio_opener", serial_opener(modem.audio.path, lock_dir=tmp_path))
    else:
        kw.setdefault("audio_link", ArrayAudioLink())
    line = GsmLine(
        "sim1",
        port=modem.path,
        opener=serial_opener(modem.path, lock_dir=tmp_path),
        on_event=rec,
        on_audio=(frames.append if frames is not None else None),
        poll_interval_s=30.0,
        reconnect_backoff=(0.1, 0.2),
        **kw,
    )
    line.settle_s = 0.05
    return line


@pytest.fixture
async def simcom(modem, tmp_path):
    rec, frames = Recorder(), []
    line = make_line(modem, tmp_path, rec, frames)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    yield modem, line, rec, frames
    await line.stop()


async def answered_call(modem, line, rec, number=NUMBER):
    modem.ring(number, name="Alice")
    await rec.wait("incoming_call", number=number)
    await line.answer()
    await line.start_audio()


def contains(haystack: np.ndarray, needle: np.ndarray) -> bool:
    """``needle`` in ``haystack``, sample-aligned and in one piece."""
    raw, sub = haystack.tobytes(), needle.tobytes()
    k = raw.find(sub)
    while k >= 0 and k % 2:
        k = raw.find(sub, k + 1)
    return k >= 0


# -- detection and init --------------------------------------------------------------------


async def test_detected_and_initialised(simcom):
    modem, line, _, _ = simcom
    assert line.dialect.name == ("sim800" if isinstance(modem, Sim800Emulator) else "sim7600")
    assert line.identity == (modem.manufacturer, modem.model)
    modem.assert_sent("AT+CLCC=1")
    if isinstance(modem, Sim800Emulator):
        modem.assert_sent("AT+DDET=1,0,0")
    else:
        modem.assert_sent("AT+CPCMFRM=0")
        modem.assert_sent("AT+DDET=1")
    assert line.dialect.reports_dtmf


@pytest.mark.parametrize(
    ("manufacturer", "model", "expected"),
    [
        ("SIMCOM_Ltd", "SIMCOM_SIM800L", Sim800),
        ("SIMCOM_Ltd", "SIMCOM_SIM800C", Sim800),
        ("SIMCOM_Ltd", "SIMCOM_SIM808", Sim800),
        ("SIMCOM INCORPORATED", "SIMCOM_SIM7600G-H", Sim7600),
        ("SIMCOM INCORPORATED", "SIMCOM_SIM7500E", Sim7600),
        ("huawei", "E1550", dialect.by_name("huawei")),
    ],
)
def test_detection(manufacturer, model, expected):
    assert dialect.detect(manufacturer, model) is expected


# -- incoming calls ---------------------------------------------------------------------------


async def test_incoming_with_caller_id_answered_then_caller_hangs_up(simcom):
    modem, line, rec, _ = simcom
    await answered_call(modem, line, rec)
    call = rec.of("incoming_call")[0]
    assert (call.number, call.name, call.validity) == (NUMBER, "Alice", "valid")
    assert (await rec.wait("answered")).direction == "incoming"
    modem.caller_hangs_up()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("remote", "normal")
    await rec.wait_count("state", 2, state=LineState.READY)
    assert len(rec.of("incoming_call")) == 1
    if isinstance(modem, Sim7600Emulator):
        await modem.wait_for("AT+CPCMREG=0")  # PCM released after the call


async def test_caller_gives_up_before_answer(simcom):
    modem, _, rec, _ = simcom
    modem.ring(None, validity=1)
    assert (await rec.wait("incoming_call")).validity == "withheld"
    modem.caller_hangs_up()  # only the +CLCC stat 6 report says so (no poll for 30 s)
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("remote", "caller hung up before answer")
    await rec.wait_count("state", 2, state=LineState.READY)


async def test_we_hang_up(simcom):
    modem, line, rec, _ = simcom
    await answered_call(modem, line, rec)
    await line.hangup()
    modem.assert_sent("AT+CHUP")
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("local", "normal")
    await asyncio.sleep(0.2)  # the +CLCC stat 6 (and VOICE CALL: END) that follow are ours
    assert len(rec.of("hangup")) == 1
    assert line.state == LineState.READY


# -- DTMF and audio ------------------------------------------------------------------------------


async def test_keys_reported_by_the_modem(simcom):
    modem, line, rec, _ = simcom
    await answered_call(modem, line, rec)
    modem.caller_presses("159#")
    await rec.wait_count("dtmf", 4)
    if isinstance(modem, Sim7600Emulator):  # the tones are in the PCM too: the DSP stays off
        await until(lambda: not modem._to_host)
        await asyncio.sleep(0.2)
    assert [(e.digit, e.source) for e in rec.of("dtmf")] == [(d, "modem") for d in "159#"]


async def test_sim7600_without_ddet_the_dsp_hears_the_keys(tmp_path):
    modem = Sim7600Emulator(by_id_dir=tmp_path / "by-id")
    modem.has_ddet = False
    modem.ring_interval_s = 0.3
    await modem.start()
    rec = Recorder()
    line = make_line(modem, tmp_path, rec)
    try:
        await line.start()
        await rec.wait("state", state=LineState.READY)
        assert not line.dialect.reports_dtmf
        await answered_call(modem, line, rec)
        modem.caller_presses("42")
        await rec.wait_count("dtmf", 2)
        assert [(e.digit, e.source) for e in rec.of("dtmf")] == [("4", "dsp"), ("2", "dsp")]
    finally:
        await line.stop()
        await modem.stop()


async def test_audio_both_ways(simcom):
    modem, line, rec, frames = simcom
    await answered_call(modem, line, rec)
    ramp = (np.arange(8 * FRAME_SAMPLES) * 37 % 60000 - 30000).astype(np.int16)
    if isinstance(modem, Sim7600Emulator):
        modem.assert_sent("AT+CPCMREG=1")
        modem.caller_sends(ramp)
        sent = modem.heard
    else:
        link = line.audio_link
        link.feed(ramp)
        sent = link.sent_audio
    for i in range(0, len(ramp), FRAME_SAMPLES):
        line.play(ramp[::-1][i : i + FRAME_SAMPLES].copy())
    await until(lambda: contains(np.concatenate(frames or [ramp[:0]]), ramp))
    assert all(f.dtype == np.int16 and len(f) == FRAME_SAMPLES for f in frames)
    await until(lambda: contains(sent(), ramp[::-1].copy()))


async def test_sim800_sound_card_lost_mid_call(tmp_path):
    modem = Sim800Emulator(by_id_dir=tmp_path / "by-id")
    modem.ring_interval_s = 0.3
    await modem.start()
    rec = Recorder()
    line = make_line(modem, tmp_path, rec)
    try:
        await line.start()
        await rec.wait("state", state=LineState.READY)
        await answered_call(modem, line, rec)
        line.audio_link.fail("device unplugged")
        alarm = await rec.wait("alarm", code="audio_lost")
        assert "device unplugged" in alarm.text
        assert line.state == LineState.IN_CALL  # the call goes on; only its audio is gone
        await line.start_audio()  # and can be tried again
    finally:
        await line.stop()
        await modem.stop()


# -- dialling -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("far_end", "result", "cause"),
    [
        ({"answer_after_s": 0.2}, "answered", None),
        ({"busy": True}, "busy", "busy"),
        ({"no_answer": True, "give_up_after_s": 0.3}, "no_answer", "no answer"),
    ],
)
async def test_dial(simcom, far_end, result, cause):
    modem, line, rec, _ = simcom
    modem.far_end(**far_end)
    assert await line.dial(NUMBER, timeout_s=5) == result
    assert ("progress", "ringing") in [summary(e) for e in rec.of("progress")]
    if result == "answered":
        await line.start_audio()
        await line.send_dtmf("5")
        assert modem.dtmf_sent == ["5"]
        await line.hangup()
        assert (await rec.wait("hangup")).by == "local"
    else:
        ended = await rec.wait("hangup")
        assert (ended.by, ended.cause) == ("remote", cause)
    await rec.wait_count("state", 2, state=LineState.READY)
    assert len(rec.of("hangup")) == 1


# -- faults ---------------------------------------------------------------------------------------


async def test_reboot_mid_call_then_late_boot_lines(simcom):
    modem, line, rec, _ = simcom
    # The driver waits settle_s (0.5 s by default) after a restart before it talks again;
    # the boot lines that follow within it are the same restart, not another one.
    line.settle_s = 0.3
    await answered_call(modem, line, rec)
    modem.reboot()  # RDY, +CPIN: READY within 0.1 s; Call Ready / SMS DONE … later
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem restarted")
    await rec.wait("alarm", code="modem_restarted")
    await rec.wait_count("state", 2, state=LineState.READY)
    await asyncio.sleep(modem.late_boot_s + 0.3)  # the late boot lines are not a 2nd restart
    assert len(rec.of("alarm")) == 1
    assert line.state == LineState.READY
    await answered_call(modem, line, rec, number="+441234567899")


async def test_boot_chatter_is_dropped_quietly(simcom, caplog):
    modem, line, rec, _ = simcom
    before = len(rec.events)
    with caplog.at_level(logging.INFO, logger="hotline.lines"):
        modem.inject("Call Ready", "SMS Ready", "+CFUN: 1", "SMS DONE", "PB DONE")
        modem.inject("VOICE CALL: END: 000000", "+DTMF: 5", "+RXDTMF: 7")  # no call: nothing
        modem.garbage()
        await line._at.command("AT")  # everything above has been read
    assert rec.events[before:] == []
    assert line.state == LineState.READY
    unexpected = [r.getMessage() for r in caplog.records if "unexpected line" in r.getMessage()]
    assert all("junk" in m for m in unexpected), unexpected


async def test_unplug_mid_call_and_replug(simcom):
    modem, line, rec, _ = simcom
    await answered_call(modem, line, rec)
    modem.unplug()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem unplugged")
    assert (await rec.wait("state", state=LineState.DOWN)).reason == "modem unplugged"
    await modem.replug()
    await rec.wait_count("state", 2, state=LineState.READY)
    await answered_call(modem, line, rec, number="+441234567899")  # audio opens again too
    modem.caller_presses("3")
    assert (await rec.wait("dtmf")).digit == "3"


# -- the dialects' parsers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "line", "signal"),
    [
        (Sim800, "+DTMF: 5", DtmfDigit("5")),
        (Sim800, "+DTMF:1", DtmfDigit("1")),  # the manual's examples have no space
        (Sim800, "+DTMF: #,160", DtmfDigit("#")),  # <reportMode> 1
        (Sim7600, "+RXDTMF: *", DtmfDigit("*")),
        (Sim800, '+CLCC: 1,1,6,0,0,"+441234567890",145,""', Ended(1)),
        (Sim800, '+CLCC: 2,0,6,0,0,"+441234567890",145,""', Quiet()),  # BUSY… follows
        (Sim7600, '+CLCC: 1,0,0,0,0,"+441234567890",145,""', Connected(1)),
        (Sim7600, '+CLCC: 1,1,4,0,0,"+441234567890",145,""', Quiet()),
        (Sim7600, "VOICE CALL: BEGIN", Quiet()),
        (Sim7600, "MISSED_CALL: 11:53AM +441234567890", Quiet()),
        (Sim800, "UNDER-VOLTAGE WARNNING", Quiet()),
        (Sim800, "+CRING: VOICE", None),  # 27.007: the driver's own
    ],
)
def test_interpret(cls, line, signal):
    assert cls().interpret(line) == signal


@pytest.mark.parametrize("line", ["+DTMF: 1400", "+DTMF:", "+RXDTMF: 12", '+CLCC: 1,1,7,0,0,""'])
def test_interpret_rejects(line):
    d = Sim7600() if line.startswith("+RX") else Sim800()
    with pytest.raises(ParseError):
        d.interpret(line)


_DIALECTS = (Sim800(), Sim7600())


@settings(max_examples=10_000, deadline=None, database=None)
@given(
    st.sampled_from(["+CLCC:", "+CLCC: ", "+DTMF:", "+RXDTMF: ", "VOICE CALL: ", ""]),
    st.text(alphabet='0123456789,"+ #*ABCDx\x00', max_size=40),
)
def test_interpret_never_raises_anything_but_parse_error(prefix, body):
    line = prefix + body
    for d in _DIALECTS:
        try:
            result = d.interpret(line)
        except ParseError:
            continue
        assert result is None or isinstance(result, CallSignal)


# -- the same, from logs --------------------------------------------------------------------------

SIMCOM_LOGS = {
    "sim800_incoming_dtmf.log": [
        *init_events(-73),
        *RINGING,
        ("incoming_call", NUMBER, None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("dtmf", "1", "modem"),
        ("dtmf", "#", "modem"),
        ("hangup", "remote", "normal", None),
        *READY_AGAIN,
    ],
    "sim800_caller_abandons.log": [
        *init_events(-73),
        *RINGING,
        ("incoming_call", None, None, "withheld"),
        ("hangup", "remote", "caller hung up before answer", None),
        *READY_AGAIN,
    ],
    "sim800_dial_busy.log": [
        *init_events(-73),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("progress", "busy"),
        ("hangup", "remote", "busy", None),
        *READY_AGAIN,
    ],
    "sim800_reboot_in_call.log": [
        *init_events(-73),
        *RINGING,
        ("incoming_call", NUMBER, None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("hangup", "line", "modem restarted", None),
        ("alarm", "modem_restarted"),
        ("state", "initialising", "modem restarted"),
        *init_events(-73)[1:],
    ],
    "sim7600_incoming_dtmf.log": [
        *init_events(-71),
        *RINGING,
        ("incoming_call", NUMBER, None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("dtmf", "5", "modem"),
        ("hangup", "remote", "normal", None),
        *READY_AGAIN,
    ],
    "sim7600_dial_answered.log": [
        *init_events(-71),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("answered", "outgoing"),
        ("hangup", "local", "normal", None),
        *READY_AGAIN,
    ],
    "sim7600_dial_no_answer.log": [
        *init_events(-71),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("progress", "no_answer"),
        ("hangup", "remote", "no answer", None),
        *READY_AGAIN,
    ],
}


async def test_replay_simcom_logs():
    assert await run_logs(sorted(SIMCOM_LOGS)) == SIMCOM_LOGS


@pytest.mark.parametrize("name", sorted(SIMCOM_LOGS))
def test_log_names_its_dialect(name):
    text = (LOGS / name).read_text()
    assert dialect_of_log(parse_log(text, name), text) == name.split("_")[0]


def test_every_simcom_log_has_a_replay_test():
    names = [p.name for p in (*LOGS.glob("sim800_*.log"), *LOGS.glob("sim7600_*.log"))]
    assert sorted(names) == sorted(SIMCOM_LOGS)
