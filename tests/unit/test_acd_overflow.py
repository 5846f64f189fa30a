"""Overflow: a full queue or a too-long wait sends the caller on (another queue, a
supervisor) or back to the IVR (voicemail, callback, hang up)."""

from __future__ import annotations

from firmware.acd import QueueOutcome
from firmware.cdr import (
    CALL_ANSWERED,
    CALL_OFFERED,
    CALL_OVERFLOWED,
    CALL_QUEUED,
    CALL_TRANSFERRED,
)
from tests.unit.test_acd_support import World, make_config


def queue(**kw) -> dict:
    return {"strategy": "longest-idle", "announce_every_s": 0, "wrapup_s": 0, **kw}


async def test_a_caller_arriving_at_a_full_queue_overflows_at_once():
    q = queue(max_length=2, overflow={"action": "callback"})
    w = World(make_config(queues={"sales": q}))
    tasks = [w.enqueue(w.call(f"+{i}")) for i in range(3)]
    await w.settle()
    assert tasks[2].result() == QueueOutcome("overflow", action="callback")
    assert not tasks[0].done() and not tasks[1].done()
    ((_, ev),) = w.events(CALL_OVERFLOWED)
    assert ev == {
        "call_id": "box1-3", "queue": "sales", "action": "callback", "target": None,
        "reason": "max_length",
    }  # fmt: skip
    assert w.journal.cdr("box1-3").overflow == "callback"
    assert w.journal.cdr("box1-3").enqueue is None  # it never waited
    assert w.acd.snapshot()["queues"]["sales"]["waiting"] == 2


async def test_max_wait_overflows_to_voicemail_with_the_mailbox():
    q = queue(max_wait_s=120, overflow={"action": "voicemail"})
    w = World(make_config(queues={"sales": q}))
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(119)
    assert not task.done()
    await w.clock.advance(1)
    assert task.result() == QueueOutcome("overflow", action="voicemail", target="sales")
    ((_, ev),) = w.events(CALL_OVERFLOWED)
    assert (ev["reason"], ev["target"]) == ("max_wait", "sales")
    assert call.media.of("unhold")  # hold music stopped for the IVR
    w.engine.end(call, "system", "voicemail-done")
    assert w.journal.cdr(call.call_id).disposition == "overflow"


async def test_max_wait_while_ringing_cancels_the_offer():
    q = queue(max_wait_s=30, ring_timeout_s=60, overflow={"action": "callback"})
    w = World(make_config(queues={"sales": q}))
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(20)
    w.acd.login("anna")
    await w.clock.advance(10)
    assert task.result().result == "overflow"
    assert w.stations["anna"].what("cancel_offer") == [call.call_id]
    assert w.state("anna") == "ready"
    assert w.acd.snapshot()["agents"]["anna"]["missed"] == 0


async def test_overflow_to_another_queue_keeps_the_original_enqueue_time():
    queues = {
        "sales": queue(max_wait_s=60, overflow={"action": "queue", "target": "support"}),
        "support": queue(),
    }
    agents = {"anna": {"queues": ["sales"]}, "bob": {"queues": ["support"]}}
    w = World(make_config(queues=queues, agents=agents))
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(60)
    assert [f["queue"] for _, f in w.events(CALL_QUEUED)] == ["sales", "support"]
    assert w.events(CALL_TRANSFERRED) == [
        (CALL_TRANSFERRED, {"call_id": call.call_id, "to": "support", "reason": "overflow"})
    ]
    assert w.events(CALL_OVERFLOWED)[0][1]["target"] == "support"
    await w.clock.advance(30)
    w.acd.login("bob")
    await w.settle()
    w.acd.agent_answer("bob")
    await w.settle()
    assert task.result() == QueueOutcome("answered", agent="bob")
    cdr = w.journal.cdr(call.call_id)
    assert (cdr.queue, cdr.transfers, cdr.answer - cdr.enqueue) == ("support", 1, 90)


async def test_overflow_queues_that_loop_end_in_a_hang_up():
    queues = {
        "a": queue(max_length=1, overflow={"action": "queue", "target": "b"}),
        "b": queue(max_length=1, overflow={"action": "queue", "target": "a"}),
    }
    w = World(make_config(queues=queues, agents={"anna": {"queues": ["a", "b"]}}))
    w.enqueue(w.call(), "a")
    w.enqueue(w.call(), "b")
    third = w.enqueue(w.call(), "a")
    await w.settle()
    assert third.result() == QueueOutcome("overflow", action="hangup")
    actions = [f["action"] for _, f in w.events(CALL_OVERFLOWED)]
    # a -> b (full) -> a would loop: hang up.
    assert actions == ["queue", "hangup"]


SUP_AGENTS = {
    "anna": {"queues": ["sales"]},
    "sam": {"queues": ["other"], "supervisor": True},
}
SUP_QUEUES = {
    "sales": queue(max_wait_s=60, overflow={"action": "supervisor", "target": "sam"}),
    "other": queue(),
}


async def test_supervisor_overflow_rings_the_supervisor_when_free():
    w = World(make_config(queues=SUP_QUEUES, agents=SUP_AGENTS))
    w.acd.login("sam")
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(60)
    assert w.events(CALL_OFFERED)[-1][1] == {
        "call_id": call.call_id,
        "agent": "sam",
        "queue": "sales",
    }
    w.acd.agent_answer("sam")
    await w.settle()
    assert task.result() == QueueOutcome("answered", agent="sam")
    assert w.journal.cdr(call.call_id).overflow == "supervisor"


async def test_supervisor_overflow_waits_for_a_busy_supervisor_ahead_of_the_queue():
    w = World(make_config(queues=SUP_QUEUES, agents=SUP_AGENTS))
    w.acd.login("sam")
    mine = w.call()
    w.enqueue(mine, "other")
    await w.settle()
    w.acd.agent_answer("sam")  # sam is busy
    queued = w.call()
    w.enqueue(queued, "other")  # someone else waits in sam's own queue
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(60)
    assert w.acd.snapshot()["agents"]["sam"]["escalated"] == 1
    w.acd.agent_hangup("sam")
    await w.settle()
    # The escalated call comes before the caller waiting in sam's own queue.
    assert w.events(CALL_OFFERED)[-1][1]["call_id"] == call.call_id
    w.acd.agent_answer("sam")
    await w.settle()
    assert task.result().agent == "sam"
    assert [f["call_id"] for _, f in w.events(CALL_ANSWERED)] == [mine.call_id, call.call_id]


async def test_the_caller_may_hang_up_while_waiting_for_the_supervisor():
    w = World(make_config(queues=SUP_QUEUES, agents=SUP_AGENTS))
    call = w.call()
    task = w.enqueue(call)
    await w.clock.advance(70)
    w.engine.end(call, "caller")
    await w.settle()
    assert task.result().result == "ended"
    assert w.acd.snapshot()["agents"]["sam"]["escalated"] == 0
    assert w.journal.cdr(call.call_id).disposition == "abandoned"


async def test_hangup_overflow_returns_to_the_ivr():
    q = queue(max_length=1, overflow={"action": "hangup"})
    w = World(make_config(queues={"sales": q}))
    w.enqueue(w.call())
    await w.settle()
    second = w.call()
    assert (await w.acd.enqueue(second, "sales")) == QueueOutcome("overflow", action="hangup")
    hangups = [f for _, f in w.events(CALL_OVERFLOWED) if f["action"] == "hangup"]
    # Journaled once firmware/cdr.py accepts the action (it is in the config's list).
    assert len(hangups) == 1


async def test_a_supervisor_in_wrap_up_is_rung_at_once():
    queues = {**SUP_QUEUES, "other": queue(wrapup_s=120)}
    w = World(make_config(queues=queues, agents=SUP_AGENTS))
    w.acd.login("sam")
    mine = w.call()
    w.enqueue(mine, "other")
    await w.settle()
    w.acd.agent_answer("sam")
    w.acd.agent_hangup("sam")
    assert w.state("sam") == "wrap_up"
    call = w.call()
    w.enqueue(call)
    await w.clock.advance(60)
    assert w.state("sam") == "offered"
    assert w.events(CALL_OFFERED)[-1][1]["call_id"] == call.call_id
