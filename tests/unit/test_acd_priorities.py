"""Who waits ahead: priority rules by caller number, callbacks, FIFO within a priority,
and the positions the journal records as they move."""

from __future__ import annotations

from firmware.acd.priority import call_priority, matches
from firmware.cdr import CALL_OFFERED, CALL_QUEUED, POSITION_CHANGED
from tests.unit.test_acd_support import World, make_config

RULES = [
    {"label": "VIP", "numbers": ["+38050111", "+38067*"], "priority": 10},
    {"label": "partners", "numbers": ["+49*"], "priority": 5},
]


def world(**queue) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0, **queue}
    return World(make_config(queues={"sales": q}))


def test_patterns_are_exact_or_a_prefix_ending_in_a_star():
    assert matches("+38050111", "+38050111")
    assert not matches("+38050111", "+380501110")  # exact means exact
    assert matches("+38067*", "+380671234567")
    assert not matches("+38067*", "+38050")
    assert matches("*", None) and not matches("+1*", None)


def test_a_call_gets_the_highest_of_its_own_priority_its_rules_and_callback_priority():
    cfg = make_config(
        queues={"sales": {"strategy": "ringall", "priority": RULES, "callback_priority": 7}}
    ).queues["sales"]
    w = World(make_config())
    plain, vip, partner = w.call("+1555"), w.call("+380671234"), w.call("+4930")
    assert [call_priority(c, cfg) for c in (plain, vip, partner)] == [0, 10, 5]
    partner.vars["callback"] = "1"
    assert call_priority(partner, cfg) == 7
    assert call_priority(w.call("+4930", priority=20), cfg) == 20
    w.close()


async def test_higher_priority_is_served_first_and_fifo_within_a_priority():
    w = world(priority=RULES)
    calls = [w.call("+1001"), w.call("+4930"), w.call("+1002"), w.call("+38050111")]
    for c in calls:
        w.enqueue(c)
        await w.clock.advance(1)
    queued = {f["call_id"]: f["priority"] for _, f in w.events(CALL_QUEUED)}
    assert [queued[c.call_id] for c in calls] == [0, 5, 0, 10]
    order = []
    w.acd.login("anna")
    for _ in calls:
        await w.settle()
        order.append(w.events(CALL_OFFERED)[-1][1]["call_id"])
        w.acd.agent_answer("anna")
        w.acd.agent_hangup("anna")
    assert order == [calls[3].call_id, calls[1].call_id, calls[0].call_id, calls[2].call_id]


async def test_a_callback_call_waits_at_the_queues_callback_priority():
    w = world(callback_priority=5)
    first = w.call("+1001")
    w.enqueue(first)
    back = w.call("+1002")
    back.vars["callback"] = "+1002"
    w.enqueue(back)
    await w.settle()
    w.acd.login("anna")
    await w.settle()
    assert w.events(CALL_OFFERED)[0][1]["call_id"] == back.call_id


async def test_positions_are_journaled_when_they_change_and_only_then():
    w = world(priority=RULES)
    a, b = w.call("+1001"), w.call("+1002")
    w.enqueue(a)
    w.enqueue(b)
    await w.settle()
    assert [f["position"] for _, f in w.events(CALL_QUEUED)] == [1, 2]
    assert w.events(POSITION_CHANGED) == []
    vip = w.call("+380679999")
    w.enqueue(vip)
    await w.settle()
    # The VIP goes first: both others move back one place.
    assert [(f["call_id"], f["position"]) for _, f in w.events(POSITION_CHANGED)] == [
        (a.call_id, 2),
        (b.call_id, 3),
    ]
    w.engine.end(a, "caller")  # a leaves: only b, behind it, moves
    assert [(f["call_id"], f["position"]) for _, f in w.events(POSITION_CHANGED)][2:] == [
        (b.call_id, 2)
    ]
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 2
    assert [c["call_id"] for c in w.acd.snapshot()["queues"]["sales"]["callers"]] == [
        vip.call_id,
        b.call_id,
    ]
