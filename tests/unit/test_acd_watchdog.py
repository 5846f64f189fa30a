"""The stuck-agent alarm: raised after acd.stuck_after_s in one state (not logged out,
not ready), cleared when the agent leaves that state."""

from __future__ import annotations

from firmware.journal import ALARM, ALARM_CLEARED
from tests.unit.test_acd_support import World, make_config


def world(stuck_after_s: float = 600) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0}
    cfg = make_config(queues={"sales": q}, acd={"stuck_after_s": stuck_after_s})
    return World(cfg)


def alarms(w: World) -> list[tuple[str, dict]]:
    return w.events(ALARM, ALARM_CLEARED)


async def test_a_long_pause_raises_a_warning_and_leaving_it_clears_it():
    w = world(stuck_after_s=600)
    w.acd.login("anna")
    w.acd.pause("anna", "lunch")
    await w.clock.advance(599)
    assert alarms(w) == []
    await w.clock.advance(1)
    ((kind, ev),) = alarms(w)
    assert (kind, ev["name"], ev["severity"]) == (ALARM, "agent-stuck:anna", "warning")
    assert "anna" in ev["message"] and "paused" in ev["message"] and "10 minutes" in ev["message"]
    await w.clock.advance(3600)
    assert len(alarms(w)) == 1  # raised once, not repeated
    w.acd.set_ready("anna")
    assert alarms(w)[-1] == (ALARM_CLEARED, {"name": "agent-stuck:anna"})


async def test_a_long_call_raises_it_too_and_ready_or_logged_out_never_do():
    w = world(stuck_after_s=600)
    w.acd.login("anna")
    w.acd.login("bob")
    await w.clock.advance(5000)  # ready for ages: no alarm
    w.acd.logout("bob")
    await w.clock.advance(5000)  # logged out for ages: no alarm
    assert alarms(w) == []
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    await w.clock.advance(600)
    assert [ev["name"] for _, ev in alarms(w)] == ["agent-stuck:anna"]
    assert "on call" in alarms(w)[0][1]["message"]
    w.engine.end(call, "caller")
    assert alarms(w)[-1][0] == ALARM_CLEARED


async def test_each_state_change_restarts_the_clock():
    w = world(stuck_after_s=600)
    w.acd.login("anna")
    w.acd.pause("anna", "lunch")
    await w.clock.advance(500)
    w.acd.pause("anna", "break")  # a new pause: a new state
    await w.clock.advance(500)
    assert alarms(w) == []
    await w.clock.advance(100)
    assert len(alarms(w)) == 1
