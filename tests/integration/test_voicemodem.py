"""The V.253 voice-modem driver over real ptys against the emulator, and against modem logs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from dsp_ext import g711, generate
from firmware.emulator.v253 import Caller, VoiceModemEmulator
from firmware.lines.base import LineError
from firmware.lines.events import (
    Alarm,
    CallAnswered,
    CallEnded,
    CallProgress,
    DtmfReceived,
    IncomingCall,
    LineState,
    StateChanged,
)
from firmware.lines.replay import LogReplay
from firmware.lines.transport import serial_opener
from firmware.lines.voicemodem import VoiceModemLine, VoiceModemProfile, decode, encode

LOGS = Path(__file__).parent.parent / "data" / "modem_logs"
A_CALLER = Caller("5045551234", "A N OTHER")


class Harness:
    """One emulated modem and the driver on it; events and audio collected."""

    def __init__(self, modem: VoiceModemEmulator, line: VoiceModemLine) -> None:
        self.modem, self.line = modem, line
        self.events: list = []
        self.audio: list[np.ndarray] = []
        line.on_event = self.events.append
        line.on_audio = self.audio.append

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait(self, pred, timeout: float = 5.0):
        async with asyncio.timeout(timeout):
            while True:
                for e in self.events:
                    if pred(e):
                        return e
                await asyncio.sleep(0.01)

    async def wait_state(self, state: LineState, timeout: float = 5.0):
        return await self.wait(lambda e: isinstance(e, StateChanged) and e.state == state, timeout)

    async def incoming(self, caller: Caller | None = A_CALLER, rings: int = 4) -> IncomingCall:
        self.modem.ring(caller, rings=rings)
        return await self.wait(lambda e: isinstance(e, IncomingCall))

    async def answered(self, caller: Caller | None = A_CALLER) -> None:
        await self.incoming(caller)
        await self.line.answer()
        await self.line.start_audio()

    def heard(self) -> np.ndarray:
        return np.concatenate(self.audio) if self.audio else np.zeros(0, np.int16)


async def make(tmp_path, model="usr5637", *, modem_kw=None, **line_kw) -> Harness:
    modem = VoiceModemEmulator(model, by_id_dir=tmp_path / "by-id", **(modem_kw or {}))
    await modem.start()
    line_kw.setdefault("ring_timeout_s", 2.0)
    line_kw.setdefault("reconnect_backoff", (0.1,))
    line = VoiceModemLine(
        "analog1",
        port=modem.path,
        opener=serial_opener(modem.path, lock_dir=tmp_path),
        **line_kw,
    )
    h = Harness(modem, line)
    await line.start()
    return h


@pytest.fixture
async def usr(tmp_path):
    h = await make(tmp_path)
    yield h
    await h.line.stop()
    h.modem.unplug()


@pytest.fixture(params=["usr5637", "conexant"])
async def any_modem(request, tmp_path):
    h = await make(tmp_path, request.param)
    yield h
    await h.line.stop()
    h.modem.unplug()


def first_sound(x: np.ndarray) -> int:
    nz = np.flatnonzero(np.abs(x.astype(np.int32)) > 16)  # A-law "zero" decodes to ±8
    assert nz.size, "no sound at all"
    return int(nz[0])


# -- initialisation -------------------------------------------------------------------------


async def test_init_detects_the_profile_and_picks_the_format_from_the_modems_list(any_modem):
    h = any_modem
    assert h.line.state == LineState.READY
    assert h.line.profile.name == h.modem.profile.name
    for cmd in ("ATZ", "ATE0", "AT+FCLASS=8", "AT+VCID=1", "AT+VSM=?"):
        h.modem.assert_sent(cmd)
    if h.modem.profile.name == "usr5637":
        h.modem.assert_sent("AT+VSM=131,8000")  # ULAW is 131 in USR's list
        assert h.line.duplex
    else:
        h.modem.assert_sent("AT+VSM=1,8000")  # no G.711 here: 8-bit unsigned PCM
        assert not h.line.duplex and h.line.format.codec == "linear8u"


async def test_a_slow_modem_still_initialises(tmp_path):
    modem = VoiceModemEmulator("usr5637", by_id_dir=tmp_path / "by-id")
    modem.delay_s = 0.3
    await modem.start()
    line = VoiceModemLine("a", port=modem.path, opener=serial_opener(modem.path, lock_dir=tmp_path))
    await line.start()
    assert line.state == LineState.READY
    await line.stop()
    modem.unplug()


# -- incoming calls ---------------------------------------------------------------------------


async def test_incoming_call_with_caller_id_then_answer(any_modem):
    h = any_modem
    call = await h.incoming(Caller("5045551234", "A N OTHER"))
    assert (call.number, call.name, call.validity) == ("5045551234", "A N OTHER", "valid")
    await h.line.answer()
    assert h.of(CallAnswered)[0].direction == "incoming"
    assert h.line.state == LineState.IN_CALL
    h.modem.assert_sent("AT+VLS=1")
    await h.modem.wait_for_mode("vtr" if h.modem.profile.duplex else "vrx")
    assert len(h.of(IncomingCall)) == 1


@pytest.mark.parametrize(("code", "validity"), [("P", "withheld"), ("O", "unavailable")])
async def test_private_and_out_of_area_callers(usr, code, validity):
    call = await usr.incoming(Caller(code, code))
    assert call.number is None and call.name is None and call.validity == validity


async def test_a_call_with_no_caller_id_is_announced_at_the_second_ring(usr):
    call = await usr.incoming(None)
    assert call.validity == "unavailable" and usr.line._rings >= 2


async def test_ringing_that_stops_before_answer_ends_the_call(tmp_path):
    h = await make(tmp_path, ring_timeout_s=0.8)
    await h.incoming(rings=1)
    ended = await h.wait(lambda e: isinstance(e, CallEnded))
    assert (ended.by, ended.cause) == ("remote", "caller hung up before answer")
    assert h.line.state == LineState.READY
    with pytest.raises(LineError):
        await h.line.answer()
    await h.line.stop()
    h.modem.unplug()


async def test_garbage_on_the_line_changes_nothing(usr):
    usr.modem.garbage()
    usr.modem.inject("+UNKNOWN: 1", "NMBR")
    call = await usr.incoming()
    assert call.number == "5045551234" and usr.line.state == LineState.RINGING


# -- during the call ---------------------------------------------------------------------------


async def test_keys_reported_by_the_modem_as_dle_codes(usr):
    await usr.answered()
    usr.modem.send_dtmf("12#")
    await usr.wait(lambda e: isinstance(e, DtmfReceived) and e.digit == "#")
    keys = usr.of(DtmfReceived)
    assert [k.digit for k in keys] == ["1", "2", "#"] and {k.source for k in keys} == {"modem"}


async def test_keys_heard_by_the_dsp_when_the_modem_does_not_report_them(tmp_path):
    profile = VoiceModemProfile("no-dtmf-reports", dtmf_by_modem=False)
    h = await make(tmp_path, modem_kw={"reports_dtmf": False}, profile=profile)
    await h.answered()
    h.modem.send_dtmf("47")
    await h.wait(lambda e: isinstance(e, DtmfReceived) and e.digit == "7")
    assert [(k.digit, k.source) for k in h.of(DtmfReceived)] == [("4", "dsp"), ("7", "dsp")]
    await h.line.stop()
    h.modem.unplug()


@pytest.mark.parametrize("compression", ["ulaw", "alaw"])
async def test_audio_both_ways_intact_through_g711(tmp_path, compression):
    h = await make(tmp_path, compression=compression)
    await h.answered()
    assert h.line.format.codec == compression
    tone = generate.to_pcm16(generate.tone((440.0, 1000.0), 0.4, -12.0, phase=0.7))
    coded = getattr(g711, f"{compression}_encode")(tone)
    expect = getattr(g711, f"{compression}_decode")(coded)
    # caller → host
    h.modem.send_audio(tone)
    async with asyncio.timeout(5):
        while h.heard().size < first_sound(np.append(h.heard(), 999)) + tone.size:
            await asyncio.sleep(0.02)
    heard = h.heard()
    start = first_sound(heard)
    assert np.array_equal(heard[start : start + tone.size], expect)
    # host → caller
    for i in range(0, tone.size, 160):
        h.line.play(tone[i : i + 160])
    async with asyncio.timeout(5):
        while h.modem.recorded.size < first_sound(np.append(h.modem.recorded, 999)) + tone.size:
            await asyncio.sleep(0.02)
    rec = h.modem.recorded
    start = first_sound(rec)
    assert np.array_equal(rec[start : start + tone.size], expect)
    await h.line.stop()
    h.modem.unplug()


async def test_half_duplex_modem_switches_to_transmit_to_play(tmp_path):
    h = await make(tmp_path, "conexant")
    await h.answered()
    await h.modem.wait_for_mode("vrx")
    tone = generate.to_pcm16(generate.tone(700.0, 0.2, -12.0, phase=0.7))
    for i in range(0, tone.size, 160):
        h.line.play(tone[i : i + 160])
    await h.modem.wait_for_mode("vtx")
    await h.modem.wait_for_mode("vrx")  # back to listening once the queue is empty
    h.modem.assert_sent("AT+VTX")
    rec = h.modem.recorded
    assert np.array_equal(rec[: tone.size], decode("linear8u", encode("linear8u", tone)))
    assert h.line.state == LineState.IN_CALL
    await h.line.stop()
    h.modem.unplug()


@pytest.mark.parametrize(
    ("how", "cause"), [("l", "loop current break: caller hung up"), ("b", "busy tone")]
)
async def test_caller_hangs_up(any_modem, how, cause):
    h = any_modem
    await h.answered()
    h.modem.caller_hangs_up(how)
    ended = await h.wait(lambda e: isinstance(e, CallEnded))
    assert (ended.by, ended.cause) == ("remote", cause)
    await h.wait_state(LineState.READY)
    assert h.modem.mode == "command" and not h.modem.off_hook
    h.modem.assert_sent("ATH0")


async def test_local_hangup(any_modem):
    h = any_modem
    await h.answered()
    await h.line.hangup()
    assert [(e.by, e.cause) for e in h.of(CallEnded)] == [("local", "normal")]
    assert h.line.state == LineState.READY
    assert h.modem.mode == "command" and not h.modem.off_hook
    with pytest.raises(LineError):
        await h.line.hangup()


async def test_rejecting_a_ringing_call(usr):
    await usr.incoming()
    await usr.line.hangup()
    assert [(e.by, e.cause) for e in usr.of(CallEnded)] == [("local", "rejected")]
    assert usr.line.state == LineState.READY


# -- outgoing calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("result", "word"),
    [
        ("VCON", "answered"),
        ("BUSY", "busy"),
        ("NO DIALTONE", "no_dialtone"),
        ("NO ANSWER", "no_answer"),
    ],
)
async def test_dial_results(usr, result, word):
    usr.modem.dial_result = result
    assert await usr.line.dial("5551234", timeout_s=5) == word
    assert usr.of(CallProgress)[-1].result == word
    usr.modem.assert_sent("ATDT5551234")
    if word == "answered":
        assert usr.of(CallAnswered)[0].direction == "outgoing"
        await usr.modem.wait_for_mode("vtr")
        await usr.line.hangup()
    assert usr.line.state == LineState.READY


# -- faults -------------------------------------------------------------------------------------


async def test_unplug_mid_call_then_replug(usr):
    await usr.answered()
    usr.modem.unplug()
    ended = await usr.wait(lambda e: isinstance(e, CallEnded))
    assert ended.by == "line"
    down = await usr.wait_state(LineState.DOWN)
    assert "closed" in down.reason
    assert usr.of(Alarm)
    usr.events.clear()
    await usr.modem.replug()
    await usr.wait_state(LineState.READY, timeout=10)
    call = await usr.incoming()
    assert call.number == "5045551234"


# -- the same against logs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("log", "profile", "number", "validity"),
    [
        ("v253_usr5637_incoming.log", "usr5637", "5045551234", "valid"),
        ("v253_usr5637_private.log", "usr5637", None, "withheld"),
        ("v253_conexant_incoming.log", "conexant", None, "unavailable"),
    ],
)
async def test_incoming_call_from_a_log(log, profile, number, validity):
    rep = LogReplay.from_file(LOGS / log)
    events: list = []
    line = VoiceModemLine("log", port="log", opener=rep.opener, on_event=events.append)

    async def act(name: str, arg: str) -> None:
        assert name == "answer"
        await line.answer()

    rep.on_action = act  # the log's '= answer' is where the engine answers
    await line.start()
    assert line.state == LineState.READY and line.profile.name == profile
    await asyncio.wait_for(rep.done.wait(), 15)
    call = next(e for e in events if isinstance(e, IncomingCall))
    assert (call.number, call.validity) == (number, validity)
    kinds = [type(e).__name__ for e in events]
    assert kinds.index("IncomingCall") < kinds.index("CallAnswered") < kinds.index("CallEnded")
    ended = next(e for e in events if isinstance(e, CallEnded))
    assert ended.cause == "loop current break: caller hung up"
    assert rep.report.mismatches == [] and rep.report.unanswered == []
    await line.stop()


@pytest.mark.parametrize(
    ("log", "word"), [("v253_dial_busy.log", "busy"), ("v253_dial_no_dialtone.log", "no_dialtone")]
)
async def test_dial_from_a_log(log, word):
    rep = LogReplay.from_file(LOGS / log)
    line = VoiceModemLine("log", port="log", opener=rep.opener)
    results: list[str] = []

    async def act(name: str, arg: str) -> None:
        assert (name, arg) == ("dial", "5551234")  # the log's '= dial 5551234'
        results.append(await line.dial(arg, timeout_s=5))

    rep.on_action = act
    await line.start()
    await asyncio.wait_for(rep.done.wait(), 15)
    await line.stop()
    assert results == [word]
    assert rep.report.mismatches == [] and rep.report.unanswered == []


async def test_trace_captures_a_replayable_log(tmp_path):
    from firmware.emulator.v253 import VoiceModemEmulator
    from firmware.lines.replay import parse_log
    from firmware.lines.tracelog import TraceLog
    from firmware.lines.transport import serial_opener
    from firmware.lines.voicemodem import VoiceModemLine

    modem = VoiceModemEmulator("usr5637", by_id_dir=tmp_path / "by-id")
    await modem.start()
    line = VoiceModemLine(
        "t1", port=modem.path, opener=serial_opener(modem.path, lock_dir=tmp_path)
    )
    line.trace = TraceLog(tmp_path / "trace.log")
    await line.start()
    await line.stop()
    modem.unplug()
    entries = parse_log((tmp_path / "trace.log").read_text())
    assert (">", "AT+FCLASS=8") in [(e.kind, e.text) for e in entries]
    assert any(e.kind == "<" and e.text == "OK" for e in entries)
