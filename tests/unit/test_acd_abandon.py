"""Calls that end while the ACD holds them: the caller gives up waiting or ringing, or
either side ends an answered call."""

from __future__ import annotations

import asyncio

from firmware.cdr import CALL_ABANDONED, CALL_ENDED, CALL_OFFERED
from firmware.journal import AGENT_WRAP_UP
from tests.unit.test_acd_support import World, make_config


def world() -> World:
    q = {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 15}
    return World(make_config(queues={"sales": q}))


async def test_a_caller_hanging_up_while_waiting_is_abandoned_with_the_wait():
    w = world()
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(42)
    w.engine.end(call, "caller")
    await w.settle()
    assert task.result().result == "ended"
    kinds = w.kinds()
    assert kinds[-2:] == [CALL_ABANDONED, CALL_ENDED]  # abandoned before the end
    assert w.events(CALL_ABANDONED)[0][1] == {
        "call_id": call.call_id,
        "queue": "sales",
        "wait_s": 42,
    }
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.disposition, cdr.abandoned - cdr.enqueue) == ("abandoned", 42)
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 0
    assert call.media.heard[-1] == ("unhold",)


async def test_a_caller_hanging_up_while_ringing_frees_the_agent():
    w = world()
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.engine.end(call, "caller")
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert w.state("anna") == "ready"
    assert w.acd.snapshot()["agents"]["anna"]["missed"] == 0
    nxt = w.call()
    w.enqueue(nxt)
    await w.settle()
    assert w.events(CALL_OFFERED)[-1][1]["call_id"] == nxt.call_id


async def test_a_caller_hanging_up_mid_talk_sends_the_agent_to_wrap_up():
    w = world()
    w.acd.login("anna")
    call = w.call()
    w.enqueue(call)
    await w.settle()
    w.acd.agent_answer("anna")
    await w.clock.advance(60)
    w.engine.end(call, "caller")
    assert w.stations["anna"].what("disconnect") == [call.call_id]
    assert w.state("anna") == "wrap_up"
    assert w.events(AGENT_WRAP_UP)[0][1]["call_id"] == call.call_id
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.disposition, cdr.ended_by, cdr.abandoned) == ("answered", "caller", None)


async def test_a_system_end_while_waiting_is_not_an_abandon():
    w = world()
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    w.engine.end(call, "line", "modem-lost")
    await w.settle()
    assert task.result().result == "ended"
    assert w.events(CALL_ABANDONED) == []
    assert w.journal.cdr(call.call_id).disposition == "failed"


async def test_an_ended_call_cannot_be_queued_and_a_cancelled_wait_cleans_up():
    w = world()
    gone = w.call()
    w.engine.end(gone, "caller")
    assert (await w.acd.enqueue(gone, "sales")).result == "ended"
    call = w.call()
    task = w.enqueue(call)
    await w.settle()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 0
    w.acd.login("anna")
    await w.settle()
    assert w.events(CALL_OFFERED) == []


async def test_an_agent_answering_inside_offer_is_fine():
    w = world()
    w.attach("anna", auto_answer=True)
    w.acd.login("anna")
    call = w.call()
    outcome = await w.acd.enqueue(call, "sales")
    assert outcome.agent == "anna" and w.state("anna") == "on_call"
    assert w.stations["anna"].log == [("offer", call.call_id), ("connect", call.call_id)]
