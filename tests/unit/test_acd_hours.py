"""Closed queues: outside their business hours, on holidays, or in night mode."""

from __future__ import annotations

import datetime as dt

from firmware.acd import QueueOutcome
from firmware.cdr import CALL_ANSWERED, CALL_QUEUED
from tests.unit.test_acd_support import World, make_config

# The virtual clock starts on Thursday 2026-01-01 00:00 UTC.
HOURS = {"office": {"timezone": "UTC", "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]}}


def world(overflow=None, holidays=None) -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0, "hours": "office"}
    if overflow is not None:
        q["overflow"] = overflow
    sections = {"queues": {"sales": q, "other": {"strategy": "ringall"}}, "hours": HOURS}
    if holidays:
        sections["holidays"] = holidays
    agents = {"anna": {"queues": ["sales", "other"]}}
    return World(make_config(agents=agents, **sections))


async def test_outside_its_hours_a_queue_is_closed_and_queues_nobody():
    w = world(overflow={"action": "voicemail", "target": "office"})
    task = w.enqueue(w.call())
    await w.settle()
    assert task.result() == QueueOutcome("closed", action="voicemail", target="office")
    assert w.events(CALL_QUEUED) == []
    assert w.acd.snapshot()["queues"]["sales"]["closed"] is True
    await w.clock.advance(9 * 3600)  # 09:00
    assert w.acd.snapshot()["queues"]["sales"]["closed"] is False
    task = w.enqueue(w.call())
    await w.settle()
    assert not task.done()
    assert len(w.events(CALL_QUEUED)) == 1


async def test_closed_outcome_action_follows_the_overflow_or_hangs_up():
    w = world(overflow={"action": "callback"})
    assert (await w.acd.enqueue(w.call(), "sales")) == QueueOutcome("closed", action="callback")
    w = world()
    assert (await w.acd.enqueue(w.call(), "sales")) == QueueOutcome("closed", action="hangup")


async def test_a_holiday_closes_the_queue_all_day():
    w = world(holidays={"new-year": dt.date(2026, 1, 2)})
    await w.clock.advance(34 * 3600)  # Friday 10:00, but a holiday
    assert (await w.acd.enqueue(w.call(), "sales")).result == "closed"


async def test_night_mode_closes_one_queue_or_all_and_waiting_callers_are_served():
    w = world()
    await w.clock.advance(10 * 3600)  # Thursday 10:00: open
    waiting = w.call()
    task = w.enqueue(waiting)
    await w.settle()
    w.acd.set_night_mode(True, "sales")
    assert (await w.acd.enqueue(w.call(), "sales")).result == "closed"
    other = w.enqueue(w.call(), "other")
    await w.settle()
    assert not other.done()  # only sales is closed
    w.acd.login("anna")
    await w.settle()
    w.acd.agent_answer("anna")  # the caller who waited before closing is served
    await w.settle()
    assert task.result().agent == "anna"
    w.acd.set_night_mode(True)
    assert (await w.acd.enqueue(w.call(), "other")).result == "closed"
    w.acd.set_night_mode(False, "other")
    assert w.acd.snapshot()["queues"]["sales"]["closed"] is True
    assert w.acd.snapshot()["queues"]["other"]["closed"] is False
    w.acd.set_night_mode(False)
    assert w.acd.snapshot()["queues"]["sales"]["closed"] is False
    assert [f["call_id"] for _, f in w.events(CALL_ANSWERED)] == [waiting.call_id]
