"""The transfer button: the operator hands the caller to the desk's ``transfer_to`` queue
(at its head) and wraps up; the lights follow. Real parts on a virtual clock, as in
tests/unit/test_station_support.py."""

from __future__ import annotations

import copy

import pytest

from firmware.cdr import CALL_OFFERED, CALL_TRANSFERRED
from tests.unit.test_acd_support import make_config
from tests.unit.test_station_support import ANSWER_BTN, PINS, READY_BTN, SECTIONS, Box

TRANSFER_BTN = 16


def sections(transfer_to: str = "support") -> dict:
    sections = copy.deepcopy(SECTIONS)
    sections["queues"]["support"] = {"strategy": "longest-idle", "announce_every_s": 0}
    sections["agents"]["bob"]["queues"] = ["support"]
    desk1 = sections["stations"]["desk1"]
    desk1["buttons"]["transfer"] = TRANSFER_BTN
    desk1["transfer_to"] = transfer_to
    sections["queues"]["billing"] = {"strategy": "longest-idle", "announce_every_s": 0}
    return sections


@pytest.fixture
async def box(tmp_path):
    b = Box(tmp_path, sections())
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


async def test_a_reload_changes_where_the_button_transfers_to(box):
    box.stations.reconfigure(make_config(**sections(transfer_to="billing")))
    await box.press(READY_BTN)
    call, _ = box.call()
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    await box.press(TRANSFER_BTN)
    assert box.world.events(CALL_TRANSFERRED)[-1][1]["to"] == "billing"
    assert box.acd.snapshot()["queues"]["billing"]["callers"][0]["call_id"] == call.call_id
