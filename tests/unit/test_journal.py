"""The event journal and the call detail records derived from it."""

from __future__ import annotations

import logging
import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware import cdr as cdrs_mod
from firmware.journal import (
    AGENT_PAUSED,
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_ARRIVED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_OVERFLOWED,
    CALL_QUEUED,
    CALL_TRANSFERRED,
    CALL_VOICEMAIL,
    CALLBACK_REQUESTED,
    IVR_CHOICE,
    LINE_UP,
    POSITION_CHANGED,
    Journal,
    JournalError,
    Retention,
)


class FakeClock:
    def __init__(self, mono: float = 100.0, wall: float = 1_767_225_600.0) -> None:
        self.mono, self.wall_t = mono, wall

    def now(self) -> float:
        return self.mono

    def wall(self) -> float:
        return self.wall_t

    def tick(self, seconds: float) -> None:
        self.mono += seconds
        self.wall_t += seconds


RET = Retention(max_age_days=30, max_events=1000)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def journal(tmp_path, clock):
    with Journal(tmp_path / "j.sqlite", box_id="box1", clock=clock, retention=RET) as j:
        yield j


def seqs(j: Journal) -> list[int]:
    return [e.seq for e in j.events(limit=None)]


# --- append, numbering, validation ---------------------------------------------------
def test_append_numbers_from_one_and_reads_back_equal(journal, clock):
    a = journal.append(LINE_UP, line="gsm1")
    clock.tick(2)
    b = journal.append(AGENT_PAUSED, agent="ann", reason="lunch", tags=("x", "y"))
    assert (a.seq, b.seq) == (1, 2)
    assert b.fields["tags"] == ["x", "y"]  # stored as JSON; returned as stored
    assert journal.events() == [a, b]
    assert b.t_mono - a.t_mono == 2
    assert journal.events(after_seq=1) == [b]
    assert journal.last_seq == 2


@pytest.mark.parametrize(
    ("kind", "fields", "message"),
    [
        ("call_teleported", {"call_id": "c"}, "unknown event kind 'call_teleported'"),
        (AGENT_PAUSED, {"agent": "ann"}, "agent_paused: missing field reason"),
        (CALL_ARRIVED, {"call_id": "c"}, "call_arrived: missing field line, caller"),
        (CALL_ARRIVED, {"call_id": "", "line": "l", "caller": None}, "call_arrived.call_id"),
        (CALL_ARRIVED, {"call_id": 7, "line": "l", "caller": None}, "call_arrived.call_id"),
        (LINE_UP, {"line": "l", "when": object()}, "line_up.when"),
        (LINE_UP, {"line": float("nan")}, "line_up.line"),
        (CALL_ARRIVED, {"call_id": "c", "line": "l", "caller": {"n": 1}}, "call_arrived.caller"),
        ("alarm", {"name": "x", "severity": "meh", "message": "m"}, "alarm.severity: 'meh'"),
    ],
)
def test_bad_events_are_refused_by_name_and_use_no_seq(journal, kind, fields, message):
    journal.append(LINE_UP, line="l")
    with pytest.raises(ValueError, match=re.escape(message)):
        journal.append(kind, **fields)
    assert journal.append(LINE_UP, line="l").seq == 2
    assert seqs(journal) == [1, 2]


def test_call_events_must_fit_their_call(journal):
    with pytest.raises(ValueError, match="call_queued: unknown call_id 'c1'"):
        journal.append(CALL_QUEUED, call_id="c1", queue="sales")
    journal.append(CALL_ARRIVED, call_id="c1", line="l", caller="555")
    with pytest.raises(ValueError, match="already arrived"):
        journal.append(CALL_ARRIVED, call_id="c1", line="l", caller="555")
    journal.append(CALL_ENDED, call_id="c1", ended_by="caller")
    with pytest.raises(ValueError, match="call_offered: call 'c1' has already ended"):
        journal.append(CALL_OFFERED, call_id="c1", agent="ann")
    journal.append(CALL_ARRIVED, call_id="c2", line="l", caller=None)
    with pytest.raises(ValueError, match=r"call_ended\.ended_by: 'nobody'"):
        journal.append(CALL_ENDED, call_id="c2", ended_by="nobody")
    assert seqs(journal) == [1, 2, 3]
    assert journal.cdr("c1").events == 2


def test_reopen_keeps_events_and_numbering(tmp_path, clock):
    path = tmp_path / "j.sqlite"
    with Journal(path, box_id="box1", clock=clock, retention=RET) as j:
        j.append(LINE_UP, line="l")
        j.append(CALL_ARRIVED, call_id="c1", line="l", caller="1")
    with Journal(path, box_id="box1", clock=clock, retention=RET) as j:
        assert j.append(LINE_UP, line="l").seq == 3
        assert [c.call_id for c in j.open_calls()] == ["c1"]
    with pytest.raises(ValueError, match="box_id: 'box2' does not match"):
        Journal(path, box_id="box2", clock=clock, retention=RET)


def test_a_journal_that_cannot_open_says_where(tmp_path, clock):
    path = tmp_path / "missing" / "j.sqlite"
    with pytest.raises(JournalError, match=f"journal {re.escape(str(path))}: cannot open"):
        Journal(path, box_id="b", clock=clock, retention=RET)


def test_wal_mode_and_full_sync(journal):
    assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


# --- subscribers and the outbox --------------------------------------------------------
def test_subscribers_see_only_stored_events_in_order(journal, caplog):
    seen: list[tuple[str, int, bool]] = []

    def first(ev):
        stored = ev.seq in seqs(journal)
        seen.append(("first", ev.seq, stored))
        if ev.seq == 1:  # reacting with an event of its own must not reorder others
            journal.append(LINE_UP, line="again")

    def broken(ev):
        raise RuntimeError("boom")

    journal.subscribe(first)
    journal.subscribe(broken)
    unsubscribe = journal.subscribe(lambda ev: seen.append(("last", ev.seq, True)))
    with caplog.at_level(logging.ERROR):
        journal.append(LINE_UP, line="l")
    assert seen == [("first", 1, True), ("last", 1, True), ("first", 2, True), ("last", 2, True)]
    assert "subscriber" in caplog.text and "seq 1" in caplog.text
    unsubscribe()
    seen.clear()
    journal.append(LINE_UP, line="l")
    assert seen == [("first", 3, True)]


def test_outbox_marks_what_the_broker_acknowledged(journal):
    for _ in range(4):
        journal.append(LINE_UP, line="l")
    assert [e.seq for e in journal.unpublished()] == [1, 2, 3, 4]
    assert journal.mark_published(1, 3) == 2
    assert journal.mark_published(3) == 0
    assert [e.seq for e in journal.unpublished(limit=1)] == [2]
    with pytest.raises(ValueError, match="mark_published: seq 9"):
        journal.mark_published(9)


# --- call detail records ----------------------------------------------------------------
def test_answered_call_record(journal, clock):
    journal.append(CALL_ARRIVED, call_id="c", line="gsm1", caller="+4930")
    clock.tick(5)
    journal.append(IVR_CHOICE, call_id="c", node="menu", choice="1")
    clock.tick(1)
    journal.append(CALL_QUEUED, call_id="c", queue="sales")
    clock.tick(3)
    journal.append(CALL_OFFERED, call_id="c", agent="bob")
    clock.tick(15)
    journal.append(CALL_OFFERED, call_id="c", agent="ann")
    clock.tick(2)
    journal.append(CALL_ANSWERED, call_id="c", agent="ann")
    clock.tick(100)
    journal.append(CALL_ENDED, call_id="c", ended_by="agent", reason="done")
    r = journal.cdr("c")
    t0 = r.arrival
    assert (r.ivr_end - t0, r.enqueue - t0, r.first_offer - t0, r.last_offer - t0) == (6, 6, 9, 24)
    assert (r.answer - t0, r.end - t0, r.offers, r.agent) == (26, 126, 2, "ann")
    assert (r.ended_by, r.end_reason, r.disposition, r.events) == ("agent", "done", "answered", 7)
    assert journal.cdrs(since=t0, until=t0 + 1) == [r]
    assert journal.cdrs(since=t0 + 1) == []
    assert journal.open_calls() == []


def test_record_times_follow_the_monotonic_clock_across_a_wall_step(journal, clock):
    journal.append(CALL_ARRIVED, call_id="c", line="l", caller=None)
    journal.append(CALL_QUEUED, call_id="c", queue="q")
    clock.tick(10)
    clock.wall_t -= 3600  # NTP sets the clock back an hour mid-call
    journal.append(CALL_ANSWERED, call_id="c", agent="a")
    r = journal.cdr("c")
    assert r.answer - r.enqueue == 10


STORIES = {
    # name: (steps after arrival, expected disposition); "Q" = queue + offers
    "answered": (["Q", (CALL_ANSWERED, {"agent": "a1"}), "end_agent"], "answered"),
    "transferred": (
        ["Q", (CALL_ANSWERED, {"agent": "a2"}), (CALL_TRANSFERRED, {"to": "a3"}), "end_caller"],
        "answered",
    ),
    "abandoned": (["Q", (CALL_ABANDONED, {}), "end_caller"], "abandoned"),
    "hung_up_in_queue": (["Q", "end_caller"], "abandoned"),
    "abandoned_in_ivr": ([(CALL_ABANDONED, {}), "end_caller"], "abandoned-in-ivr"),
    "voicemail": (
        [
            "Q",
            (CALL_OVERFLOWED, {"queue": "q1", "action": "voicemail"}),
            (CALL_VOICEMAIL, {"mailbox": "m"}),
            "end_caller",
        ],
        "voicemail",
    ),
    "ivr_voicemail": ([(CALL_VOICEMAIL, {"mailbox": "m"}), "end_system"], "voicemail"),
    "callback": (
        [
            "Q",
            (CALL_OVERFLOWED, {"queue": "q1", "action": "callback"}),
            (CALLBACK_REQUESTED, {"number": "5"}),
            "end_system",
        ],
        "callback",
    ),
    "overflow": (
        ["Q", (CALL_OVERFLOWED, {"queue": "q1", "action": "supervisor"}), "end_system"],
        "overflow",
    ),
    "overflow_then_answered": (
        [
            "Q",
            (CALL_OVERFLOWED, {"queue": "q1", "action": "queue"}),
            "Q",
            (CALL_ANSWERED, {"agent": "s"}),
            "end_agent",
        ],
        "answered",
    ),
    "failed": (["end_line"], "failed"),
    "silent_caller": ([(IVR_CHOICE, {"node": "greet", "choice": None}), "end_system"], "failed"),
}


def story_steps(rng: random.Random, call_id: str, name: str) -> list[tuple[str, dict]]:
    """The events of one call following the named story, with random detail."""
    out: list[tuple[str, dict]] = [
        (CALL_ARRIVED, {"line": "gsm1", "caller": str(rng.randrange(99))})
    ]
    for _ in range(rng.randrange(3)):
        out.append((IVR_CHOICE, {"node": "menu", "choice": str(rng.randrange(10))}))
    for step in STORIES[name][0]:
        if step == "Q":
            queue = rng.choice(["q1", "q2"])
            out.append((CALL_QUEUED, {"queue": queue, "priority": rng.randrange(3)}))
            for n in range(rng.randrange(3)):
                out.append((POSITION_CHANGED, {"queue": queue, "position": n + 1}))
            for _ in range(rng.randrange(4)):
                out.append((CALL_OFFERED, {"agent": rng.choice(["a1", "a2", "a3"])}))
        elif isinstance(step, str):
            out.append((CALL_ENDED, {"ended_by": step.removeprefix("end_")}))
        else:
            out.append(step)
    return [(kind, {"call_id": call_id, **fields}) for kind, fields in out]


def run_stories(j: Journal, clock: FakeClock, rng: random.Random, n_calls: int) -> dict[str, str]:
    """Interleave ``n_calls`` random stories in ``j``; returns call_id -> expected disposition."""
    expected, pending = {}, {}
    for i in range(n_calls):
        name = rng.choice(sorted(STORIES))
        expected[f"c{i}"] = STORIES[name][1]
        pending[f"c{i}"] = story_steps(rng, f"c{i}", name)
    while pending:
        call_id = rng.choice(sorted(pending))
        kind, fields = pending[call_id].pop(0)
        if not pending[call_id]:
            del pending[call_id]
        clock.tick(rng.choice([0, 0.5, 3, 40]))
        j.append(kind, **fields)
    return expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=False), n_calls=st.integers(1, 12))
def test_incremental_records_equal_records_rebuilt_from_events(rng, n_calls):
    clock = FakeClock()
    with Journal(":memory:", box_id="b", clock=clock, retention=RET) as j:
        expected = run_stories(j, clock, rng, n_calls)
        stored = j.cdrs()
        events = j.events(limit=None)
        assert {c.call_id: c for c in stored} == cdrs_mod.derive(events)
        assert {c.call_id: c.disposition for c in stored} == expected
        for c in stored:
            mine = [e for e in events if e.fields.get("call_id") == c.call_id]
            assert c.events == len(mine)
            assert c.offers == sum(e.kind == CALL_OFFERED for e in mine)

            def at(kind, which=0, mine=mine, c=c):
                times = [c.arrival + e.t_mono - c.arrival_mono for e in mine if e.kind == kind]
                return times[which] if times else None

            assert (c.enqueue, c.answer, c.end) == (
                at(CALL_QUEUED),
                at(CALL_ANSWERED),
                at(CALL_ENDED),
            )
            assert (c.first_offer, c.last_offer) == (at(CALL_OFFERED), at(CALL_OFFERED, -1))
            assert c.arrival <= (c.ivr_end or c.end) <= c.end
            if c.answer is not None and c.enqueue is not None:
                assert c.enqueue <= c.answer
        assert j.rebuild_cdrs() == 0
        assert j.cdrs() == stored
        assert j.open_calls() == []


def test_rebuild_repairs_a_record_that_disagrees(journal, clock):
    rng = random.Random(3)
    run_stories(journal, clock, rng, 5)
    journal._db.execute("UPDATE cdrs SET offers = offers + 7, disposition = 'x' WHERE call_id='c2'")
    assert journal.rebuild_cdrs() == 1
    assert journal.rebuild_cdrs() == 0
    assert journal.cdr("c2").disposition in cdrs_mod.DISPOSITIONS


# --- retention ------------------------------------------------------------------------
def fill(j: Journal, n: int) -> None:
    for _ in range(n):
        j.append(LINE_UP, line="l")


def test_prune_by_count_keeps_unpublished_and_logs(tmp_path, clock, caplog):
    ret = Retention(max_age_days=30, max_events=10)
    with Journal(tmp_path / "j", box_id="b", clock=clock, retention=ret) as j:
        fill(j, 15)
        j.mark_published(*range(1, 15))
        j._db.execute("UPDATE events SET published = 0 WHERE seq = 2")
        with caplog.at_level(logging.INFO, logger="firmware.journal"):
            result = j.prune()
        assert (result.events, result.upto_seq, result.unpublished_dropped) == (5, 6, 0)
        assert seqs(j) == [2, *range(7, 16)]
        assert "pruned 5 events up to seq 6" in caplog.text
        assert j.prune().events == 0
        assert j.append(LINE_UP, line="l").seq == 16  # no reuse after pruning
        assert j.first_seq == 2


def test_prune_by_age_spares_unpublished_and_keeps_their_calls(tmp_path, clock):
    ret = Retention(max_age_days=1, max_events=1000)
    with Journal(tmp_path / "j", box_id="b", clock=clock, retention=ret) as j:
        run_stories(j, clock, random.Random(1), 4)
        n_old = j.last_seq
        first_call = j.events(limit=1)[0].fields["call_id"]
        clock.tick(2 * 86400)
        fill(j, 3)
        j.mark_published(*range(2, j.last_seq + 1))  # seq 1, an arrival, is not
        result = j.prune()
        assert (result.events, result.upto_seq) == (n_old - 1, n_old)
        assert result.cdrs == 3
        assert seqs(j) == [1, n_old + 1, n_old + 2, n_old + 3]
        assert [c.call_id for c in j.cdrs()] == [first_call]
        assert j.rebuild_cdrs() == 0


def test_records_outlive_partly_pruned_events(tmp_path, clock):
    ret = Retention(max_age_days=30, max_events=20)
    with Journal(tmp_path / "j", box_id="b", clock=clock, retention=ret) as j:
        run_stories(j, clock, random.Random(5), 6)
        before = j.cdrs()
        j.mark_published(*range(2, j.last_seq + 1))  # seq 1 (an arrival) stays unpublished
        assert j.prune().events > 0
        assert j.rebuild_cdrs() == 0
        assert j.cdrs() == before


def test_prune_by_bytes_is_oldest_first(tmp_path, clock):
    ret = Retention(max_age_days=30, max_bytes=1000)
    with Journal(tmp_path / "j", box_id="b", clock=clock, retention=ret) as j:
        fill(j, 40)
        j.mark_published(*range(1, 41))
        j.prune()
        kept = seqs(j)
        size = j._db.execute("SELECT SUM(size) FROM events").fetchone()[0]
        assert kept == list(range(kept[0], 41))
        assert size <= 1000
        one = j._db.execute("SELECT size FROM events LIMIT 1").fetchone()[0]
        assert size + one > 1000  # no more pruned than needed


def test_over_the_hard_cap_unpublished_events_go_with_a_warning(tmp_path, clock, caplog):
    ret = Retention(max_age_days=30, max_events=10, hard_cap_factor=2)
    with Journal(tmp_path / "j", box_id="b", clock=clock, retention=ret) as j:
        fill(j, 20)
        assert j.prune().events == 0  # at the cap, not over it: the broker may come back
        fill(j, 1)
        with caplog.at_level(logging.INFO, logger="firmware.journal"):
            result = j.prune()
        assert (result.events, result.unpublished_dropped, result.upto_seq) == (11, 11, 11)
        assert seqs(j) == list(range(12, 22))
        assert "dropped 11 unpublished events" in caplog.text
        assert any(r.levelname == "WARNING" for r in caplog.records)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_age_days": 0, "max_events": 5}, "retention.max_age_days"),
        ({"max_age_days": 1}, "expected max_events or max_bytes"),
        ({"max_age_days": 1, "max_bytes": -3}, "retention.max_bytes: -3"),
        ({"max_age_days": 1, "max_events": 5, "hard_cap_factor": 0.5}, "hard_cap_factor"),
    ],
)
def test_bad_retention_is_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Retention(**kwargs)
