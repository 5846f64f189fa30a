"""snapshot(): what the dashboard and telemetry read; and the ACD surviving a broken
station."""

from __future__ import annotations

import pytest

from firmware.acd import STATES
from firmware.cdr import CALL_ANSWERED, CALL_OFFERED
from tests.unit.test_acd_support import World, make_config


def world() -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0}
    return World(make_config(queues={"sales": q}))


async def test_snapshot_shows_queues_and_agents():
    w = world()
    w.acd.login("anna", "desk1")
    busy = w.call()
    w.enqueue(busy)
    await w.settle()
    w.acd.agent_answer("anna")
    await w.clock.advance(10)
    a, b = w.call(), w.call()
    w.enqueue(a)
    await w.clock.advance(20)
    w.enqueue(b)
    await w.clock.advance(5)
    snap = w.acd.snapshot()
    sales = snap["queues"]["sales"]
    assert sales["waiting"] == 2
    assert [(c["call_id"], c["position"], c["wait_s"]) for c in sales["callers"]] == [
        (a.call_id, 1, 25),
        (b.call_id, 2, 5),
    ]
    assert sales["longest_wait_s"] == 25
    assert (sales["staffed"], sales["ready"], sales["closed"]) == (1, 0, False)
    assert sales["ewt_s"] == 3 * 180  # the next caller would be third, one agent
    anna = snap["agents"]["anna"]
    assert (anna["state"], anna["call"], anna["station"], anna["for_s"]) == (
        "on_call",
        busy.call_id,
        "desk1",
        35,
    )
    assert anna["since"] == w.clock.wall() - 35
    assert snap["agents"]["bob"]["state"] == "logged_out"
    assert {s["state"] for s in snap["agents"].values()} <= set(STATES)


async def test_unknown_names_are_value_errors_naming_the_allowed_ones():
    w = world()
    with pytest.raises(ValueError, match=r"unknown queue 'nope' \(expected one of sales\)"):
        w.acd.set_night_mode(True, "nope")
    with pytest.raises(ValueError, match=r"unknown agent 'zed' \(expected one of anna, bob\)"):
        w.acd.login("zed")
    with pytest.raises(ValueError, match=r"unknown queue 'nope'"):
        await w.acd.enqueue(w.call(), "nope")


class Broken:
    def offer(self, call):
        raise RuntimeError("headset unplugged")

    cancel_offer = connect = disconnect = offer


async def test_a_broken_endpoint_harms_nobody_else(caplog):
    w = world()
    w.acd.attach("anna", Broken())
    w.acd.login("anna")
    await w.clock.advance(1)
    w.acd.login("bob")
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(20)  # anna's offer "rang" (and raised) and timed out
    assert [f["agent"] for _, f in w.events(CALL_OFFERED)] == ["anna", "bob"]
    w.acd.agent_answer("bob")
    await w.settle()
    assert task.result().agent == "bob"
    assert len(w.events(CALL_ANSWERED)) == 1
    assert "headset unplugged" in caplog.text
