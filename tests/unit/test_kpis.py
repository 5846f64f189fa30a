"""KPIs over a small day worked out by hand, through a real journal's records."""

from __future__ import annotations

import pytest

from firmware import kpis
from firmware.cdr import (
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_ARRIVED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_QUEUED,
)
from firmware.clock import VirtualClock
from firmware.journal import (
    AGENT_LOGGED_IN,
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
    Journal,
    Retention,
)

WALL0 = 1_767_225_600.0  # VirtualClock's wall time at now() == 0


def call(cid, arrive, queue=None, offer=None, answer=None, agent=None, abandon=None, end=None):
    """The events of one call, as (t, kind, fields)."""
    out = [(arrive, CALL_ARRIVED, {"call_id": cid, "line": "l1", "caller": "+1"})]
    if queue is not None:
        out.append((arrive, CALL_QUEUED, {"call_id": cid, "queue": queue}))
    if offer is not None:
        out.append((offer, CALL_OFFERED, {"call_id": cid, "agent": agent, "queue": queue}))
    if answer is not None:
        out.append((answer, CALL_ANSWERED, {"call_id": cid, "agent": agent, "queue": queue}))
    if abandon is not None:
        out.append((abandon, CALL_ABANDONED, {"call_id": cid, "queue": queue}))
    if end is not None:
        by = "agent" if answer is not None else "caller"
        out.append((end, CALL_ENDED, {"call_id": cid, "ended_by": by}))
    return out


def agent(name, t, kind, **fields):
    return [(t, kind, {"agent": name, **fields})]


# A day of 1,000 s, two queues and two agents (times in seconds from 0):
DAY = [
    *agent("anna", 0, AGENT_LOGGED_IN, station="desk1"),
    *agent("anna", 0, AGENT_READY),
    *agent("bob", 0, AGENT_LOGGED_IN, station="desk2"),
    *agent("bob", 0, AGENT_READY),
    # c1 offered at once, answered after 3 s, talks 100 s, 10 s wrap-up
    *call("c1", 100, "sales", offer=100, answer=103, agent="anna", end=203),
    *agent("anna", 203, AGENT_WRAP_UP, call_id="c1", seconds=10),
    *agent("anna", 213, AGENT_READY),
    # c2 waits 35 s, talks 100 s, 10 s wrap-up
    *call("c2", 110, "sales", offer=140, answer=145, agent="bob", end=245),
    *agent("bob", 245, AGENT_WRAP_UP, call_id="c2", seconds=10),
    *agent("bob", 255, AGENT_READY),
    # c3 gives up after 2 s (short), c4 after 30 s; c5 hangs up in the IVR
    *call("c3", 120, "support", abandon=122, end=122),
    *call("c4", 130, "support", abandon=160, end=160),
    *call("c5", 150, end=155),
    # c6 waits 43 s for anna, talks 50 s, 10 s wrap-up
    *call("c6", 170, "sales", offer=213, answer=213, agent="anna", end=263),
    *agent("anna", 263, AGENT_WRAP_UP, call_id="c6", seconds=10),
    *agent("anna", 273, AGENT_READY),
    # bob takes a break of 100 s
    *agent("bob", 300, AGENT_PAUSED, reason="break"),
    *agent("bob", 400, AGENT_READY),
]


async def journal_of(events, upto=float("inf")):
    clock = VirtualClock()
    journal = Journal(
        ":memory:", box_id="b", clock=clock, retention=Retention(30, max_events=10_000)
    )
    for t, kind, fields in sorted((e for e in events if e[0] <= upto), key=lambda e: e[0]):
        await clock.run_until(t)
        journal.append(kind, **fields)
    return journal


def agent_events(journal):
    return [e for e in journal.events(limit=None) if e.kind in kpis.AGENT_KINDS]


async def day_kpis(start=0.0, end=1000.0, upto=float("inf"), **kw):
    journal = await journal_of(DAY, upto)
    return kpis.compute(
        journal.cdrs(), agent_events(journal), start=WALL0 + start, end=WALL0 + end, **kw
    )


async def test_the_day_as_worked_out_by_hand():
    k = await day_kpis()
    assert (k.offered, k.answered, k.abandoned, k.short_abandoned) == (5, 3, 2, 1)
    assert k.p_wait == pytest.approx(4 / 5)  # only c1 was offered the moment it queued
    assert k.asa_s == pytest.approx((3 + 35 + 43) / 3)
    assert k.service_level == pytest.approx(1 / (5 - 1))  # c1 of all but the short abandon
    assert k.aht_s == pytest.approx((110 + 110 + 60) / 3)
    assert k.occupancy == pytest.approx((150 + 20 + 100 + 10) / (2000 - 100))
    assert k.longest_wait_s == pytest.approx(43)


async def test_per_queue_figures():
    k = await day_kpis()
    sales, support = k.queues["sales"], k.queues["support"]
    assert (sales.offered, sales.answered, sales.abandoned) == (3, 3, 0)
    assert sales.p_wait == pytest.approx(2 / 3)
    assert sales.service_level == pytest.approx(1 / 3)
    assert sales.occupancy == pytest.approx(280 / 1900)  # the agents who answered it
    assert (support.offered, support.answered, support.abandoned) == (2, 0, 2)
    assert support.short_abandoned == 1
    assert (support.asa_s, support.aht_s, support.occupancy) == (None, None, None)
    assert support.service_level == 0.0
    assert support.longest_wait_s == pytest.approx(30)


async def test_per_agent_figures():
    k = await day_kpis()
    anna, bob = k.agents["anna"], k.agents["bob"]
    assert anna.as_dict() == pytest.approx(
        {
            "answered": 2,
            "talk_s": 150,
            "wrapup_s": 20,
            "aht_s": 85,
            "staffed_s": 1000,
            "paused_s": 0,
            "occupancy": 170 / 1000,
        }
    )
    assert (bob.answered, bob.talk_s, bob.wrapup_s, bob.paused_s) == (1, 100, 10, 100)
    assert bob.occupancy == pytest.approx(110 / 900)


async def test_as_dict_has_exactly_the_documented_keys():
    d = (await day_kpis()).as_dict()
    call_keys = [
        "offered",
        "answered",
        "abandoned",
        "short_abandoned",
        "p_wait",
        "asa_s",
        "service_level",
        "aht_s",
        "occupancy",
        "longest_wait_s",
    ]
    assert list(d) == [*call_keys, "queues", "agents"]
    assert list(d["queues"]) == ["sales", "support"]
    assert all(list(q) == call_keys for q in d["queues"].values())
    agent_keys = ["answered", "talk_s", "wrapup_s", "aht_s", "staffed_s", "paused_s", "occupancy"]
    assert all(list(a) == agent_keys for a in d["agents"].values())


async def test_calls_count_by_arrival_but_time_counts_where_it_fell():
    # [150, 250): only c5 (never queued) and c6 arrived; c1 and c2 talk into it.
    k = await day_kpis(start=150, end=250)
    assert (k.offered, k.answered) == (1, 1)
    assert k.aht_s == pytest.approx(60)  # c6's whole talk and wrap-up, past the window
    anna, bob = k.agents["anna"], k.agents["bob"]
    assert anna.talk_s == pytest.approx(53 + 37) and anna.wrapup_s == pytest.approx(10)
    assert bob.talk_s == pytest.approx(95) and bob.wrapup_s == pytest.approx(5)
    assert (anna.staffed_s, bob.staffed_s) == (pytest.approx(100), pytest.approx(100))
    assert k.occupancy == pytest.approx(1.0)
    assert anna.answered == 1 and bob.answered == 0  # c2 arrived before the window


async def test_calls_and_states_still_open_count_up_to_the_end():
    # The journal as it stood at t = 250: c6 still talking, bob in wrap-up.
    k = await day_kpis(end=250, upto=250)
    assert k.agents["anna"].talk_s == pytest.approx(100 + 37)
    assert k.agents["bob"].wrapup_s == pytest.approx(5)
    assert k.aht_s == pytest.approx((110 + 105 + 37) / 3)  # c2: 100 talk + 5 wrap so far


async def test_the_threshold_is_inclusive_and_short_abandons_leave_the_denominator():
    k = await day_kpis(sl_threshold_s=35, short_abandon_s=1)
    assert k.short_abandoned == 0
    assert k.service_level == pytest.approx(2 / 5)  # c1 (3 s) and c2 (35 s)


async def test_an_offer_within_a_millisecond_is_at_once():
    events = [
        *call("a", 10, "q", offer=10.0005, answer=11, agent="x", end=20),
        *call("b", 30, "q", offer=30.002, answer=31, agent="x", end=40),
    ]
    journal = await journal_of(events)
    k = kpis.compute(journal.cdrs(), [], start=WALL0, end=WALL0 + 100)
    assert k.p_wait == pytest.approx(1 / 2)
    assert k.agents["x"].staffed_s == 0 and k.agents["x"].occupancy is None
    assert k.occupancy is None  # no staffed time to divide by


async def test_logging_out_ends_staffed_time():
    events = [
        *agent("x", 10, AGENT_LOGGED_IN, station=None),
        *agent("x", 20, AGENT_PAUSED, reason="lunch"),
        *agent("x", 50, AGENT_LOGGED_OUT),
        *agent("x", 70, AGENT_LOGGED_IN, station=None),
    ]
    journal = await journal_of(events)
    k = kpis.compute([], agent_events(journal), start=WALL0, end=WALL0 + 100)
    assert k.agents["x"].staffed_s == pytest.approx(40 + 30)
    assert k.agents["x"].paused_s == pytest.approx(30)
    assert k.agents["x"].occupancy == 0.0


def test_nothing_at_all_gives_zeros_and_nones():
    k = kpis.compute([], [], start=0, end=1)
    assert k.as_dict() == {
        "offered": 0,
        "answered": 0,
        "abandoned": 0,
        "short_abandoned": 0,
        "p_wait": None,
        "asa_s": None,
        "service_level": None,
        "aht_s": None,
        "occupancy": None,
        "longest_wait_s": None,
        "queues": {},
        "agents": {},
    }


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"start": 10, "end": 10}, "end: 10 is not after start 10"),
        ({"start": 0, "end": 1, "sl_threshold_s": -1}, "sl_threshold_s: -1"),
        ({"start": 0, "end": 1, "short_abandon_s": float("nan")}, "short_abandon_s: nan"),
    ],
)
def test_bad_arguments_are_named(kw, match):
    with pytest.raises(ValueError, match=match):
        kpis.compute([], [], **kw)
