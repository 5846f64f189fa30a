"""Acd.transfer: an operator hands the caller to the head of another queue and wraps up;
refused (the caller stays) when the target is closed or the agent has no call."""

from __future__ import annotations

import pytest

from firmware.acd import AcdError
from firmware.acd.transfer import TRANSFER
from firmware.cdr import CALL_OFFERED, CALL_OVERFLOWED, CALL_QUEUED, CALL_TRANSFERRED
from firmware.journal import AGENT_WRAP_UP
from tests.unit.test_acd_support import World, make_config

QUEUE = {"strategy": "longest-idle", "announce_every_s": 0}


def world(support=None, **sales) -> World:
    return World(make_config(
        queues={"sales": {**QUEUE, "wrapup_s": 30, **sales},
                "support": {**QUEUE, "wrapup_s": 0, **(support or {})}},
        agents={"anna": {"queues": ["sales"]}, "bob": {"queues": ["support"]},
                "carl": {"queues": ["sales", "support"]}},
    ))  # fmt: skip


async def answered_by_anna(w: World, caller: str = "+100"):
    call = w.call(caller)
    task = w.enqueue(call, "sales")
    await w.settle()
    w.acd.agent_answer("anna")
    await w.settle()
    assert task.result().agent == "anna"
    return call


async def test_the_caller_goes_to_the_head_of_the_target_and_the_agent_wraps_up():
    w = world()
    w.acd.login("anna")
    call = await answered_by_anna(w)
    waiting = w.call("+201")
    w.enqueue(waiting, "support")  # nobody in support is logged in: it waits
    await w.clock.advance(40)
    seq = w.journal.last_seq

    assert w.acd.transfer("anna", "support") is call

    assert w.stations["anna"].what("disconnect") == [call.call_id]
    assert w.state("anna") == "wrap_up"
    callers = w.acd.snapshot()["queues"]["support"]["callers"]
    assert [c["call_id"] for c in callers] == [call.call_id, waiting.call_id]
    new = [(e.kind, dict(e.fields)) for e in w.journal.events(after_seq=seq)]
    assert new[0] == (CALL_TRANSFERRED, {"call_id": call.call_id, "to": "support",
                                         "reason": TRANSFER, "agent": "anna"})  # fmt: skip
    assert new[1][0] == CALL_QUEUED and new[1][1]["queue"] == "support"
    assert new[1][1]["position"] == 1
    assert (AGENT_WRAP_UP, {"agent": "anna", "call_id": call.call_id, "seconds": 30}) in new
    assert call.media.of("hold")[-1] == ("hold", None)  # on hold again while it waits
    await w.clock.advance(30)  # anna's handle time: 40 s talking + 30 s wrap-up, in sales
    assert w.state("anna") == "ready"
    assert w.acd.snapshot()["queues"]["sales"]["aht_s"] == pytest.approx(70, abs=0.1)

    w.acd.login("bob")  # the first support agent free gets the transferred caller
    await w.settle()
    assert w.stations["bob"].what("offer") == [call.call_id]
    w.acd.agent_answer("bob")
    assert w.journal.cdr(call.call_id).transfers == 1
    w.close()


async def test_someone_else_first_when_the_transferring_agent_is_free_at_once():
    w = world(support={"strategy": "ringall"}, wrapup_s=0)
    w.acd.login("carl")  # carl serves both queues
    w.acd.login("bob")
    w.acd.pause("bob", "break")
    call = w.call("+100")
    w.enqueue(call, "sales")
    await w.settle()
    w.acd.agent_answer("carl")
    await w.settle()
    w.acd.set_ready("bob")
    w.acd.transfer("carl", "support")
    await w.settle()
    offers = [e.fields["agent"] for e in w.journal.events() if e.kind == CALL_OFFERED]
    assert offers == ["carl", "bob"]  # not straight back to carl
    w.close()


async def test_the_targets_maximum_wait_applies_from_the_transfer():
    w = world(support={"max_wait_s": 60, "overflow": {"action": "voicemail",
                                                       "target": "office"}})  # fmt: skip
    w.acd.login("anna")
    call = await answered_by_anna(w)
    w.acd.transfer("anna", "support")
    await w.clock.advance(59)
    assert not [e for e in w.journal.events() if e.kind == CALL_OVERFLOWED]
    await w.clock.advance(2)
    ((overflow,),) = [[e for e in w.journal.events() if e.kind == CALL_OVERFLOWED]]
    assert overflow.fields["queue"] == "support" and overflow.fields["call_id"] == call.call_id
    w.close()


async def test_a_closed_target_or_no_call_is_refused_and_the_caller_stays():
    w = world()
    w.acd.login("anna")
    with pytest.raises(AcdError, match="'anna' is not on a call"):
        w.acd.transfer("anna", "support")
    call = await answered_by_anna(w)
    with pytest.raises(ValueError, match="unknown queue 'billing'"):
        w.acd.transfer("anna", "billing")
    w.acd.set_night_mode(True, "support")
    with pytest.raises(AcdError, match="'support' is closed now: the caller stays with anna"):
        w.acd.transfer("anna", "support")
    assert w.state("anna") == "on_call" and not call.ended
    assert not [e for e in w.journal.events() if e.kind == CALL_TRANSFERRED]
    w.close()
