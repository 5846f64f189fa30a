"""A station in the engine, end to end: log in, take a call with the button, talk through
the bridge, wrap up, pause with a reason, panic (the caller to the head of the queue, the
alarm raised and acknowledged); the lights following the journal.

Real parts on a virtual clock; see tests/unit/test_station_support.py for what runs
where and what only hardware can show.
"""

from __future__ import annotations

import numpy as np

from firmware.cdr import CALL_QUEUED, CALL_TRANSFERRED
from firmware.journal import AGENT_PAUSED, CALL_AUDIO
from tests.unit.test_station_support import (
    ACK_BTN,
    ANSWER_BTN,
    CALLER_HZ,
    MIC_HZ,
    MUTE_BTN,
    PANIC_BTN,
    PINS,
    RATE,
    READY_BTN,
    box,  # noqa: F401  (fixture)
    tone_at,
)


async def test_done_when_login_answer_talk_wrap_pause_panic_ack(box):  # noqa: F811
    desk1 = box.stations.stations["desk1"]
    sue = box.stations.stations["desk3"]
    # Logged in from the config (paused 'login'); the ready button makes anna ready.
    await box.press(READY_BTN)
    assert box.state("anna") == ("ready", None)
    assert box.led(PINS["ready"]) and not box.led(PINS["paused"])

    # A call is offered: the panel rings, the headset whispers.
    call, task = box.call()
    await box.clock.advance(0.05)
    assert box.state("anna")[0] == "offered" and desk1.panel.state == "offered"
    before = box.headsets["desk1"].played()
    await box.clock.advance(0.4)
    whisper = box.headsets["desk1"].played()[len(before) :]
    assert tone_at(whisper, RATE, 800.0) > 0.5  # the whisper tone, nothing else

    # The answer button takes it.
    await box.press(ANSWER_BTN)
    assert task.done() and task.result().agent == "anna"
    assert box.state("anna")[0] == "on_call"
    assert box.led(PINS["on_call"]) and not box.led(PINS["ready"])

    # Talk: 2 s of line time. The caller's 1 kHz reaches the ear, the mic's 400 Hz the line.
    media = call.media
    heard_from = len(box.headsets["desk1"].played())
    await box.clock.advance(2.0)
    ear = box.headsets["desk1"].played()[heard_from:]
    assert len(ear) > RATE  # the speaker played on
    assert tone_at(ear[RATE // 2 :], RATE, CALLER_HZ) > 0.9
    to_line = np.concatenate(media.sent)
    assert len(media.sent) >= 95  # one frame back per 20 ms frame heard
    assert tone_at(to_line[4000:], 8000, MIC_HZ) > 0.9
    assert box.stations.stations["desk1"].bridge.stats.ear_underruns == 0

    # Mute: the line gets silence, the call goes on.
    await box.press(MUTE_BTN)
    n = len(media.sent)
    await box.clock.advance(0.2)
    assert not np.any(np.concatenate(media.sent[n:]))
    await box.press(MUTE_BTN)

    # Hang up with the same button: wrap-up (5 s), then ready.
    await box.press(ANSWER_BTN)
    assert call.ended and call.ended_by == "agent"
    assert box.state("anna")[0] == "wrap_up" and desk1.panel.state == "wrap_up"
    assert not desk1.bridge.connected and media.sinks == []
    await box.clock.advance(5)
    assert box.state("anna") == ("ready", None)

    # Long press: held 2 s shows the second reason; released, paused with it.
    await box.press(READY_BTN, hold_s=2.05)
    assert box.state("anna") == ("paused", "lunch")
    assert desk1.panel.state == "paused" and desk1.panel.reason == "lunch"
    await box.press(READY_BTN)
    assert box.state("anna") == ("ready", None)

    # A call answered, another caller waiting behind: panic.
    call2, _ = box.call("+380671112233")
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    assert box.state("anna")[0] == "on_call"
    call3, _ = box.call("+380931234567")
    await box.clock.advance(0.05)
    await box.press(PANIC_BTN, hold_s=0.6)

    assert box.state("anna") == ("paused", "panic")
    assert not call2.ended
    callers = box.acd.snapshot()["queues"]["sales"]["callers"]
    assert [(c["call_id"], c["position"]) for c in callers] == [
        (call2.call_id, 1),
        (call3.call_id, 2),
    ]
    kinds = box.world.events(CALL_TRANSFERRED, CALL_QUEUED, AGENT_PAUSED)[-3:]
    assert kinds[0] == (
        CALL_TRANSFERRED,
        {"call_id": call2.call_id, "to": "sales", "reason": "panic", "agent": "anna"},
    )
    assert kinds[1][1]["position"] == 1
    assert kinds[2] == (AGENT_PAUSED, {"agent": "anna", "reason": "panic"})
    alarm = box.alarms()[-1]
    assert alarm[0] == "alarm"
    assert alarm[1]["name"] == "panic:desk1" and alarm[1]["severity"] == "critical"
    assert alarm[1]["station"] == "desk1" and alarm[1]["call_id"] == call2.call_id
    assert alarm[1]["caller"] == "+380671112233" and alarm[1]["agent"] == "anna"
    assert sue.panel.panic_alarm and not desk1.panel.panic_alarm  # the supervisor's LED
    assert desk1.panel.state == "paused" and not desk1.bridge.connected

    # The supervisor acknowledges with the button: the alarm LED goes out.
    await box.press(ACK_BTN)
    assert box.alarms()[-1] == ("alarm_cleared", {"name": "panic:desk1", "by": "desk3"})
    assert not sue.panel.panic_alarm
    assert box.stations.alarms.active == {}

    # The next agent to be free gets the taken-back caller first.
    box.acd.login("bob")
    await box.clock.advance(0)
    assert box.world.stations["bob"].what("offer") == [call2.call_id]


async def test_each_call_at_a_desk_journals_how_its_audio_went(box):  # noqa: F811
    await box.press(READY_BTN)
    call, _ = box.call()
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    await box.clock.advance(3.0)
    box.acd.agent_hangup("anna")
    await box.clock.advance(0.05)
    ((_, f),) = box.world.events(CALL_AUDIO)
    assert (f["call_id"], f["station"], f["agent"]) == (call.call_id, "desk1", "anna")
    assert 3.0 <= f["seconds"] <= 3.3  # from the answer to the hang-up
    assert f["ear_underruns"] == f["mouth_underruns"] == 0 and not f["headset_lost"]
    assert 0 < f["worst_line_to_ear_ms"] <= 60 and 0 < f["worst_mouth_to_line_ms"] <= 60
    # Before the call's end: the record of the call is complete when it closes.
    kinds = [k for k, _ in box.world.events(CALL_AUDIO, "call_ended")]
    assert kinds == [CALL_AUDIO, "call_ended"]
