"""An offer nobody answers: the ring times out, the call keeps its place and rings the
next agent; an agent who lets too many ring out in a row is paused, with an alarm."""

from __future__ import annotations

import pytest

from firmware.acd import AcdError
from firmware.cdr import CALL_OFFERED
from firmware.journal import AGENT_PAUSED, ALARM, ALARM_CLEARED
from tests.unit.test_acd_support import World, make_config

AGENTS = {"anna": {"queues": ["sales"]}, "bob": {"queues": ["sales"]}}


def world(max_missed: int = 2) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0, "ring_timeout_s": 15}
    acd = {"max_missed_offers": max_missed}
    return World(make_config(queues={"sales": q}, agents=AGENTS, acd=acd))


def offers(w: World) -> list[tuple[str, str]]:
    return [(f["call_id"], f["agent"]) for _, f in w.events(CALL_OFFERED)]


async def test_ring_timeout_cancels_the_offer_and_rings_the_next_agent():
    w = world()
    w.acd.login("anna")
    await w.clock.advance(1)
    w.acd.login("bob")
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(14.9)
    assert offers(w) == [(call.call_id, "anna")]
    await w.clock.advance(0.1)
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert offers(w) == [(call.call_id, "anna"), (call.call_id, "bob")]
    assert w.state("anna") == "ready"
    w.acd.agent_answer("bob")
    await w.settle()
    assert task.result().agent == "bob"
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.offers, cdr.last_offer - cdr.first_offer, cdr.agent) == (2, 15, "bob")
    with pytest.raises(AcdError, match=r"anna.*no call ringing"):
        w.acd.agent_answer("anna")  # too late: nothing changes
    assert w.state("bob") == "on_call"


async def test_an_unanswered_call_keeps_its_place_at_the_head():
    w = world(max_missed=1)  # anna is paused at her first miss
    first, second = w.call("+1"), w.call("+2")
    w.enqueue(first)
    await w.clock.advance(5)
    w.enqueue(second)
    await w.settle()
    w.acd.login("anna")
    await w.clock.advance(15)  # anna lets the first ring out
    assert offers(w) == [(first.call_id, "anna")] and w.state("anna") == "paused"
    w.acd.login("bob")
    await w.settle()
    # The first caller is still first: bob is offered it, not the second.
    assert offers(w)[-1] == (first.call_id, "bob")
    snap = w.acd.snapshot()["queues"]["sales"]["callers"]
    assert [c["call_id"] for c in snap] == [first.call_id, second.call_id]


async def test_a_lone_agent_is_offered_the_same_call_again():
    w = world(max_missed=3)
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(31)
    assert offers(w) == [(call.call_id, "anna")] * 3


async def test_too_many_misses_in_a_row_pause_the_agent_with_an_alarm():
    w = world(max_missed=2)
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(30)
    assert w.state("anna") == "paused"
    assert w.events(AGENT_PAUSED) == [(AGENT_PAUSED, {"agent": "anna", "reason": "missed-calls"})]
    ((_, alarm),) = w.events(ALARM)
    assert (alarm["name"], alarm["severity"]) == ("agent-missed:anna", "warning")
    assert "anna" in alarm["message"]
    await w.clock.advance(100)
    assert len(offers(w)) == 2  # paused: no more offers
    w.acd.set_ready("anna")
    await w.settle()
    assert w.events(ALARM_CLEARED)[-1][1]["name"] == "agent-missed:anna"
    assert len(offers(w)) == 3


async def test_an_answer_resets_the_miss_count():
    w = world(max_missed=2)
    w.acd.login("anna")
    for _ in range(3):
        call = w.call()
        w.enqueue(call)
        await w.clock.advance(15)  # one miss
        w.acd.agent_answer("anna")  # re-offered at once; answered
        w.acd.agent_hangup("anna")
        await w.settle()
    assert w.events(AGENT_PAUSED) == []
    assert w.acd.snapshot()["agents"]["anna"]["missed"] == 0
