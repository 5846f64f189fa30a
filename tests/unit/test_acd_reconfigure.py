"""reconfigure() (SIGHUP): new queues and agents, changed strategies, removed agents;
calls in progress are left alone."""

from __future__ import annotations

import pytest

from firmware.cdr import CALL_OFFERED
from firmware.journal import AGENT_LOGGED_OUT
from tests.unit.test_acd_support import World, make_config


def q(strategy: str = "longest-idle", **kw) -> dict:
    return {"strategy": strategy, "announce_every_s": 0, "wrapup_s": 0, **kw}


AGENTS = {"anna": {"queues": ["sales"]}, "bob": {"queues": ["sales"]}}


async def test_a_queue_added_takes_callers_and_its_new_members():
    w = World(make_config(queues={"sales": q()}, agents=AGENTS))
    with pytest.raises(ValueError, match=r"unknown queue 'support' \(expected one of sales\)"):
        await w.acd.enqueue(w.call(), "support")
    agents = {**AGENTS, "carl": {"queues": ["support"]}}
    w.acd.reconfigure(make_config(queues={"sales": q(), "support": q()}, agents=agents))
    w.attach("carl")
    w.acd.login("carl")
    task = w.enqueue(w.call(), "support")
    await w.settle()
    w.acd.agent_answer("carl")
    await w.settle()
    assert task.result().agent == "carl"


async def test_a_changed_strategy_applies_to_the_next_offer():
    w = World(make_config(queues={"sales": q("longest-idle")}, agents=AGENTS))
    w.acd.login("anna")
    w.acd.login("bob")
    first = w.call()
    w.enqueue(first)
    await w.settle()
    assert w.events(CALL_OFFERED)[-1][1]["agent"] == "anna"
    w.acd.reconfigure(make_config(queues={"sales": q("ringall")}, agents=AGENTS))
    # The ringing offer is untouched …
    assert w.state("anna") == "offered" and w.state("bob") == "ready"
    second = w.call()
    w.enqueue(second)
    await w.settle()
    # … and the next caller is given by the new strategy (only bob is idle).
    assert w.events(CALL_OFFERED)[-1][1] == {
        "call_id": second.call_id,
        "agent": "bob",
        "queue": "sales",
    }
    w.acd.agent_answer("anna")
    w.acd.agent_hangup("anna")
    third = w.call()
    w.enqueue(third)
    await w.settle()
    assert [f["agent"] for _, f in w.events(CALL_OFFERED)][-1:] == ["anna"]


async def test_a_removed_agent_is_logged_out_after_their_current_call():
    w = World(make_config(queues={"sales": q(wrapup_s=30)}, agents=AGENTS))
    w.acd.login("anna")
    w.acd.login("bob")
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    await w.settle()
    w.acd.reconfigure(make_config(queues={"sales": q()}, agents={"bob": AGENTS["bob"]}))
    # bob (idle) stays; anna keeps talking, and is logged out when the call ends.
    assert w.state("anna") == "on_call"
    assert task.result().agent == "anna"
    assert w.events(AGENT_LOGGED_OUT) == []
    await w.clock.advance(100)
    w.acd.agent_hangup("anna")
    assert w.events(AGENT_LOGGED_OUT) == [(AGENT_LOGGED_OUT, {"agent": "anna"})]
    assert w.stations["anna"].what("disconnect") == [call.call_id]
    assert w.journal.cdr(call.call_id).disposition == "answered"
    assert set(w.acd.snapshot()["agents"]) == {"bob"}
    with pytest.raises(ValueError, match="unknown agent 'anna'"):
        w.acd.login("anna")


async def test_an_idle_removed_agent_is_logged_out_at_once_and_waiting_calls_stay():
    w = World(make_config(queues={"sales": q()}, agents=AGENTS))
    w.acd.login("anna")
    w.acd.pause("anna", "break")
    waiting = w.call()
    task = w.enqueue(waiting)
    await w.settle()
    w.acd.reconfigure(
        make_config(
            queues={"sales": q(max_wait_s=5, overflow={"action": "callback"})},
            agents={"bob": AGENTS["bob"]},
        )
    )
    assert w.events(AGENT_LOGGED_OUT) == [(AGENT_LOGGED_OUT, {"agent": "anna"})]
    await w.clock.advance(60)
    assert not task.done()  # the new max_wait applies to new callers only
    w.acd.login("bob")
    await w.settle()
    w.acd.agent_answer("bob")
    await w.settle()
    assert task.result().agent == "bob"


async def test_callers_waiting_for_a_removed_supervisor_go_back_to_their_queue():
    queues = {
        "sales": q(max_wait_s=60, overflow={"action": "supervisor", "target": "sam"}),
        "other": q(),
    }
    agents = {"anna": {"queues": ["sales"]}, "sam": {"queues": ["other"], "supervisor": True}}
    w = World(make_config(queues=queues, agents=agents))
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(61)  # waiting for sam, who is not logged in
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 0
    w.acd.reconfigure(make_config(queues={"sales": q(), "other": q()}, agents=AGENTS))
    assert w.acd.snapshot()["queues"]["sales"]["callers"][0]["call_id"] == call.call_id
    w.acd.login("anna")
    await w.settle()
    w.acd.agent_answer("anna")
    await w.settle()
    assert task.result().agent == "anna"
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.overflow, cdr.answer - cdr.enqueue) == ("supervisor", 61)
