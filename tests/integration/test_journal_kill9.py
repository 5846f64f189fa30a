"""The journal survives ``kill -9``: a real subprocess appends call events in a loop
and is killed at random moments; after each kill the journal reopens with seq 1..N
and no gap, every append the child saw return is there, no call record disagrees
with its events, and numbering continues at N + 1.

Run as a module (``python -m tests.integration.test_journal_kill9 DB ROUND``), this
file is the child.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from firmware import cdr
from firmware.clock import RealClock
from firmware.journal import (
    AGENT_READY,
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_ARRIVED,
    CALL_ENDED,
    CALL_OFFERED,
    CALL_QUEUED,
    IVR_CHOICE,
    LINE_UP,
    POSITION_CHANGED,
    Journal,
    Retention,
)

ROOT = Path(__file__).resolve().parents[2]
RETENTION = Retention(max_age_days=30, max_events=1_000_000)
ROUNDS = 6


def _call_steps(rng: random.Random, call_id: str) -> list[tuple[str, dict]]:
    steps = [(CALL_ARRIVED, {"line": "gsm1", "caller": str(rng.randrange(1000))})]
    steps.append((IVR_CHOICE, {"node": "menu", "choice": str(rng.randrange(10))}))
    steps.append((CALL_QUEUED, {"queue": "sales"}))
    steps += [(POSITION_CHANGED, {"queue": "sales", "position": p}) for p in (2, 1)]
    steps += [(CALL_OFFERED, {"agent": f"a{n}"}) for n in range(rng.randrange(1, 4))]
    if rng.random() < 0.7:
        steps += [(CALL_ANSWERED, {"agent": "a0"}), (CALL_ENDED, {"ended_by": "agent"})]
    else:
        steps += [(CALL_ABANDONED, {}), (CALL_ENDED, {"ended_by": "caller"})]
    return [(kind, {"call_id": call_id, **fields}) for kind, fields in steps]


def child(db: str, round_no: int) -> None:
    """Append forever: several calls in progress at once, an agent event now and then."""
    j = Journal(db, box_id="kill9", clock=RealClock(), retention=RETENTION)
    for call in j.open_calls():  # cut off by the last kill: what the engine does on start
        j.append(CALL_ENDED, call_id=call.call_id, ended_by="system", reason="restart")
    print("ready", flush=True)
    rng = random.Random(round_no)
    calls: dict[str, list[tuple[str, dict]]] = {}
    n = 0
    while True:
        if len(calls) < 4 and rng.random() < 0.3:
            n += 1
            call_id = f"r{round_no}-c{n}"
            calls[call_id] = _call_steps(rng, call_id)
        if calls and rng.random() < 0.9:
            call_id = rng.choice(list(calls))
            kind, fields = calls[call_id].pop(0)
            if not calls[call_id]:
                del calls[call_id]
        else:
            kind, fields = rng.choice([(LINE_UP, {"line": "gsm1"}), (AGENT_READY, {"agent": "a0"})])
        event = j.append(kind, **fields)
        print(event.seq, flush=True)


def _check(db: Path, acked: list[int]) -> int:
    with Journal(db, box_id="kill9", clock=RealClock(), retention=RETENTION) as j:
        events = j.events(limit=None)
        n = j.last_seq
        assert [e.seq for e in events] == list(range(1, n + 1)), "a gap in the numbering"
        assert not acked or max(acked) <= n, f"seq {max(acked)} returned by append but lost"
        stored = j.cdrs()
        assert {c.call_id: c for c in stored} == cdr.derive(events), "a torn call record"
        assert j.rebuild_cdrs() == 0
        assert j.append(LINE_UP, line="parent").seq == n + 1
        return n + 1


def test_kill_9_leaves_a_gap_free_consistent_journal(tmp_path):
    db = tmp_path / "journal.sqlite"
    rng = random.Random(9)
    total = 0
    for round_no in range(ROUNDS):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.test_journal_kill9", str(db), str(round_no)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, 0.5))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=10)
        assert proc.returncode == -signal.SIGKILL
        acked = [int(line) for line in out.split()]
        assert acked, "the child appended nothing before the kill"
        total = _check(db, acked)
    with Journal(db, box_id="kill9", clock=RealClock(), retention=RETENTION) as j:
        finished = [c for c in j.cdrs() if c.end is not None]
        assert j.last_seq == total
        assert finished, "no call ever finished: the test exercised no records"


if __name__ == "__main__":
    child(sys.argv[1], int(sys.argv[2]))
