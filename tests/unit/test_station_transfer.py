"""The transfer button: the operator hands the caller to the desk's ``transfer_to`` queue
(at its head) and wraps up; the lights follow. Real parts on a virtual clock, as in
tests/unit/test_station_support.py."""

from __future__ import annotations

import copy

import pytest

from firmware.cdr import CALL_OFFERED, CALL_TRANSFERRED
from tests.unit.test_station_support import ANSWER_BTN, PINS, READY_BTN, SECTIONS, Box

TRANSFER_BTN = 16


@pytest.fixture
async def box(tmp_path):
    sections = copy.deepcopy(SECTIONS)
    sections["queues"]["support"] = {"strategy": "longest-idle", "announce_every_s": 0}
    sections["agents"]["bob"]["queues"] = ["support"]
    desk1 = sections["stations"]["desk1"]
    desk1["buttons"]["transfer"] = TRANSFER_BTN
    desk1["transfer_to"] = "support"
    b = Box(tmp_path, sections)
    await b.start()
    yield b
    await b.close()


async def test_the_transfer_button_hands_the_caller_on_and_wraps_up(box):
    await box.press(TRANSFER_BTN)  # no call: refused, nothing happens
    assert box.state("anna") == ("paused", "login")
    await box.press(READY_BTN)
    call, task = box.call()
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    assert task.result().agent == "anna" and box.led(PINS["on_call"])
    await box.clock.advance(20)

    await box.press(TRANSFER_BTN)

    assert not call.ended  # handed on, not dropped
    assert box.state("anna") == ("wrap_up", None)
    assert box.stations.stations["desk1"].panel.state == "wrap_up"  # the slow blink
    assert box.stations.stations["desk1"].call is None  # her headset is off the call
    ((_, f),) = box.world.events(CALL_TRANSFERRED)
    assert f == {"call_id": call.call_id, "to": "support", "reason": "transfer",
                 "agent": "anna"}  # fmt: skip
    assert box.acd.snapshot()["queues"]["support"]["callers"][0]["call_id"] == call.call_id
    box.acd.login("bob")
    await box.clock.advance(0.05)
    assert box.world.events(CALL_OFFERED)[-1][1]["agent"] == "bob"
