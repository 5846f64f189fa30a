"""The call engine brackets every call with exactly one arrival and one end event."""

from __future__ import annotations

import asyncio

import pytest

from firmware.call import Call
from firmware.cdr import CALL_ABANDONED, CALL_ARRIVED, CALL_ENDED, CALL_QUEUED
from firmware.clock import VirtualClock
from firmware.engine import CallEngine
from firmware.journal import Journal, Retention


class RecordingMedia:
    """Records hang-ups: the engine only ever asks the media to hang up."""

    def __init__(self) -> None:
        self.hangups = 0

    async def hangup(self) -> None:
        self.hangups += 1


@pytest.fixture
def engine():
    clock = VirtualClock()
    retention = Retention(30, max_events=100_000)
    journal = Journal(":memory:", box_id="box1", clock=clock, retention=retention)
    yield CallEngine(journal=journal, clock=clock)
    journal.close()


def kinds(engine: CallEngine) -> list[str]:
    return [e.kind for e in engine.journal.events()]


async def test_arrival_names_the_call_after_its_own_seq_and_journals_it(engine):
    a = engine.arrive(line="gsm1", caller="+380501234567", media=RecordingMedia(), lang="uk")
    b = engine.arrive(line="gsm1", caller=None, media=RecordingMedia(), lang="en")
    assert (a.call_id, b.call_id) == ("box1-1", "box1-2")
    assert kinds(engine) == [CALL_ARRIVED, CALL_ARRIVED]
    assert engine.journal.cdr("box1-2").caller == ""
    assert set(engine.calls) == {"box1-1", "box1-2"}


async def test_end_runs_listeners_before_the_end_event_and_only_once(engine):
    media = RecordingMedia()
    call = engine.arrive(line="l", caller="1", media=media, lang="en")
    engine.journal.append(CALL_QUEUED, call_id=call.call_id, queue="sales")
    heard: list[str] = []

    def on_end(c: Call) -> None:
        heard.append(c.ended_by)
        # A listener may still journal the call's last event (the ACD's abandon).
        engine.journal.append(CALL_ABANDONED, call_id=c.call_id)

    call.on_end(on_end)
    assert engine.end(call, "caller") is True
    assert engine.end(call, "agent") is False
    assert heard == ["caller"]
    assert kinds(engine)[-2:] == [CALL_ABANDONED, CALL_ENDED]
    cdr = engine.journal.cdr(call.call_id)
    assert (cdr.ended_by, cdr.disposition) == ("caller", "abandoned")
    await asyncio.sleep(0)
    assert media.hangups == 0  # the caller has hung up already


async def test_system_end_hangs_up_the_line_and_a_bad_listener_harms_nobody(engine):
    media = RecordingMedia()
    call = engine.arrive(line="l", caller="1", media=media, lang="en")
    call.on_end(lambda c: 1 / 0)
    later: list[str] = []
    call.on_end(lambda c: later.append(c.end_reason))
    engine.end(call, "system", "closed")
    await asyncio.sleep(0)
    assert media.hangups == 1 and later == ["closed"]
    assert engine.journal.cdr(call.call_id).end_reason == "closed"


async def test_bad_ended_by_is_refused_and_changes_nothing(engine):
    call = engine.arrive(line="l", caller="1", media=RecordingMedia(), lang="en")
    with pytest.raises(ValueError, match="'operator' is not one of caller, agent, system, line"):
        engine.end(call, "operator")
    assert not call.ended and kinds(engine) == [CALL_ARRIVED]


async def test_a_failing_flow_ends_its_call_with_error_and_no_other(engine):
    bad = engine.arrive(line="l", caller="1", media=RecordingMedia(), lang="en")
    good = engine.arrive(line="l", caller="2", media=RecordingMedia(), lang="en")

    async def broken(call: Call) -> None:
        raise KeyError("node")

    await engine.run(bad, broken)
    assert (bad.ended_by, bad.end_reason) == ("system", "error")
    assert not good.ended and list(engine.calls) == [good.call_id]
