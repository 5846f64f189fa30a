"""The simulated agent against the real ACD: answer delay, a caller gone while ringing."""

from __future__ import annotations

import asyncio

import pytest

from firmware.acd import Acd
from firmware.clock import VirtualClock
from firmware.engine import CallEngine
from firmware.journal import Journal, Retention
from firmware.simulate import model_config
from firmware.simulate.people import SILENT, SimAgent


@pytest.fixture
def office():
    clock = VirtualClock()
    journal = Journal(":memory:", box_id="t", clock=clock, retention=Retention(30, max_events=1000))
    engine = CallEngine(journal=journal, clock=clock)
    acd = Acd(model_config(1), engine=engine, clock=clock)
    yield clock, engine, acd
    journal.close()


def start_call(engine, acd):
    call = engine.arrive(line="sim", caller="+1", media=SILENT, lang="en")
    task = asyncio.get_running_loop().create_task(acd.enqueue(call, "q"))
    return call, task


async def test_the_agent_answers_after_the_delay_and_hangs_up_after_the_talk(office):
    clock, engine, acd = office
    connected = []
    agent = SimAgent("a1", acd, clock, lambda: 100.0, connected.append, answer_delay_s=3)
    acd.attach("a1", agent)
    acd.login("a1", None)
    call, task = start_call(engine, acd)
    await clock.run_until(2.9)
    assert not task.done() and connected == []
    await clock.run_until(3.0)
    assert (await task).result == "answered" and connected == [call]
    await clock.run_until(102.9)
    assert not call.ended
    await clock.run_until(103.0)
    cdr = engine.journal.cdr(call.call_id)
    assert (cdr.answer - cdr.first_offer, cdr.end - cdr.answer) == pytest.approx((3, 100))
    assert cdr.ended_by == "agent"


async def test_a_caller_gone_while_ringing_is_not_answered(office):
    clock, engine, acd = office
    acd.attach("a1", SimAgent("a1", acd, clock, lambda: 100.0, answer_delay_s=5))
    acd.login("a1", None)
    call, task = start_call(engine, acd)
    await clock.run_until(2)
    engine.end(call, "caller")
    await clock.run_until(10)  # the answer timer fires and finds no offer: no AcdError
    assert (await task).result == "ended"
    cdr = engine.journal.cdr(call.call_id)
    assert (cdr.answer, cdr.disposition) == (None, "abandoned")


async def test_a_caller_gone_while_talking_stops_the_talk_timer(office):
    clock, engine, acd = office
    acd.attach("a1", SimAgent("a1", acd, clock, lambda: 100.0))
    acd.login("a1", None)
    call, task = start_call(engine, acd)
    await clock.run_until(10)
    assert (await task).result == "answered"
    engine.end(call, "caller")
    second, task2 = start_call(engine, acd)
    await clock.run_until(20)
    assert (await task2).result == "answered"
    await clock.run_until(105)  # the first call's talk timer would have fired at 100
    assert not second.ended
    await clock.run_until(120)
    assert second.ended_by == "agent"
