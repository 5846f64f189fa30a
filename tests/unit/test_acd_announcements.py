"""What a waiting caller hears (hold music, position and expected wait, the comfort
prompt) and the expected-wait figure itself."""

from __future__ import annotations

import asyncio

import pytest

from firmware.acd import ewt_s
from firmware.acd.ewt import DEFAULT_AHT_S, RECENT_CALLS, HandleTimes
from firmware.cdr import CALL_ANSWERED
from tests.unit.test_acd_support import World, make_config

PROMPTS = {
    "music": {"text": {"en": "la la la"}},
    "comfort": {"text": {"en": "Your call is important to us."}},
}
AGENTS = {"anna": {"queues": ["sales"]}, "bob": {"queues": ["sales"]}}


def world(**kw) -> World:
    q = {"strategy": "longest-idle", "wrapup_s": 0, "announce_every_s": 60, **kw}
    return World(make_config(queues={"sales": q}, agents=AGENTS, prompts=PROMPTS))


def test_ewt_is_position_times_handle_time_over_staffed_agents():
    assert ewt_s(3, 2, 120) == 180
    assert ewt_s(1, 4, 200) == 50
    assert ewt_s(2, 0, 120) is None  # nobody staffed: no honest figure


def test_handle_time_is_the_mean_of_the_last_calls():
    h = HandleTimes()
    assert h.mean() == DEFAULT_AHT_S
    for s in [1000.0] * 5 + [100.0] * RECENT_CALLS:
        h.add(s)
    assert h.mean() == pytest.approx(100.0)  # the 1000 s calls have aged out
    assert len(h) == RECENT_CALLS


async def test_status_is_announced_every_period_with_comfort_between():
    w = world(hold_music="music", comfort_prompt="comfort")
    w.acd.login("anna", ready=False)  # logged in but paused: not staffed
    w.acd.login("bob")
    first = w.call()
    w.enqueue(first)
    await w.settle()
    w.acd.agent_answer("bob")  # bob busy; the next caller waits
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(150)
    heard = [(h[0], h[-1]) for h in call.media.heard]
    assert heard[0] == ("hold", "music")
    assert heard[1:] == [("status", 60), ("play", 90), ("status", 120), ("play", 150)]
    status = call.media.of("status")[0]
    # Position 1; 1 staffed agent (anna is paused) and no handle time yet: 180 s.
    assert status[1:4] == (1, DEFAULT_AHT_S, "en")
    assert call.media.of("play")[0][1:4] == ("comfort", "en", False)


async def test_announce_flags_choose_what_is_said():
    w = world(announce_position=False)
    w.acd.login("anna")
    w.acd.pause("anna", "break")
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(60)
    # No position; nobody staffed, so no wait either: nothing worth saying.
    assert call.media.of("status") == []
    w.acd.set_ready("anna")  # offered at once (and ringing silences announcements)
    await w.clock.advance(60)
    assert call.media.of("status") == []


async def test_expected_wait_follows_the_queues_recent_handle_time():
    w = world(announce_position=False, wrapup_s=20)
    w.acd.login("anna")
    for _ in range(2):
        c = w.call()
        w.enqueue(c)
        await w.settle()
        w.acd.agent_answer("anna")
        await w.clock.advance(100)
        w.acd.agent_hangup("anna")
        await w.clock.advance(20)  # wrap-up: 120 s handled per call
    assert w.acd.snapshot()["queues"]["sales"]["aht_s"] == 120
    busy = w.call()
    w.enqueue(busy)
    await w.settle()
    w.acd.agent_answer("anna")
    a, b = w.call(), w.call()
    w.enqueue(a)
    w.enqueue(b)
    await w.clock.advance(60)
    assert b.media.of("status")[0][1:3] == (None, 240)  # position 2 x 120 s / 1 agent
    assert w.acd.snapshot()["queues"]["sales"]["ewt_s"] == 360


async def test_an_agent_becoming_free_takes_the_call_during_an_announcement():
    w = world()
    w.acd.login("anna")
    busy = w.call()
    w.enqueue(busy)
    await w.settle()
    w.acd.agent_answer("anna")
    call = w.call(say_s=30)  # announcements take 30 s of audio
    task = w.enqueue(call)
    await w.clock.advance(65)  # mid-announcement
    assert len(call.media.of("status")) == 1
    w.acd.agent_hangup("anna")
    await w.settle()
    w.acd.agent_answer("anna")  # offered at once, not after the announcement
    await w.settle()
    assert task.result().agent == "anna"
    answered = w.journal.cdr(call.call_id).answer - w.journal.cdr(call.call_id).enqueue
    assert answered == 65
    await w.clock.advance(300)
    assert len(call.media.of("status")) == 1  # the announcement task is gone
    assert call.media.heard[-1] == ("unhold",)


async def test_no_announcement_task_when_the_period_is_zero():
    w = world(announce_every_s=0)
    before = len(asyncio.all_tasks())
    calls = [w.call() for _ in range(5)]
    for c in calls:
        w.enqueue(c)
    await w.clock.advance(600)
    assert len(asyncio.all_tasks()) == before + 5  # just the enqueue awaits
    assert all(c.media.of("status") == [] for c in calls)
    assert w.events(CALL_ANSWERED) == []


async def test_a_ringing_caller_hears_no_announcement_until_the_offer_rings_out():
    w = world(ring_timeout_s=100)
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(99)
    assert call.media.of("status") == []  # ringing anna: no "you are number 1"
    w.acd.pause("anna", "break")  # the offer ends; the caller waits again
    await w.clock.advance(60)
    assert [h[-1] for h in call.media.of("status")] == [159]
