"""Who gets the call: one test (or a few) per strategy, checked in the journal."""

from __future__ import annotations

from collections import Counter

import pytest

from firmware.cdr import CALL_ANSWERED, CALL_OFFERED
from tests.unit.test_acd_support import World, make_config

AGENTS3 = {
    "anna": {"queues": ["sales"]},
    "bob": {"queues": ["sales"]},
    "carl": {"queues": ["sales"]},
}


def world_with(strategy: str, agents=AGENTS3, **queue) -> World:
    q = {"strategy": strategy, "announce_every_s": 0, "wrapup_s": 0, **queue}
    return World(make_config(queues={"sales": q}, agents=agents))


def offered(w: World) -> list[str]:
    return [f["agent"] for _, f in w.events(CALL_OFFERED)]


async def serve_one(w: World) -> str:
    """Queue one call, let whoever is offered it answer and hang up; who it was."""
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    agent = offered(w)[-1]
    w.acd.agent_answer(agent)
    await w.clock.advance(60)
    w.acd.agent_hangup(agent)
    await w.settle()
    assert task.result().agent == agent
    return agent


async def test_ringall_rings_every_idle_member_and_the_first_answer_wins():
    w = world_with("ringall")
    for a in ("anna", "bob", "carl"):
        w.acd.login(a)
    w.acd.pause("carl", "break")
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    assert sorted(offered(w)) == ["anna", "bob"]  # carl is paused
    w.acd.agent_answer("bob")
    await w.settle()
    assert task.result().agent == "bob"
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert w.stations["bob"].what("connect") == [call.call_id]
    assert (w.state("anna"), w.state("bob")) == ("ready", "on_call")
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.offers, cdr.agent) == (2, "bob")


async def test_longest_idle_takes_whoever_finished_their_last_call_longest_ago():
    w = world_with("longest-idle")
    for a in ("anna", "bob", "carl"):
        w.acd.login(a)
        await w.clock.advance(1)  # anna idles longest, then bob, then carl
    assert await serve_one(w) == "anna"
    assert await serve_one(w) == "bob"
    assert await serve_one(w) == "carl"
    assert await serve_one(w) == "anna"


async def test_fewest_calls_takes_whoever_answered_fewest_since_login():
    w = world_with("fewest-calls")
    w.acd.login("anna")
    w.acd.login("bob")
    assert await serve_one(w) == "anna"  # a tie: the longest idle
    assert await serve_one(w) == "bob"
    w.acd.login("carl")  # logs in last: zero calls, so next, though least idle
    assert await serve_one(w) == "carl"
    w.acd.logout("anna")
    w.acd.login("anna")  # the count restarts at login
    assert await serve_one(w) == "anna"


async def test_round_robin_remembers_the_last_member_offered_per_queue():
    w = world_with("round-robin")
    for a in ("anna", "bob", "carl"):
        w.acd.login(a)
    got = [await serve_one(w) for _ in range(4)]
    assert got == ["anna", "bob", "carl", "anna"]
    w.acd.pause("bob", "break")  # skipped while away; the order goes on after him
    got = [await serve_one(w) for _ in range(3)]
    assert got == ["carl", "anna", "carl"]


async def random_picks(seed: int, n: int = 150) -> list[str]:
    w = world_with("random")
    w.acd.rng.seed(seed)
    for a in ("anna", "bob", "carl"):
        w.acd.login(a)
    got = [await serve_one(w) for _ in range(n)]
    w.close()
    return got


async def test_random_is_uniform_over_idle_members_and_follows_the_seed():
    first, again, other = await random_picks(7), await random_picks(7), await random_picks(8)
    assert first == again  # the Acd's rng decides, nothing else
    assert first != other
    for got in (first, other):
        counts = Counter(got)
        assert set(counts) == {"anna", "bob", "carl"}
        assert min(counts.values()) > 30  # ~50 each: uniform, not "the first idle one"


SKILLED = {
    "anna": {"queues": ["sales"], "skills": {"fr": 3}},  # below the level
    "bob": {"queues": ["sales"], "skills": {"fr": 5, "de": 2}},
    "carl": {"queues": ["sales"], "skills": {"fr": 9, "de": 4}},
}


async def test_skills_offers_the_best_skilled_qualified_agent_first():
    w = world_with("skills", SKILLED, skills={"fr": 4, "de": 1}, widen_after_s=30)
    for a in ("anna", "bob", "carl"):
        w.acd.login(a)
    assert await serve_one(w) == "carl"  # 13 > 7; anna lacks de and fr 4
    w.acd.pause("carl", "break")
    assert await serve_one(w) == "bob"


async def test_skills_widens_to_any_member_after_widen_after_s():
    w = world_with("skills", SKILLED, skills={"fr": 4}, widen_after_s=30)
    w.acd.login("anna")  # not qualified
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(29)
    assert offered(w) == []
    await w.clock.advance(1)
    assert offered(w) == ["anna"]
    w.acd.agent_answer("anna")
    await w.settle()
    assert task.result().agent == "anna"
    assert w.journal.cdr(call.call_id).answer - w.journal.cdr(call.call_id).enqueue == 30


async def test_skills_an_unqualified_agent_takes_a_widened_caller_behind_a_fresh_one():
    w = world_with("skills", SKILLED, skills={"fr": 4}, widen_after_s=30)
    old = w.call()
    w.enqueue(old)
    await w.clock.advance(40)  # widened
    vip = w.call("+1999", priority=50)  # ahead of it, but fresh
    w.enqueue(vip)
    await w.settle()
    w.acd.login("anna")
    await w.settle()
    assert [f["call_id"] for _, f in w.events(CALL_OFFERED)] == [old.call_id]


@pytest.mark.parametrize("strategy", ["longest-idle", "fewest-calls", "round-robin", "random"])
async def test_every_strategy_offers_only_idle_members_of_the_queue(strategy):
    agents = {**AGENTS3, "dora": {"queues": ["other"]}}
    queues = {
        "sales": {"strategy": strategy, "announce_every_s": 0, "wrapup_s": 0},
        "other": {"strategy": strategy, "announce_every_s": 0},
    }
    w = World(make_config(queues=queues, agents=agents))
    for a in ("anna", "bob", "carl", "dora"):
        w.acd.login(a)
    w.acd.pause("anna", "lunch")
    for _ in range(20):
        assert await serve_one(w) in ("bob", "carl")
    assert len(w.events(CALL_ANSWERED)) == 20
