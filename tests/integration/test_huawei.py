"""GsmLine with the Huawei dialect: the E1550/E173/E1752 emulator (AT pty + voice pty), and logs.

Call audio travels as raw 16-bit PCM on the second pty; the caller's keys are DTMF
audio there and the driver's DSP must hear them (these sticks report no DTMF).
"""

from __future__ import annotations

import asyncio
import logging

import numpy as np
import pytest

from firmware.emulator.huawei import HuaweiEmulator
from firmware.lines.base import FRAME_SAMPLES
from firmware.lines.events import LineState
from firmware.lines.gsm import GsmLine
from firmware.lines.transport import serial_opener
from tests.integration.test_gsm_generic import (
    LOGS,
    READY_AGAIN,
    RINGING,
    Recorder,
    init_events,
    run_logs,
    summary,
)

MODELS = ["E1550", "E173", "E1752"]


@pytest.fixture(params=MODELS)
async def stick(request, tmp_path):
    m = HuaweiEmulator(by_id_dir=tmp_path / "by-id", model=request.param, chatter_s=0.3)
    m.ring_interval_s = 0.3
    await m.start()
    yield m
    await m.stop()


@pytest.fixture
async def huawei(stick, tmp_path):
    rec = Recorder()
    frames: list[np.ndarray] = []
    line = GsmLine(
        "hw1",
        port=stick.path,
        audio_port=stick.voice.path,
        opener=serial_opener(stick.path, lock_dir=tmp_path),
        audio_opener=serial_opener(stick.voice.path, lock_dir=tmp_path),
        on_event=rec,
        on_audio=frames.append,
        poll_interval_s=0.1,
        reconnect_backoff=(0.1, 0.2),
    )
    line.settle_s = 0.05
    await line.start()
    await rec.wait("state", state=LineState.READY)
    yield stick, line, rec, frames
    await line.stop()


async def answered_call(stick, line, rec, number="+441234567890"):
    stick.ring(number)
    await rec.wait("incoming_call", number=number)
    await line.answer()
    await line.start_audio()


async def test_detected_as_huawei(huawei):
    stick, line, _, _ = huawei
    assert line.dialect.name == "huawei"
    assert line.identity == ("huawei", stick.model)
    stick.assert_sent("AT^CVOICE?")


async def test_caller_presses_keys_heard_by_the_dsp(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    stick.assert_sent("AT^DDSETEX=2")
    stick.caller_presses("159#")
    await rec.wait_count("dtmf", 4)
    assert [(e.digit, e.source) for e in rec.of("dtmf")] == [(d, "dsp") for d in "159#"]


async def test_audio_both_ways_arrives_intact(huawei):
    stick, line, rec, frames = huawei
    await answered_call(stick, line, rec)
    ramp = (np.arange(8 * FRAME_SAMPLES) * 37 % 60000 - 30000).astype(np.int16)
    stick.caller_sends(ramp)
    for i in range(0, len(ramp), FRAME_SAMPLES):
        line.play(ramp[::-1][i : i + FRAME_SAMPLES].copy())

    async def until(predicate):
        while not predicate():
            await asyncio.sleep(0.02)

    def contains(haystack: np.ndarray, needle: np.ndarray) -> bool:
        """``needle`` in ``haystack``, sample-aligned and in one piece."""
        raw, sub = haystack.tobytes(), needle.tobytes()
        k = raw.find(sub)
        while k >= 0 and k % 2:
            k = raw.find(sub, k + 1)
        return k >= 0

    await asyncio.wait_for(until(lambda: contains(np.concatenate(frames or [ramp[:0]]), ramp)), 5)
    assert all(f.dtype == np.int16 and len(f) == FRAME_SAMPLES for f in frames)
    await asyncio.wait_for(until(lambda: contains(stick.heard(), ramp[::-1].copy())), 5)


async def test_caller_hangs_up(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    stick.caller_hangs_up()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause, ended.code) == ("remote", "normal clearing", 16)
    await rec.wait_count("state", 2, state=LineState.READY)
    assert line._audio is None or not line._audio.running


async def test_we_hang_up(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    await line.hangup()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("local", "normal")  # the ^CEND that follows is ours
    await asyncio.sleep(0.1)
    assert len(rec.of("hangup")) == 1


async def test_caller_gives_up_before_answer(huawei):
    stick, _, rec, _ = huawei
    stick.ring(None, validity=1)
    assert (await rec.wait("incoming_call")).validity == "withheld"
    stick.caller_hangs_up()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause, ended.code) == ("remote", "caller hung up before answer", 16)


@pytest.mark.parametrize(
    ("far_end", "result", "cause", "code"),
    [
        ({"answer_after_s": 0.2}, "answered", None, None),
        ({"busy": True}, "busy", "user busy", 17),
        ({"no_answer": True, "give_up_after_s": 0.3}, "no_answer", "no answer", 19),
    ],
)
async def test_dial(huawei, far_end, result, cause, code):
    stick, line, rec, _ = huawei
    stick.far_end(**far_end)
    assert await line.dial("+441234567890", timeout_s=5) == result
    assert ("progress", "ringing") in [summary(e) for e in rec.of("progress")]
    if result == "answered":
        await line.start_audio()
        await line.send_dtmf("5")
        assert stick.dtmf_sent == ["5"]
        await line.hangup()
    else:
        ended = await rec.wait("hangup")
        assert (ended.by, ended.cause, ended.code) == ("remote", cause, code)
    await rec.wait_count("state", 2, state=LineState.READY)


async def test_modem_reported_dtmf_replaces_the_dsp(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    stick.inject("^DDTMF: 5")
    assert (await rec.wait("dtmf")).source == "modem"
    stick.caller_presses("7")  # heard by the modem, which reports it: the DSP stays quiet
    while stick._to_host:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)
    stick.inject("^DDTMF: 7")
    await rec.wait_count("dtmf", 2)
    assert [(e.digit, e.source) for e in rec.of("dtmf")] == [("5", "modem"), ("7", "modem")]


async def test_unplug_mid_call_and_replug(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    stick.unplug()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem unplugged")
    assert (await rec.wait("state", state=LineState.DOWN)).reason == "modem unplugged"
    await stick.replug()
    await rec.wait_count("state", 2, state=LineState.READY)
    await answered_call(stick, line, rec, number="+441234567899")  # audio port reopened too
    stick.caller_presses("3")
    assert (await rec.wait("dtmf")).digit == "3"


async def test_reboot_mid_call_is_a_usb_reenumeration(huawei):
    stick, line, rec, _ = huawei
    await answered_call(stick, line, rec)
    stick.reboot()
    ended = await rec.wait("hangup")
    assert ended.by == "line"
    await rec.wait_count("state", 2, state=LineState.READY)


async def test_voice_disabled_firmware(tmp_path):
    stick = HuaweiEmulator(by_id_dir=tmp_path / "by-id", voice_enabled=False)
    await stick.start()
    rec = Recorder()
    line = GsmLine(
        "hw1", port=stick.path, opener=serial_opener(stick.path, lock_dir=tmp_path), on_event=rec
    )
    await line.start()
    down = await rec.wait("state", state=LineState.DOWN)
    assert "voice is disabled" in down.reason
    assert (await rec.wait("alarm")).code == "modem_unsuitable"
    await line.stop()
    await stick.stop()


async def test_chatter_storm_is_ignored_quietly(stick, tmp_path, caplog):
    stick.chatter_s = 0.02
    stick._spawn(stick._chatter())
    rec = Recorder()
    line = GsmLine(
        "hw1",
        port=stick.path,
        audio_port=stick.voice.path,
        opener=serial_opener(stick.path, lock_dir=tmp_path),
        audio_opener=serial_opener(stick.voice.path, lock_dir=tmp_path),
        on_event=rec,
        poll_interval_s=0.05,
    )
    with caplog.at_level(logging.INFO, logger="hotline.lines"):
        await line.start()
        await rec.wait("state", state=LineState.READY)
        await answered_call(stick, line, rec)
        stick.caller_presses("42")
        await rec.wait_count("dtmf", 2)
        stick.caller_hangs_up()
        await rec.wait("hangup")
    await line.stop()
    noisy = [r.getMessage() for r in caplog.records if "^" in r.getMessage()]
    assert noisy == []
    assert "".join(e.digit for e in rec.of("dtmf")) == "42"


# -- the same, from logs ------------------------------------------------------------------------

HUAWEI_LOGS = {
    "huawei_e1550_incoming_answered.log": [
        *init_events(-79),
        *RINGING,
        ("incoming_call", "+441234567890", None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("hangup", "remote", "normal clearing", 16),
        *READY_AGAIN,
    ],
    "huawei_e173_caller_abandons.log": [
        *init_events(-79),
        *RINGING,
        ("incoming_call", None, None, "withheld"),
        ("hangup", "remote", "caller hung up before answer", 16),
        *READY_AGAIN,
    ],
    "huawei_e173_dial_busy.log": [
        *init_events(-79),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("progress", "busy"),
        ("hangup", "remote", "user busy", 17),
        *READY_AGAIN,
    ],
    "huawei_e1752_dial_answered.log": [
        *init_events(-79),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("answered", "outgoing"),
        ("hangup", "local", "normal", None),
        *READY_AGAIN,
    ],
    "huawei_e1550_voice_disabled.log": [
        ("state", "initialising", None),
        ("registration", "registered (home)"),
        ("signal", -79),
        (
            "state",
            "down",
            "voice is disabled in this Huawei modem's firmware (AT^CVOICE reports mode 1)",
        ),
        ("alarm", "modem_unsuitable"),
    ],
}


async def test_replay_huawei_logs():
    assert await run_logs(sorted(HUAWEI_LOGS)) == HUAWEI_LOGS


def test_every_huawei_log_has_a_replay_test():
    assert sorted(p.name for p in LOGS.glob("huawei_*.log")) == sorted(HUAWEI_LOGS)
