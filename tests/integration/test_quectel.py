"""GsmLine with the Quectel dialect: the EC25/EG25-G/EC21 emulator (AT + NMEA voice ptys), and logs.

Call audio travels as raw 16-bit PCM on the second pty after ``AT+QPCMV=1,0``; the
caller's keys come as ``+QTONEDET`` codes from the module (source "modem"), and the
driver's DSP stays quiet unless the firmware refuses ``AT+QTONEDET=1``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.emulator.quectel import BOOT_LINES, QuectelEmulator
from firmware.lines.base import FRAME_SAMPLES
from firmware.lines.events import LineState
from firmware.lines.gsm import GsmLine
from firmware.lines.gsm.clcc import ParseError
from firmware.lines.gsm.dialect import Alerting, Connected, DtmfDigit, Ended, Originated, Quiet
from firmware.lines.gsm.quectel import parse_dsci, parse_tonedet, parse_urc
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

MODELS = ["EC25", "EG25-G", "EC21"]


def make_line(module: QuectelEmulator, tmp_path, rec: Recorder, frames=None) -> GsmLine:
    line = GsmLine(
        "qc1",
        port=module.path,
        audio_port=module.voice.path,
        opener=serial_opener(module.path, lock_dir=tmp_path),
        audio_opener=serial_opener(module.voice.path, lock_dir=tmp_path),
        on_event=rec,
        on_audio=(frames.append if frames is not None else lambda f: None),
        poll_interval_s=0.1,
        reconnect_backoff=(0.1, 0.2),
    )
    line.settle_s = 0.05
    return line


@pytest.fixture
async def module(tmp_path):
    m = QuectelEmulator(by_id_dir=tmp_path / "by-id")
    m.ring_interval_s = 0.3
    await m.start()
    yield m
    await m.stop()


@pytest.fixture
async def quectel(module, tmp_path):
    rec = Recorder()
    frames: list[np.ndarray] = []
    line = make_line(module, tmp_path, rec, frames)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    yield module, line, rec, frames
    await line.stop()


async def answered_call(module, line, rec, number="+441234567890", n=1):
    module.ring(number)
    await rec.wait_count("incoming_call", n)
    await line.answer()
    await line.start_audio()


# -- the module as a line ----------------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS)
async def test_detected_and_set_up(tmp_path, model):
    module = QuectelEmulator(by_id_dir=tmp_path / "by-id", model=model)
    await module.start()
    rec = Recorder()
    line = make_line(module, tmp_path, rec)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    assert line.dialect.name == "quectel"
    assert line.identity == ("Quectel", model)
    for command in ("AT+QPCMV?", "AT^DSCI=1", "AT+QTONEDET=1"):
        module.assert_sent(command)
    assert (module.dsci, module.tonedet) == (True, True)
    await line.stop()
    await module.stop()


async def test_incoming_call_with_caller_id_and_keys_reported_by_the_modem(quectel):
    module, line, rec, _ = quectel
    module.ring("+441234567890", name="Alice")
    call = await rec.wait("incoming_call")
    assert (call.number, call.name, call.validity) == ("+441234567890", "Alice", "valid")
    await line.answer()
    assert (await rec.wait("answered")).direction == "incoming"
    await line.start_audio()
    module.assert_sent("AT+QPCMV=1,0")
    module.caller_presses("159#")
    await rec.wait_count("dtmf", 4)
    await until(lambda: not module._to_host)  # the tones went down the voice port too
    await asyncio.sleep(0.2)
    assert [(e.digit, e.source) for e in rec.of("dtmf")] == [(d, "modem") for d in "159#"]
    assert len(rec.of("incoming_call")) == 1


async def test_audio_both_ways_arrives_intact(quectel):
    module, line, rec, frames = quectel
    await answered_call(module, line, rec)
    ramp = (np.arange(8 * FRAME_SAMPLES) * 37 % 60000 - 30000).astype(np.int16)
    module.caller_sends(ramp)
    for i in range(0, len(ramp), FRAME_SAMPLES):
        line.play(ramp[::-1][i : i + FRAME_SAMPLES].copy())

    def contains(haystack: np.ndarray, needle: np.ndarray) -> bool:
        raw, sub = haystack.tobytes(), needle.tobytes()
        k = raw.find(sub)
        while k >= 0 and k % 2:
            k = raw.find(sub, k + 1)
        return k >= 0

    await until(lambda: contains(np.concatenate(frames or [ramp[:0]]), ramp))
    assert all(f.dtype == np.int16 and len(f) == FRAME_SAMPLES for f in frames)
    await until(lambda: contains(module.heard(), ramp[::-1].copy()))


async def test_caller_hangs_up(quectel):
    module, line, rec, _ = quectel
    await answered_call(module, line, rec)
    module.caller_hangs_up()  # ^DSCI ...,6 then NO CARRIER: one CallEnded
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause, ended.code) == ("remote", "normal", None)
    await rec.wait_count("state", 2, state=LineState.READY)
    await asyncio.sleep(0.1)
    assert len(rec.of("hangup")) == 1
    assert line._audio is None or not line._audio.running


async def test_we_hang_up(quectel):
    module, line, rec, _ = quectel
    await answered_call(module, line, rec)
    await line.hangup()
    module.assert_sent("AT+CHUP")
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("local", "normal")  # the ^DSCI 6 that follows is ours
    await asyncio.sleep(0.1)
    assert len(rec.of("hangup")) == 1
    assert module.calls == []


async def test_withheld_caller_gives_up_before_answer(quectel):
    module, _, rec, _ = quectel
    module.ring(None, validity=1)
    assert (await rec.wait("incoming_call")).validity == "withheld"
    module.caller_hangs_up()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("remote", "caller hung up before answer")
    await rec.wait_count("state", 2, state=LineState.READY)


@pytest.mark.parametrize(
    ("far_end", "result", "cause"),
    [
        ({"answer_after_s": 0.2}, "answered", None),
        ({"busy": True}, "busy", "busy"),
        ({"no_answer": True, "give_up_after_s": 0.3}, "no_answer", "no answer"),
    ],
)
async def test_dial(quectel, far_end, result, cause):
    module, line, rec, _ = quectel
    module.far_end(**far_end)
    assert await line.dial("+441234567890", timeout_s=5) == result
    module.assert_sent("ATD+441234567890;")
    assert ("progress", "ringing") in [summary(e) for e in rec.of("progress")]
    if result == "answered":
        await line.start_audio()
        await line.send_dtmf("5")
        assert module.dtmf_sent == ["5"]
        await line.hangup()
    else:  # ^DSCI 6 says nothing of why: the BUSY / NO ANSWER after it does
        ended = await rec.wait("hangup")
        assert (ended.by, ended.cause) == ("remote", cause)
        assert ("progress", result) in [summary(e) for e in rec.of("progress")]
    await rec.wait_count("state", 2, state=LineState.READY)
    assert module.calls == []


# -- faults ------------------------------------------------------------------------------------


async def test_restart_mid_call_is_seen_in_its_boot_lines(quectel):
    module, line, rec, _ = quectel
    await answered_call(module, line, rec)
    module.reboot()  # RDY, +CFUN: 1, +CPIN: READY, … on the same tty; settings lost
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem restarted")
    assert (await rec.wait("alarm")).code == "modem_restarted"
    await rec.wait_count("state", 2, state=LineState.READY)
    await until(lambda: module.sent.count("AT+QTONEDET=1") == 2)
    assert module.sent.count("AT^DSCI=1") == 2 and module.sent.count("ATE0") == 2
    await until(lambda: module.tonedet)
    await answered_call(module, line, rec, n=2)
    module.caller_presses("7")
    assert (await rec.wait("dtmf")).digit == "7"
    assert len(rec.of("hangup")) == 1


async def test_boot_chatter_changes_nothing(module, tmp_path, caplog):
    module.reboot()  # the line starts while the module is still printing its boot lines
    rec = Recorder()
    line = make_line(module, tmp_path, rec)
    with caplog.at_level(logging.INFO, logger="hotline.lines"):
        await line.start()
        await rec.wait("state", state=LineState.READY)
        chatter = [ln for ln in BOOT_LINES if ln not in ("RDY", "+CPIN: READY")]  # not restarts
        module.inject(*chatter, '+QIND: "csq",20,99')
        module.ring("+441234567890")
        await rec.wait("incoming_call")
        await line.answer()
        module.inject("+QIND: PB DONE", "+QUSIM: 1", "+CFUN: 1")
        module.caller_hangs_up()
        await rec.wait("hangup")
    await line.stop()
    states = [e.state for e in rec.of("state")]
    assert LineState.DOWN not in states[:-1]  # only the stop() at the end
    assert rec.of("alarm") == []
    noisy = [r.getMessage() for r in caplog.records if "QIND" in r.getMessage()]
    assert noisy == [] and "restarted" not in caplog.text


async def test_unplug_mid_call_and_replug(quectel):
    module, line, rec, _ = quectel
    await answered_call(module, line, rec)
    module.unplug()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem unplugged")
    assert (await rec.wait("state", state=LineState.DOWN)).reason == "modem unplugged"
    assert (await rec.wait("alarm")).code == "modem_unplugged"
    await module.replug()
    await rec.wait_count("state", 2, state=LineState.READY)
    await answered_call(module, line, rec, number="+441234567899", n=2)  # voice port reopened
    ramp = (np.arange(4 * FRAME_SAMPLES) % 200).astype(np.int16)
    module.caller_sends(ramp)
    await until(lambda: module.heard().size > 0)
    module.caller_presses("3")
    assert (await rec.wait("dtmf")).digit == "3"


async def test_usb_restart_is_an_unplug(quectel):
    module, line, rec, _ = quectel
    await answered_call(module, line, rec)
    module.reboot(usb=True)
    assert (await rec.wait("hangup")).by == "line"
    await rec.wait_count("state", 2, state=LineState.READY)


async def test_firmware_without_tone_detection_falls_back_to_the_dsp(module, tmp_path):
    module.refuse.add("AT+QTONEDET")
    rec = Recorder()
    line = make_line(module, tmp_path, rec)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    assert line.dialect.reports_dtmf is False
    await answered_call(module, line, rec)
    module.caller_presses("42")
    await rec.wait_count("dtmf", 2)
    assert [(e.digit, e.source) for e in rec.of("dtmf")] == [("4", "dsp"), ("2", "dsp")]
    await line.stop()


async def test_module_left_in_sound_card_mode(quectel):
    module, line, rec, _ = quectel
    module.pcmv = 2  # AT+QPCMV=1,2 from an earlier program: 1,0 is refused until it is off
    await answered_call(module, line, rec)
    assert [c for c in module.sent if c.startswith("AT+QPCMV=")] == [
        "AT+QPCMV=1,0",
        "AT+QPCMV=0",
        "AT+QPCMV=1,0",
    ]
    await until(lambda: module.voice.received != b"")


async def test_firmware_without_voice_over_usb(module, tmp_path):
    module.refuse.add("AT+QPCMV")
    rec = Recorder()
    line = make_line(module, tmp_path, rec)
    await line.start()
    down = await rec.wait("state", state=LineState.DOWN)
    assert down.reason == "this Quectel firmware has no voice over USB (AT+QPCMV? failed)"
    assert (await rec.wait("alarm")).code == "modem_unsuitable"
    await line.stop()


# -- the URC parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "signal"),
    [
        ("^DSCI: 1,0,2,0,10086,129", Originated(1)),
        ("^DSCI: 1,0,7,0,10086,129,0", Alerting(1)),  # the 7-field form of newer manuals
        ('^DSCI: 2,0,3,0,"+4412",145', Connected(2)),
        ("^DSCI: 3,1,3,0,+4412,145", Connected(3)),
        ("^DSCI: 1,1,6,0,13022100000,129,0", Ended(1)),
        ("^DSCI: 1,0,6,0,10086,129", Quiet()),  # our dial: BUSY/NO CARRIER say why
        ("^DSCI: 1,1,4,0,,128", Quiet()),  # RING and +CLIP tell the driver
        ("^DSCI: 4,0,3,1,,128", Quiet()),  # an LTE data bearer
        ("+QTONEDET: 49", DtmfDigit("1")),
        ("+QTONEDET: 35", DtmfDigit("#")),
        ("+QTONEDET: 42", DtmfDigit("*")),
        ("+QTONEDET: 68", DtmfDigit("D")),
        ("+QIND: PB DONE", Quiet()),
        ("+QUSIM: 1", Quiet()),
        ("+CFUN: 1", Quiet()),
        ('+CLCC: 1,0,3,0,0,"1",129', None),
    ],
)
def test_urcs(line, signal):
    assert parse_urc(line) == signal


@pytest.mark.parametrize(
    "line",
    ["^DSCI: 1,0,2", "^DSCI: x,0,2,0,1,129", "^DSCI: 1,0,9,0,1,129", '^DSCI: 1,0,2,0,"1,129'],
)
def test_broken_dsci_is_a_parse_error(line):
    with pytest.raises(ParseError):
        parse_dsci(line)


@pytest.mark.parametrize("line", ["+QTONEDET: 5", "+QTONEDET:", "+QTONEDET: 1a", "+QTONEDET: 999"])
def test_broken_tonedet_is_a_parse_error(line):
    with pytest.raises(ParseError):
        parse_tonedet(line)


@settings(max_examples=10_000, deadline=None, database=None)
@given(
    st.sampled_from(["^DSCI:", "^DSCI: ", "+QTONEDET:", "+QTONEDET: ", "+QIND: ", "RDY"]),
    st.text(alphabet=st.sampled_from('0123456789,"+ -#*ABx\x00é'), max_size=40),
)
def test_fuzzed_urcs_never_raise_anything_but_parse_error(prefix, body):
    with contextlib.suppress(ParseError):
        parse_urc(prefix + body)


# -- the same, from logs ------------------------------------------------------------------------

QUECTEL_LOGS = {
    "quectel_ec25_incoming_answered.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", "+441234567890", None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("dtmf", "1", "modem"),
        ("dtmf", "#", "modem"),
        ("hangup", "remote", "normal", None),
        *READY_AGAIN,
    ],
    "quectel_eg25g_caller_abandons.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", None, None, "withheld"),
        ("hangup", "remote", "caller hung up before answer", None),
        *READY_AGAIN,
    ],
    "quectel_ec21_dial_busy.log": [
        *init_events(),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("progress", "busy"),
        ("hangup", "remote", "busy", None),
        *READY_AGAIN,
    ],
    "quectel_ec25_dial_answered.log": [
        *init_events(),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("answered", "outgoing"),
        ("hangup", "local", "normal", None),
        *READY_AGAIN,
    ],
    "quectel_ec25_reboot_in_call.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", "+441234567890", None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("hangup", "line", "modem restarted", None),
        ("alarm", "modem_restarted"),
        ("state", "initialising", "modem restarted"),
        ("registration", "registered (home)"),
        ("signal", -73),
        *READY_AGAIN,
    ],
    "quectel_ec25_no_voice.log": [
        ("state", "initialising", None),
        ("registration", "registered (home)"),
        ("signal", -73),
        ("state", "down", "this Quectel firmware has no voice over USB (AT+QPCMV? failed)"),
        ("alarm", "modem_unsuitable"),
    ],
}


async def test_replay_quectel_logs():
    assert await run_logs(sorted(QUECTEL_LOGS)) == QUECTEL_LOGS


def test_every_quectel_log_has_a_replay_test():
    assert sorted(p.name for p in LOGS.glob("quectel_*.log")) == sorted(QUECTEL_LOGS)
