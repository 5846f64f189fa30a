"""Acd.take_back: a call taken from its agent (panic, headset lost) goes back to the head
of its queue or to a ready supervisor; the agent is paused with a system reason."""

from __future__ import annotations

import pytest

from firmware.acd import AcdError
from firmware.acd.takeback import HEADSET_LOST, PANIC
from firmware.cdr import CALL_OFFERED, CALL_QUEUED, CALL_TRANSFERRED, POSITION_CHANGED
from firmware.journal import AGENT_PAUSED
from tests.unit.test_acd_support import World, make_config

VIP = [{"label": "VIP", "numbers": ["+999*"], "priority": 10}]


def world(agents=None, **queue) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0, **queue}
    return World(make_config(queues={"sales": q}, **({"agents": agents} if agents else {})))


async def talking(w: World, agent: str, caller: str = "+100"):
    """A call answered by ``agent`` (the only one ready)."""
    call = w.call(caller)
    task = w.enqueue(call)
    await w.settle()
    assert w.stations[agent].what("offer")[-1] == call.call_id
    w.acd.agent_answer(agent)
    await w.settle()
    assert task.result().agent == agent
    return call


async def test_the_caller_goes_back_to_the_head_and_the_agent_is_paused():
    w = world()
    w.acd.login("anna")
    first = await talking(w, "anna")
    later = [w.call("+201"), w.call("+202")]
    for c in later:
        w.enqueue(c)
    await w.settle()
    seq = w.journal.last_seq

    assert w.acd.take_back("anna", PANIC) is first

    assert w.stations["anna"].what("disconnect") == [first.call_id]
    assert w.state("anna") == "paused"
    assert w.acd.snapshot()["agents"]["anna"]["reason"] == PANIC
    callers = w.acd.snapshot()["queues"]["sales"]["callers"]
    assert [c["call_id"] for c in callers] == [first.call_id] + [c.call_id for c in later]
    assert [c["position"] for c in callers] == [1, 2, 3]
    new = [(e.kind, dict(e.fields)) for e in w.journal.events(after_seq=seq)]
    assert new[0] == (
        CALL_TRANSFERRED,
        {"call_id": first.call_id, "to": "sales", "reason": PANIC, "agent": "anna"},
    )
    assert new[1][0] == CALL_QUEUED and new[1][1]["position"] == 1
    assert [(k, f["position"]) for k, f in new[2:4]] == [
        (POSITION_CHANGED, 2),
        (POSITION_CHANGED, 3),
    ]
    assert new[4] == (AGENT_PAUSED, {"agent": "anna", "reason": PANIC})
    assert first.media.of("hold")[-1] == ("hold", None)  # back on hold

    # The next agent free gets the taken-back caller first.
    w.acd.login("bob")
    await w.settle()
    assert w.stations["bob"].what("offer") == [first.call_id]
    w.acd.agent_answer("bob")
    assert w.state("bob") == "on_call"
    cdr = w.journal.cdr(first.call_id)
    assert cdr.transfers == 1 and cdr.agent == "anna"  # the CDR keeps the first answer
    w.close()


async def test_head_means_ahead_of_a_higher_priority_caller_too():
    w = world(priority=VIP)
    w.acd.login("anna")
    first = await talking(w, "anna")
    vip = w.call("+9991")
    w.enqueue(vip)
    await w.settle()
    w.acd.take_back("anna", HEADSET_LOST)
    callers = w.acd.snapshot()["queues"]["sales"]["callers"]
    assert [c["call_id"] for c in callers] == [first.call_id, vip.call_id]
    assert callers[0]["priority"] == 10
    w.close()


async def test_a_ready_supervisor_is_rung_at_once_and_the_queue_is_the_fallback():
    agents = {
        "anna": {"queues": ["sales"]},
        "bob": {"queues": ["sales"]},
        "sue": {"queues": ["sales"], "supervisor": True},
    }
    w = world(agents, ring_timeout_s=15)
    w.acd.login("anna")
    call = await talking(w, "anna")
    w.acd.login("sue")
    await w.settle()
    w.acd.take_back("anna", PANIC)
    await w.settle()
    offers = w.events(CALL_OFFERED)
    assert offers[-1][1]["agent"] == "sue" and offers[-1][1]["call_id"] == call.call_id
    assert w.state("sue") == "offered"
    # Sue does not answer: the caller is still first in the queue, bob takes them.
    w.acd.login("bob")
    await w.clock.advance(15)
    assert w.stations["bob"].what("offer") == [call.call_id]
    w.close()


async def test_without_to_supervisor_the_supervisor_is_not_rung():
    agents = {"anna": {"queues": ["sales"]}, "sue": {"queues": ["support"], "supervisor": True}}
    w = World(
        make_config(
            queues={
                "sales": {"strategy": "longest-idle", "announce_every_s": 0},
                "support": {"strategy": "longest-idle", "announce_every_s": 0},
            },
            agents=agents,
        )
    )
    w.acd.login("anna")
    call = await talking(w, "anna")
    w.acd.login("sue")
    w.acd.take_back("anna", PANIC, to_supervisor=False)
    await w.settle()
    assert w.stations["sue"].what("offer") == []
    assert w.acd.snapshot()["queues"]["sales"]["callers"][0]["call_id"] == call.call_id
    w.close()


async def test_without_a_call_the_agent_is_just_paused():
    w = world()
    w.acd.login("anna")
    assert w.acd.take_back("anna", HEADSET_LOST) is None
    assert w.state("anna") == "paused"
    # ringing: the offer goes to the next agent, not a miss
    w.acd.set_ready("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.login("bob")
    assert w.acd.take_back("anna", PANIC) is None
    await w.settle()
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert w.stations["bob"].what("offer") == [call.call_id]
    assert w.acd.snapshot()["agents"]["anna"]["missed"] == 0
    n = len(w.events(AGENT_PAUSED))
    w.acd.take_back("anna", PANIC)  # already paused so: nothing new
    assert len(w.events(AGENT_PAUSED)) == n
    w.close()


async def test_reasons_system_ones_allowed_others_checked():
    w = world()
    w.acd.login("anna")
    with pytest.raises(ValueError, match="panic"):
        w.acd.take_back("anna", "nap")
    w.acd.take_back("anna", "lunch")  # a configured reason is fine too
    assert w.acd.snapshot()["agents"]["anna"]["reason"] == "lunch"
    with pytest.raises(ValueError):
        w.acd.pause("anna", PANIC)  # agents cannot choose a system reason themselves
    with pytest.raises(AcdError):
        w.acd.take_back("bob", PANIC)  # not logged in
    w.close()


async def test_a_logout_asked_during_the_call_still_happens():
    w = world()
    w.acd.login("anna")
    call = await talking(w, "anna")
    w.acd.logout("anna")  # after the call
    assert w.acd.take_back("anna", PANIC) is call
    assert w.state("anna") == "logged_out"
    assert w.acd.snapshot()["queues"]["sales"]["callers"][0]["call_id"] == call.call_id
    w.close()


async def test_the_caller_hanging_up_after_being_taken_back_is_an_abandon():
    w = world()
    w.acd.login("anna")
    call = await talking(w, "anna")
    w.acd.take_back("anna", PANIC)
    w.engine.end(call, "caller")
    await w.settle()
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 0
    assert w.journal.cdr(call.call_id).end is not None
    assert w.events("call_abandoned")[-1][1]["call_id"] == call.call_id
    w.close()


async def test_two_taken_back_callers_the_newest_first_and_no_key_clash():
    w = world()
    w.acd.login("anna")
    w.acd.login("bob", ready=False)
    a = await talking(w, "anna")
    w.acd.set_ready("bob")
    b = await talking(w, "bob")
    w.acd.take_back("anna", PANIC)
    w.acd.take_back("bob", PANIC)
    callers = w.acd.snapshot()["queues"]["sales"]["callers"]
    assert [c["call_id"] for c in callers] == [b.call_id, a.call_id]
    assert [c["position"] for c in callers] == [1, 2]
    w.close()
