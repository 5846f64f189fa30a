"""Call detail records: one row per call, folded from that call's events.

A call's events say what happened (arrived, queued, offered, answered, ended …); its
CDR is the running summary the KPIs read (arrival, IVR end, enqueue, offers, answer,
end, who ended it, disposition). :func:`apply` folds one event into the record and is
the only place that knows how: the journal calls it inside the transaction that
stores the event (so a record never disagrees with its events, even after
``kill -9``), and :func:`derive` calls it over stored events to rebuild them.

The call event kinds live here, beside the fold that gives them meaning; the journal
adds the agent, line and alarm kinds and validates them all.

Times in a record are wall-clock seconds, but measured from the call's arrival on
the monotonic clock: ``arrival + (t_mono - arrival_mono)``. A wall-clock step (NTP
setting a Pi without an RTC) then cannot make a wait negative or a talk time huge.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol

# --- call event kinds -------------------------------------------------------------
CALL_ARRIVED = "call_arrived"
IVR_CHOICE = "ivr_choice"
CALL_QUEUED = "call_queued"
POSITION_CHANGED = "position_changed"
CALL_OFFERED = "call_offered"
CALL_ANSWERED = "call_answered"
CALL_ABANDONED = "call_abandoned"
CALL_TRANSFERRED = "call_transferred"
CALL_OVERFLOWED = "call_overflowed"
CALL_VOICEMAIL = "call_voicemail"
CALLBACK_REQUESTED = "callback_requested"
CALL_ENDED = "call_ended"

#: kind -> fields every event of that kind must carry (more are allowed).
CALL_KINDS: dict[str, tuple[str, ...]] = {
    CALL_ARRIVED: ("call_id", "line", "caller"),
    IVR_CHOICE: ("call_id", "node", "choice"),
    CALL_QUEUED: ("call_id", "queue"),
    POSITION_CHANGED: ("call_id", "queue", "position"),
    CALL_OFFERED: ("call_id", "agent"),
    CALL_ANSWERED: ("call_id", "agent"),
    CALL_ABANDONED: ("call_id",),
    CALL_TRANSFERRED: ("call_id", "to"),
    CALL_OVERFLOWED: ("call_id", "queue", "action"),
    CALL_VOICEMAIL: ("call_id", "mailbox"),
    CALLBACK_REQUESTED: ("call_id", "number"),
    CALL_ENDED: ("call_id", "ended_by"),
}

ENDED_BY = ("caller", "agent", "system", "line")
OVERFLOW_ACTIONS = ("queue", "supervisor", "voicemail", "callback", "hangup")

#: (kind, field) -> the values that field may take.
CALL_CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    (CALL_ENDED, "ended_by"): ENDED_BY,
    (CALL_OVERFLOWED, "action"): OVERFLOW_ACTIONS,
}

ANSWERED = "answered"
ABANDONED = "abandoned"
ABANDONED_IN_IVR = "abandoned-in-ivr"
OVERFLOW = "overflow"
VOICEMAIL = "voicemail"
CALLBACK = "callback"
FAILED = "failed"
DISPOSITIONS = (ANSWERED, ABANDONED, ABANDONED_IN_IVR, OVERFLOW, VOICEMAIL, CALLBACK, FAILED)


class CallEvent(Protocol):
    """What the fold reads of an event (the journal's ``Event`` has all of it)."""

    @property
    def seq(self) -> int: ...
    @property
    def t_wall(self) -> float: ...
    @property
    def t_mono(self) -> float: ...
    @property
    def kind(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...


class Cdr(NamedTuple):
    """One call. Times are wall-clock seconds (see the module docstring); ``None`` =
    not (yet) happened. ``disposition`` is set when the call ends.

    A named tuple, not a dataclass: it is a table row as it is, and folding an event
    into it (``_replace``) is several times cheaper, which ``hotline simulate`` feels.
    """

    call_id: str
    line: Any
    caller: Any
    arrival: float
    arrival_mono: float  # the anchor for the other times; not for reports
    ivr_end: float | None = None  # left the IVR: queued, voicemail, callback, transfer, end
    enqueue: float | None = None  # first time in a queue (waits are measured from here)
    queue: Any = None  # the last queue it was in
    offers: int = 0
    first_offer: float | None = None
    last_offer: float | None = None
    answer: float | None = None
    agent: Any = None  # who answered (the first answer)
    transfers: int = 0
    overflow: str | None = None  # action of the last overflow
    voicemail: bool = False
    callback: bool = False
    abandoned: float | None = None
    end: float | None = None
    ended_by: str | None = None
    end_reason: Any = None
    disposition: str | None = None
    first_seq: int = 0
    last_seq: int = 0
    events: int = 0  # how many events the record was folded from

    @classmethod
    def from_row(cls, row: tuple) -> Cdr:
        # SQLite hands booleans back as 0/1.
        return cls._make(row)._replace(
            voicemail=bool(row[_VOICEMAIL]), callback=bool(row[_CALLBACK])
        )


COLUMNS = Cdr._fields
_VOICEMAIL, _CALLBACK = COLUMNS.index("voicemail"), COLUMNS.index("callback")

# Free-form columns (line, caller, agent, queue, reason) carry no type: SQLite then
# stores values as given, so what reads back equals what the fold produced.
CDR_TABLE = """
CREATE TABLE IF NOT EXISTS cdrs (
    call_id TEXT PRIMARY KEY, line, caller, arrival REAL NOT NULL, arrival_mono REAL NOT NULL,
    ivr_end REAL, enqueue REAL, queue, offers INTEGER NOT NULL, first_offer REAL,
    last_offer REAL, answer REAL, agent, transfers INTEGER NOT NULL, overflow TEXT,
    voicemail INTEGER NOT NULL, callback INTEGER NOT NULL, abandoned REAL, "end" REAL,
    ended_by TEXT, end_reason, disposition TEXT, first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL, events INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS cdrs_by_arrival ON cdrs(arrival);
"""

_QUOTED = ", ".join(f'"{c}"' for c in COLUMNS)
SELECT_CDRS = f"SELECT {_QUOTED} FROM cdrs"
UPSERT_CDR = f"INSERT OR REPLACE INTO cdrs ({_QUOTED}) VALUES ({', '.join('?' * len(COLUMNS))})"


def store(db: sqlite3.Connection, old: Cdr | None, new: Cdr) -> None:
    """Write ``new`` over ``old`` (as stored), setting only the columns that changed:
    an event touches three or four of them, and a whole-row replace costs 4x more."""
    if old is None:
        db.execute(UPSERT_CDR, new)
        return
    changed = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    sets = ", ".join(f'"{COLUMNS[i]}" = ?' for i in changed)
    db.execute(f"UPDATE cdrs SET {sets} WHERE call_id = ?", [*(new[i] for i in changed), new[0]])


def _first(current: float | None, t: float) -> float:
    return t if current is None else current


def _time(cdr: Cdr, ev: CallEvent) -> float:
    elapsed = ev.t_mono - cdr.arrival_mono
    # A negative interval means the monotonic clock restarted (a reboot); fall back.
    return cdr.arrival + elapsed if elapsed >= 0 else ev.t_wall


def disposition(cdr: Cdr) -> str:
    """How an ended call went; the first rule that matches wins (docs/journal.md)."""
    if cdr.answer is not None:
        return ANSWERED
    if cdr.voicemail:
        return VOICEMAIL
    if cdr.callback:
        return CALLBACK
    if cdr.abandoned is not None or cdr.ended_by == "caller":
        return ABANDONED if cdr.enqueue is not None else ABANDONED_IN_IVR
    if cdr.overflow is not None:
        return OVERFLOW
    return FAILED


def apply(cdr: Cdr | None, ev: CallEvent) -> Cdr:
    """``cdr`` (``None`` before the call arrived) with ``ev`` folded in.

    Raises ValueError, changing nothing, for an event that does not fit the call: a
    second arrival, an event for a call that never arrived, or one after its end.
    """
    f = ev.fields
    call_id = f["call_id"]
    if ev.kind == CALL_ARRIVED:
        if cdr is not None:
            raise ValueError(
                f"{CALL_ARRIVED}: call_id {call_id!r} has already arrived (seq {cdr.first_seq})"
            )
        return Cdr(
            call_id=call_id,
            line=f["line"],
            caller=f["caller"],
            arrival=ev.t_wall,
            arrival_mono=ev.t_mono,
            first_seq=ev.seq,
            last_seq=ev.seq,
            events=1,
        )
    if cdr is None:
        raise ValueError(f"{ev.kind}: unknown call_id {call_id!r} (expected {CALL_ARRIVED} first)")
    if cdr.end is not None:
        raise ValueError(f"{ev.kind}: call {call_id!r} has already ended (seq {cdr.last_seq})")

    t = _time(cdr, ev)
    left_ivr = _first(cdr.ivr_end, t)
    change: dict[str, Any] = {"last_seq": ev.seq, "events": cdr.events + 1}
    kind = ev.kind
    if kind == CALL_QUEUED:
        change.update(enqueue=_first(cdr.enqueue, t), queue=f["queue"], ivr_end=left_ivr)
    elif kind == CALL_OFFERED:
        change.update(offers=cdr.offers + 1, first_offer=_first(cdr.first_offer, t), last_offer=t)
    elif kind == CALL_ANSWERED:
        if cdr.answer is None:
            change.update(answer=t, agent=f["agent"], ivr_end=left_ivr)
    elif kind == CALL_TRANSFERRED:
        change.update(transfers=cdr.transfers + 1, ivr_end=left_ivr)
    elif kind == CALL_OVERFLOWED:
        change.update(overflow=f["action"])
    elif kind == CALL_VOICEMAIL:
        change.update(voicemail=True, ivr_end=left_ivr)
    elif kind == CALLBACK_REQUESTED:
        change.update(callback=True, ivr_end=left_ivr)
    elif kind == CALL_ABANDONED:
        change.update(abandoned=_first(cdr.abandoned, t), ivr_end=left_ivr)
    elif kind == CALL_ENDED:
        change.update(end=t, ended_by=f["ended_by"], end_reason=f.get("reason"), ivr_end=left_ivr)
        ended = cdr._replace(**change)
        return ended._replace(disposition=disposition(ended))
    # IVR_CHOICE and POSITION_CHANGED only count: the record keeps no per-step detail.
    return cdr._replace(**change)


def derive(events: Iterable[CallEvent]) -> dict[str, Cdr]:
    """The records the given events (in seq order) make. Calls whose arrival is not
    among them (pruned) are left out: they cannot be derived any more."""
    cdrs: dict[str, Cdr] = {}
    orphans: set[str] = set()
    for ev in events:
        if ev.kind not in CALL_KINDS:
            continue
        call_id = ev.fields["call_id"]
        if ev.kind != CALL_ARRIVED and call_id not in cdrs:
            orphans.add(call_id)
        elif call_id not in orphans:
            cdrs[call_id] = apply(cdrs.get(call_id), ev)
    return cdrs
