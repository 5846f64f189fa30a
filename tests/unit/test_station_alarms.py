"""Panic without a call, a room's panic button, a ready supervisor, acknowledgement by
command; a headset lost during a call and coming back; a silent headset mic."""

from __future__ import annotations

import pytest

from firmware.cdr import CALL_OFFERED
from firmware.station import StationError
from tests.unit.test_station_support import (
    ANSWER_BTN,
    PANIC_BTN,
    PINS,
    READY_BTN,
    ROOM_BTN,
    box,  # noqa: F401  (fixture)
)


async def answered(box, caller="+380501234567"):  # noqa: F811
    call, task = box.call(caller)
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    assert task.result().agent == "anna"
    return call


async def test_panic_held_without_a_call_alarms_and_a_command_acknowledges(box):  # noqa: F811
    await box.press(PANIC_BTN, hold_s=0.6)  # a short panic with no call: nothing yet
    assert box.alarms() == []
    await box.press(PANIC_BTN, hold_s=3.1)
    ((kind, f),) = box.alarms()
    assert (kind, f["name"], f["severity"]) == ("alarm", "panic:desk1", "critical")
    assert f["station"] == "desk1" and f["call_id"] is None and "no call" in f["message"]
    assert box.state("anna") == ("paused", "login")  # nobody's state changed
    sue = box.stations.stations["desk3"]
    assert sue.panel.panic_alarm
    with pytest.raises(StationError, match="panic:desk1"):
        box.stations.acknowledge("panic:desk9")
    assert box.stations.acknowledge("panic:desk1") == ["panic:desk1"]
    assert box.alarms()[-1] == ("alarm_cleared", {"name": "panic:desk1", "by": "command"})
    assert not sue.panel.panic_alarm


async def test_room_button_takes_back_the_calls_in_its_room(box):  # noqa: F811
    await box.press(READY_BTN)
    call = await answered(box)
    await box.press(ROOM_BTN, hold_s=0.6)
    assert box.state("anna") == ("paused", "panic")
    ((kind, f),) = box.alarms()
    assert kind == "alarm" and f["name"] == "panic:desk1" and f["call_id"] == call.call_id
    assert box.acd.snapshot()["queues"]["sales"]["callers"][0]["call_id"] == call.call_id
    await box.press(ROOM_BTN, hold_s=3.1)  # held long in a room with no call: its own name
    assert box.alarms()[-1][1]["name"] == "panic:room"
    assert set(box.stations.acknowledge()) == {"panic:desk1", "panic:room"}


async def test_panic_with_a_ready_supervisor_rings_the_supervisor(box):  # noqa: F811
    await box.press(READY_BTN)
    call = await answered(box)
    box.acd.set_ready("sue")
    sue = box.stations.stations["desk3"]
    await box.clock.advance(0)
    assert sue.panel.state == "ready"
    await box.press(PANIC_BTN, hold_s=0.6)
    assert box.world.events(CALL_OFFERED)[-1][1] == {
        "call_id": call.call_id, "agent": "sue", "queue": "sales"
    }  # fmt: skip
    assert sue.panel.state == "offered" and sue.call is call


async def test_headset_lost_during_a_call_and_back(box):  # noqa: F811
    desk1 = box.stations.stations["desk1"]
    await box.press(READY_BTN)
    call = await answered(box)
    await box.clock.advance(0.5)
    box.headsets["desk1"].unplug()
    await box.clock.advance(0.05)

    assert not call.ended  # not dropped
    assert box.state("anna") == ("paused", "headset lost")
    assert box.acd.snapshot()["queues"]["sales"]["callers"][0]["call_id"] == call.call_id
    ((kind, f),) = box.alarms()
    assert (kind, f["name"], f["severity"]) == ("alarm", "headset:desk1", "warning")
    assert f["call_id"] == call.call_id and f["station"] == "desk1"
    assert desk1.panel.alarm and desk1.panel.state == "paused"
    assert not box.stations.stations["desk3"].panel.panic_alarm  # not a panic
    await box.press(READY_BTN)  # refused while the headset is away
    assert box.state("anna") == ("paused", "headset lost")

    box.headsets["desk1"].replug()
    await box.clock.advance(2.1)  # the bridge retries every 2 s
    assert box.alarms()[-1] == ("alarm_cleared", {"name": "headset:desk1"})
    assert not desk1.panel.alarm
    assert box.state("anna") == ("paused", "headset lost")  # until they press ready
    await box.press(READY_BTN)
    await box.clock.advance(0.05)
    assert box.state("anna")[0] == "offered"  # the caller waiting at the head
    assert box.led(PINS["ringing"]) or desk1.panel.state == "offered"


async def test_headset_lost_while_paused_keeps_the_reason(box):  # noqa: F811
    box.headsets["desk1"].unplug()
    await box.clock.advance(0.05)
    assert box.state("anna") == ("paused", "login")
    assert box.alarms()[0][1]["name"] == "headset:desk1"


async def test_silent_mic_warns_and_clears(box):  # noqa: F811
    desk2 = box.stations.stations["desk2"]
    await box.clock.advance(10.5)  # the array headset's mic is digital silence
    names = [f["name"] for k, f in box.alarms() if k == "alarm"]
    assert "headset-silent:desk2" in names
    assert "headset-silent:desk1" not in names  # desk1's file mic plays a tone
    import numpy as np

    from tests.unit.test_station_support import RATE, sine

    box.headsets["desk2"].feed(sine(400, RATE, RATE))
    await box.clock.advance(0.2)
    assert ("alarm_cleared", {"name": "headset-silent:desk2"}) in box.alarms()
    assert desk2.bridge is not None and not np.isnan(desk2.bridge.stats.ear_ppm)


async def test_a_headset_missing_at_start_alarms_and_is_picked_up_later(tmp_path):
    from firmware.audio.headset import HeadsetError
    from tests.unit.test_station_support import Box

    b = Box(tmp_path)
    there = {"desk2": False}
    real = b._headset

    def opener(name, cfg):
        if name in there and not there[name]:
            raise HeadsetError(f"no device matches {cfg.headset!r}")
        return real(name, cfg)

    b.stations._open_headset = opener
    await b.start()
    try:
        desk2 = b.stations.stations["desk2"]
        assert desk2.bridge is None and desk2.headset_lost and desk2.panel.alarm
        ((kind, f),) = b.alarms()
        assert (kind, f["name"]) == ("alarm", "headset:desk2") and "Array 2" in f["message"]
        assert b.stations.login_by_code("desk2", "1234") == "bob"
        assert b.state("bob") == ("paused", "login")  # no headset: not ready
        await b.clock.advance(2.1)
        assert desk2.bridge is None  # still away: no second alarm
        assert len(b.alarms()) == 1
        there["desk2"] = True
        await b.clock.advance(2.0)
        assert desk2.bridge is not None and not desk2.headset_lost and not desk2.panel.alarm
        assert b.alarms()[-1] == ("alarm_cleared", {"name": "headset:desk2"})
    finally:
        await b.close()


async def test_panic_while_ringing_pauses_and_the_call_rings_on(box):  # noqa: F811
    await box.press(READY_BTN)
    box.acd.login("bob")  # the test's recorder endpoint, at no station
    box.acd.pause("bob", "break")
    call, _ = box.call()
    await box.clock.advance(0.05)
    assert box.state("anna")[0] == "offered"
    box.acd.set_ready("bob")  # anna still ringing; bob free now
    await box.press(PANIC_BTN, hold_s=0.6)
    assert box.state("anna") == ("paused", "panic")
    assert box.world.stations["bob"].what("offer") == [call.call_id]
    ((kind, f),) = box.alarms()
    assert (kind, f["name"], f["call_id"]) == ("alarm", "panic:desk1", call.call_id)
    assert box.acd.snapshot()["agents"]["anna"]["missed"] == 0
