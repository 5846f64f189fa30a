"""Agent states around a call: wrap-up, pauses, ready, log in/out, and the errors for
actions that do not fit the state (which change nothing)."""

from __future__ import annotations

import pytest

from firmware.acd import AcdError
from firmware.cdr import CALL_OFFERED
from firmware.journal import (
    AGENT_LOGGED_IN,
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
)
from tests.unit.test_acd_support import World, make_config

AGENT_KINDS = (AGENT_LOGGED_IN, AGENT_READY, AGENT_PAUSED, AGENT_WRAP_UP, AGENT_LOGGED_OUT)


def world(wrapup_s: float = 10) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": wrapup_s}
    return World(make_config(queues={"sales": q}, agents={"anna": {"queues": ["sales"]}}))


async def talk(w: World, seconds: float = 30):
    """One call answered by anna, then ended by her after ``seconds``."""
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    await w.clock.advance(seconds)
    w.acd.agent_hangup("anna")
    await w.settle()
    return call, task


def agent_events(w: World) -> list[tuple[str, dict]]:
    return w.events(*AGENT_KINDS)


async def test_wrap_up_lasts_the_queues_wrapup_s_then_ready():
    w = world(wrapup_s=10)
    w.acd.login("anna", "desk1")
    call, _ = await talk(w)
    assert w.state("anna") == "wrap_up"
    assert w.stations["anna"].what("disconnect") == [call.call_id]
    assert w.journal.cdr(call.call_id).ended_by == "agent"
    nxt = w.call()
    w.enqueue(nxt)
    await w.clock.advance(9.9)
    assert w.events(CALL_OFFERED)[-1][1]["call_id"] == call.call_id  # not offered yet
    await w.clock.advance(0.1)
    assert w.events(CALL_OFFERED)[-1][1]["call_id"] == nxt.call_id
    assert agent_events(w) == [
        (AGENT_LOGGED_IN, {"agent": "anna", "station": "desk1"}),
        (AGENT_READY, {"agent": "anna"}),
        (AGENT_WRAP_UP, {"agent": "anna", "call_id": call.call_id, "seconds": 10}),
        (AGENT_READY, {"agent": "anna"}),
    ]


async def test_no_wrap_up_goes_straight_to_ready():
    w = world(wrapup_s=0)
    w.acd.login("anna")
    await talk(w)
    assert w.state("anna") == "ready"
    assert [k for k, _ in agent_events(w)] == [AGENT_LOGGED_IN, AGENT_READY, AGENT_READY]


async def test_pause_or_ready_during_wrap_up_ends_it_early():
    w = world(wrapup_s=60)
    w.acd.login("anna")
    await talk(w)
    w.acd.pause("anna", "lunch")
    assert w.state("anna") == "paused"
    await w.clock.advance(120)  # the wrap-up timer must not make her ready
    assert w.state("anna") == "paused"
    w.acd.set_ready("anna")
    await talk(w)
    await w.clock.advance(5)
    w.acd.set_ready("anna")
    assert w.state("anna") == "ready"
    await w.clock.advance(120)
    kinds = [k for k, _ in agent_events(w)]
    assert kinds == [
        AGENT_LOGGED_IN, AGENT_READY, AGENT_WRAP_UP, AGENT_PAUSED,
        AGENT_READY, AGENT_WRAP_UP, AGENT_READY,
    ]  # fmt: skip


async def test_pause_during_a_call_takes_effect_after_its_wrap_up():
    w = world(wrapup_s=10)
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    w.acd.pause("anna", "break")
    assert w.state("anna") == "on_call"
    w.acd.agent_hangup("anna")
    await w.clock.advance(10)
    assert w.state("anna") == "paused"
    assert w.acd.snapshot()["agents"]["anna"]["reason"] == "break"


async def test_login_not_ready_and_pause_reasons():
    w = world()
    w.acd.login("anna", ready=False)
    assert w.state("anna") == "paused"
    with pytest.raises(ValueError, match=r"'nap' is not one of break, lunch"):
        w.acd.pause("anna", "nap")
    with pytest.raises(ValueError, match=r"unknown agent 'zoe' \(expected one of anna\)"):
        w.acd.pause("zoe", "break")
    w.acd.set_ready("anna")
    assert w.state("anna") == "ready"


async def test_actions_that_do_not_fit_the_state_raise_and_change_nothing():
    w = world()
    with pytest.raises(AcdError, match="not logged in"):
        w.acd.pause("anna", "break")
    with pytest.raises(AcdError, match="not logged in"):
        w.acd.logout("anna")
    w.acd.login("anna")
    before = w.journal.last_seq
    with pytest.raises(AcdError, match="already logged in"):
        w.acd.login("anna")
    with pytest.raises(AcdError, match="no call ringing"):
        w.acd.agent_answer("anna")
    with pytest.raises(AcdError, match="not on a call"):
        w.acd.agent_hangup("anna")
    assert w.journal.last_seq == before and w.state("anna") == "ready"


async def test_logout_during_a_call_waits_for_its_end_and_skips_wrap_up():
    w = world(wrapup_s=10)
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    w.acd.logout("anna")
    assert w.state("anna") == "on_call"
    w.engine.end(call, "caller")
    assert w.state("anna") == "logged_out"
    assert [k for k, _ in agent_events(w)][-1] == AGENT_LOGGED_OUT
    assert AGENT_WRAP_UP not in [k for k, _ in agent_events(w)]


async def test_pause_while_ringing_hands_the_call_on_without_counting_a_miss():
    w = world()
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.pause("anna", "break")
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert w.acd.snapshot()["agents"]["anna"]["missed"] == 0
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 1
    await w.clock.advance(100)
    assert len(w.events(CALL_OFFERED)) == 1  # not re-offered to a paused agent
