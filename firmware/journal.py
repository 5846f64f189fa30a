"""The event journal: every state change, numbered and on disk before anyone sees it.

One SQLite file per box (WAL mode, ``synchronous=FULL``). :meth:`Journal.append`
validates an event, gives it the next per-box sequence number and stores it, with
the call's detail record (:mod:`firmware.cdr`) updated in the same transaction,
before it returns; only then do subscribers hear of it. The journal is also the
outbox: telemetry publishes :meth:`Journal.unpublished` events and marks those the
broker acknowledged with :meth:`Journal.mark_published`.

Why ``synchronous=FULL``: in WAL mode NORMAL survives a crashed process but may lose
the last commits on a power cut, and a Pi on a wall plug does lose power. FULL costs
one fsync of the WAL per event, a few milliseconds on an SD card, for a few events a
second at most. Simulations that need no file open the journal at ``":memory:"``:
the same code, without the disk.

Numbering: ``seq`` is read from and written to the ``meta`` table inside the
transaction that inserts the event, so a failed or interrupted append consumes no
number and pruning never makes one reused. See docs/journal.md.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from firmware import cdr as _cdr
from firmware.cdr import (  # noqa: F401  (call kinds are part of this module's vocabulary)
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
    POSITION_CHANGED,
    Cdr,
)
from firmware.clock import Clock

log = logging.getLogger(__name__)

# --- the other event kinds ------------------------------------------------------
AGENT_LOGGED_IN = "agent_logged_in"
AGENT_READY = "agent_ready"
AGENT_PAUSED = "agent_paused"
AGENT_WRAP_UP = "agent_wrap_up"
AGENT_LOGGED_OUT = "agent_logged_out"
LINE_UP = "line_up"
LINE_DOWN = "line_down"
ALARM = "alarm"
ALARM_CLEARED = "alarm_cleared"
#: How a call's audio went through a station's headset bridge (not part of the CDR fold).
CALL_AUDIO = "call_audio"

ALARM_SEVERITIES = ("info", "warning", "critical")

#: Field types stored and read back unchanged (bool is not a subclass match here:
#: ``type(v) in`` is exact, and JSON keeps bools as bools).
_SCALARS = frozenset({str, int, float, bool, type(None)})

#: Every kind the journal accepts -> the fields it must carry (more are allowed).
KINDS: dict[str, tuple[str, ...]] = {
    **_cdr.CALL_KINDS,
    AGENT_LOGGED_IN: ("agent", "station"),
    AGENT_READY: ("agent",),
    AGENT_PAUSED: ("agent", "reason"),
    AGENT_WRAP_UP: ("agent",),
    AGENT_LOGGED_OUT: ("agent",),
    LINE_UP: ("line",),
    LINE_DOWN: ("line", "reason"),
    ALARM: ("name", "severity", "message"),
    ALARM_CLEARED: ("name",),
    CALL_AUDIO: ("call_id", "station"),
}
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    **_cdr.CALL_CHOICES,
    (ALARM, "severity"): ALARM_SEVERITIES,
}

SCHEMA_VERSION = 1
#: Bytes an event costs beyond its JSON fields and kind (key, times, flags, b-tree).
ROW_OVERHEAD = 40

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, t_wall REAL NOT NULL, t_mono REAL NOT NULL, kind TEXT NOT NULL,
    fields TEXT NOT NULL, size INTEGER NOT NULL, published INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS events_unpublished ON events(seq) WHERE published = 0;
CREATE INDEX IF NOT EXISTS events_alarms ON events(seq) WHERE kind IN ('alarm', 'alarm_cleared');
"""


class JournalError(RuntimeError):
    """The journal's file cannot be used (cannot open, wrong schema, disk full …)."""


@dataclass(frozen=True)
class Retention:
    """How much history the journal keeps. Pruning removes the oldest published
    events beyond any limit; unpublished ones stay until the journal holds
    ``hard_cap_factor`` times ``max_events``/``max_bytes`` (a long broker outage)."""

    max_age_days: float
    max_events: int | None = None
    max_bytes: int | None = None  # measured on event payloads, not the file
    hard_cap_factor: float = 2.0

    def __post_init__(self) -> None:
        if not self.max_age_days > 0:
            raise ValueError(f"retention.max_age_days: {self.max_age_days!r} (expected > 0)")
        for name in ("max_events", "max_bytes"):
            value = getattr(self, name)
            if value is not None and (type(value) is not int or value < 1):
                raise ValueError(f"retention.{name}: {value!r} (expected a whole number >= 1)")
        if self.max_events is None and self.max_bytes is None:
            raise ValueError("retention: expected max_events or max_bytes (or both)")
        if not self.hard_cap_factor >= 1:
            raise ValueError(f"retention.hard_cap_factor: {self.hard_cap_factor!r} (expected >= 1)")


@dataclass(frozen=True)
class Event:
    """A stored event. ``fields`` is read-only and JSON-shaped (tuples become lists)."""

    seq: int
    t_wall: float
    t_mono: float
    kind: str
    fields: Mapping[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "t_wall": self.t_wall,
            "t_mono": self.t_mono,
            "kind": self.kind,
            "fields": dict(self.fields),
        }


@dataclass(frozen=True)
class Pruned:
    """What one :meth:`Journal.prune` removed."""

    events: int = 0
    upto_seq: int | None = None  # the highest seq removed
    unpublished_dropped: int = 0
    cdrs: int = 0


def validate(kind: str, fields: Mapping[str, Any]) -> str:
    """The fields as JSON; ValueError naming the kind or field if they are not valid."""
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r} (expected one of {', '.join(KINDS)})")
    missing = [name for name in KINDS[kind] if name not in fields]
    if missing:
        raise ValueError(f"{kind}: missing field {', '.join(missing)}")
    for (k, name), allowed in CHOICES.items():
        if k == kind and fields[name] not in allowed:
            raise ValueError(f"{kind}.{name}: {fields[name]!r} is not one of {', '.join(allowed)}")
    for name in (*KINDS[kind], *(("reason",) if kind == CALL_ENDED else ())):
        # Required fields name things (and fill record columns): no lists or dicts.
        if name in fields and not isinstance(fields[name], str | int | float | None):
            raise ValueError(f"{kind}.{name}: {fields[name]!r} (expected a string, number or None)")
    call_id = fields.get("call_id")
    if kind in _cdr.CALL_KINDS and not (isinstance(call_id, str) and call_id):
        raise ValueError(f"{kind}.call_id: {call_id!r} (expected a non-empty string)")
    try:
        return json.dumps(fields, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        for name, value in fields.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{kind}.{name}: {value!r} cannot be stored (expected str, finite number, "
                    "bool, None, or lists/dicts of them)"
                ) from None
        raise


class Journal:
    """The box's event journal and call detail records in one SQLite file.

    Use from the event loop's thread only (sqlite3 connections are per thread).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        box_id: str,
        clock: Clock,  # only now() and wall() are used
        retention: Retention,
    ) -> None:
        self.path = os.fspath(path)
        self.box_id = box_id
        self.retention = retention
        self._clock = clock
        self._subscribers: list[Callable[[Event], None]] = []
        self._pending: deque[Event] = deque()
        self._dispatching = False
        # Records of calls in progress, as stored: saves a read per call event. This
        # process is the journal's only writer, so the copy cannot go stale.
        self._live: dict[str, Cdr] = {}
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        except sqlite3.Error as e:
            raise JournalError(f"journal {self.path}: cannot open ({e})") from e
        try:
            self._setup()
        except BaseException:
            self._db.close()
            raise

    def _setup(self) -> None:
        db = self._db
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")  # takes only on a new file
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            db.execute("PRAGMA synchronous = FULL")
            with self._tx():
                # executescript would commit on its own; run the statements one by one.
                for statement in (_SCHEMA + _cdr.CDR_TABLE).split(";"):
                    if statement.strip():
                        db.execute(statement)
                meta = dict(db.execute("SELECT key, value FROM meta"))
                if not meta:
                    db.executemany(
                        "INSERT INTO meta (key, value) VALUES (?, ?)",
                        [("schema", SCHEMA_VERSION), ("box_id", self.box_id), ("last_seq", 0)],
                    )
        except sqlite3.Error as e:
            raise JournalError(f"journal {self.path}: cannot open ({e})") from e
        if mode != "wal" and self.path != ":memory:":
            raise JournalError(f"journal {self.path}: SQLite refused WAL mode (got {mode!r})")
        if meta and meta.get("schema") != SCHEMA_VERSION:
            raise JournalError(
                f"journal {self.path}: schema {meta.get('schema')!r} "
                f"(expected {SCHEMA_VERSION}; written by another version of hotline?)"
            )
        # The newest seq, kept here as well: this process is the journal's only
        # writer, and a failed write leaves both copies as they were.
        self._seq = int(meta.get("last_seq", 0)) if meta else 0
        if meta and meta.get("box_id") != self.box_id:
            raise ValueError(
                f"box_id: {self.box_id!r} does not match the journal {self.path}, "
                f"which belongs to box {meta.get('box_id')!r}"
            )

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is stored, or none of it."""
        # IMMEDIATE takes the write lock up front, so reading last_seq and writing
        # seq + 1 cannot interleave with another writer.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------
    def append(self, kind: str, /, **fields: Any) -> Event:
        """Store an event and return it; subscribers hear of it after it is stored.

        ValueError (nothing stored, no seq used) for an unknown kind, a missing or
        invalid field, or a call event that does not fit its call; JournalError if
        the database cannot take the write (disk full, I/O error).
        """
        payload = validate(kind, fields)
        # What events() will read back: flat fields (nearly all) read back as given;
        # lists, tuples and dicts take the JSON round trip.
        flat = all(type(v) in _SCALARS for v in fields.values())
        stored = MappingProxyType(dict(fields) if flat else json.loads(payload))
        try:
            with self._tx() as db:
                seq = self._seq + 1
                event = Event(seq, self._clock.wall(), self._clock.now(), kind, stored)
                record = None
                if kind in _cdr.CALL_KINDS:
                    call_id = stored["call_id"]
                    previous = self._live.get(call_id) or self._get_cdr(call_id)
                    record = _cdr.apply(previous, event)
                    _cdr.store(db, previous, record)
                db.execute(
                    "INSERT INTO events (seq, t_wall, t_mono, kind, fields, size) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (seq, event.t_wall, event.t_mono, kind, payload, _size(kind, payload)),
                )
                db.execute("UPDATE meta SET value = ? WHERE key = 'last_seq'", (seq,))
        except sqlite3.Error as e:
            raise JournalError(f"journal {self.path}: cannot store {kind} ({e})") from e
        self._seq = seq
        if record is not None:  # only now that it is stored
            if record.end is None:
                self._live[record.call_id] = record
            else:
                self._live.pop(record.call_id, None)
        self._notify(event)
        return event

    def mark_published(self, *seqs: int) -> int:
        """Mark events the broker acknowledged; returns how many were newly marked.
        Seqs already pruned are ignored."""
        last = self.last_seq
        for seq in seqs:
            if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= last:
                raise ValueError(f"mark_published: seq {seq!r} (expected 1..{last})")
        if not seqs:
            return 0
        with self._tx() as db:
            cur = db.executemany(
                "UPDATE events SET published = 1 WHERE seq = ? AND published = 0",
                [(s,) for s in seqs],
            )
            return cur.rowcount

    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``callback(event)`` for every event once it is stored, in seq order.
        Returns a function that unsubscribes. A callback that raises is logged."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _notify(self, event: Event) -> None:
        # A subscriber may append in turn; queue that event behind this one so every
        # subscriber still sees seq order.
        self._pending.append(event)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending:
                ev = self._pending.popleft()
                for callback in list(self._subscribers):
                    try:
                        callback(ev)
                    except Exception:
                        log.exception(
                            "journal: subscriber %r failed on seq %d (%s)",
                            callback,
                            ev.seq,
                            ev.kind,
                        )
        finally:
            self._dispatching = False

    # --- reading -------------------------------------------------------------------
    @property
    def last_seq(self) -> int:
        """The seq of the newest event ever stored (0 for none), pruned or not."""
        return self._seq

    @property
    def first_seq(self) -> int | None:
        """The oldest seq still held (None when empty): replays cannot go further back."""
        return self._db.execute("SELECT MIN(seq) FROM events").fetchone()[0]

    def events(self, after_seq: int = 0, limit: int | None = 1000) -> list[Event]:
        """Stored events with seq > ``after_seq``, oldest first (for replay)."""
        return self._select("seq > ?", (after_seq,), limit)

    def unpublished(self, limit: int | None = 1000) -> list[Event]:
        """Events the broker has not acknowledged yet, oldest first (the outbox)."""
        return self._select("published = 0", (), limit)

    def active_alarms(self) -> dict[str, Event]:
        """Alarms raised and not cleared since, by name (each one's newest ``alarm``
        event): what was still on when the last process stopped. Alarms whose events
        were pruned are gone with them."""
        active: dict[str, Event] = {}
        # Spelled out, not bound: SQLite uses the partial index only for literal terms.
        for ev in self._select("kind IN ('alarm', 'alarm_cleared')", (), None):
            if ev.kind == ALARM:
                active[ev.fields["name"]] = ev
            else:
                active.pop(ev.fields["name"], None)
        return active

    def _select(self, where: str, args: tuple, limit: int | None) -> list[Event]:
        rows = self._db.execute(
            f"SELECT seq, t_wall, t_mono, kind, fields FROM events WHERE {where} "
            "ORDER BY seq LIMIT ?",
            (*args, -1 if limit is None else limit),
        )
        return [_event(row) for row in rows]

    def cdr(self, call_id: str) -> Cdr | None:
        return self._get_cdr(call_id)

    def _get_cdr(self, call_id: str) -> Cdr | None:
        row = self._db.execute(_cdr.SELECT_CDRS + " WHERE call_id = ?", (call_id,)).fetchone()
        return None if row is None else Cdr.from_row(row)

    def cdrs(self, since: float | None = None, until: float | None = None) -> list[Cdr]:
        """Records of calls that arrived in ``[since, until)`` (wall seconds), by arrival."""
        rows = self._db.execute(
            _cdr.SELECT_CDRS + " WHERE arrival >= ? AND arrival < ? ORDER BY arrival, first_seq",
            (float("-inf") if since is None else since, float("inf") if until is None else until),
        )
        return [Cdr.from_row(row) for row in rows]

    def open_calls(self) -> list[Cdr]:
        """Calls with no end yet. After a restart these are calls the crash cut off:
        the engine ends them (``call_ended``, ``ended_by="system"``)."""
        rows = self._db.execute(_cdr.SELECT_CDRS + ' WHERE "end" IS NULL ORDER BY first_seq')
        return [Cdr.from_row(row) for row in rows]

    def rebuild_cdrs(self) -> int:
        """Derive the records again from the stored events and store them; returns
        how many differed (0 on a healthy journal).

        A call is re-derived only while the journal still holds all of its events
        (its arrival, and at least as many events as its record counted); records of
        calls pruned in part or whole stand as they are.
        """
        derived = _cdr.derive(
            _event(row)
            for row in self._db.execute(
                "SELECT seq, t_wall, t_mono, kind, fields FROM events ORDER BY seq"
            )
        )
        changed = 0
        with self._tx() as db:
            for call_id, record in derived.items():
                stored = self._get_cdr(call_id)
                if stored is not None and record.events < stored.events:
                    continue
                if record != stored:
                    db.execute(_cdr.UPSERT_CDR, record)
                    changed += 1
        self._live.clear()
        if changed:
            log.warning(
                "journal: rebuilt %d call detail records that disagreed with events", changed
            )
        return changed

    # --- retention -----------------------------------------------------------------
    def prune(self) -> Pruned:
        """Apply the retention limits, oldest events first; see :class:`Retention`.
        The daemon calls this now and then (hourly); appends never prune."""
        r = self.retention
        cut = self._clock.wall() - r.max_age_days * 86400
        with self._tx() as db:
            aged, top_aged, _ = _delete(db, "published = 1 AND t_wall < ?", (cut,))
            trimmed, top_trimmed, _ = self._trim(db, "published = 1", 1.0)
            # Past the hard cap (a long broker outage) unpublished events go too.
            forced, top_forced, dropped = self._trim(db, "1", r.hard_cap_factor)
            cdrs = db.execute(
                'DELETE FROM cdrs WHERE arrival < ? AND "end" IS NOT NULL '
                "AND NOT EXISTS (SELECT 1 FROM events WHERE seq = cdrs.first_seq)",
                (cut,),
            ).rowcount
        removed = aged + trimmed + forced
        upto = max((t for t in (top_aged, top_trimmed, top_forced) if t is not None), default=None)
        if dropped:
            log.warning(
                "journal: dropped %d unpublished events (never sent to the broker): "
                "more than %g times the retention limit of %s",
                dropped,
                r.hard_cap_factor,
                self._limits_text(),
            )
        if removed:
            why = [f"older than {r.max_age_days:g} days"] if aged else []
            why += [f"over {self._limits_text()}"] if trimmed or forced else []
            log.info(
                "journal: pruned %d events up to seq %d (%s); %d call records removed",
                *(removed, upto, ", ".join(why), cdrs),
            )
            self._db.execute("PRAGMA incremental_vacuum")  # give the pages back to the disk
        return Pruned(removed, upto, dropped, cdrs)

    def _trim(self, db: sqlite3.Connection, which: str, factor: float) -> tuple[int, Any, int]:
        """If the journal holds more than ``factor`` times the limits, delete the
        oldest events matching ``which`` until it is within the limits (x1)."""
        r = self.retention
        count, size = db.execute("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM events").fetchone()
        over_n = count - r.max_events if r.max_events is not None else 0
        over_b = size - r.max_bytes if r.max_bytes is not None else 0
        hard_n = r.max_events is not None and count > r.max_events * factor
        hard_b = r.max_bytes is not None and size > r.max_bytes * factor
        if not (hard_n or hard_b):
            return 0, None, 0
        # The shortest run of oldest matching events that removes both excesses.
        row = db.execute(
            f"SELECT seq FROM (SELECT seq, COUNT(*) OVER w AS n, SUM(size) OVER w AS b "
            f"FROM events WHERE {which} WINDOW w AS (ORDER BY seq)) "
            "WHERE n >= ? AND b >= ? ORDER BY seq LIMIT 1",
            (over_n, over_b),
        ).fetchone()
        return _delete(db, f"{which} AND seq <= ?", (row[0] if row else self.last_seq,))

    def _limits_text(self) -> str:
        r = self.retention
        limits = [f"{r.max_events} events"] if r.max_events is not None else []
        limits += [f"{r.max_bytes} bytes"] if r.max_bytes is not None else []
        return " / ".join(limits)


def _event(row: tuple) -> Event:
    seq, t_wall, t_mono, kind, fields = row
    return Event(seq, t_wall, t_mono, kind, MappingProxyType(json.loads(fields)))


def _size(kind: str, payload: str) -> int:
    return len(payload.encode()) + len(kind) + ROW_OVERHEAD


def _delete(db: sqlite3.Connection, where: str, args: tuple) -> tuple[int, Any, int]:
    """Delete the events matching ``where``: (how many, the highest seq, how many of
    them were unpublished)."""
    top, unpublished = db.execute(
        f"SELECT MAX(seq), COUNT(*) - COALESCE(SUM(published), 0) FROM events WHERE {where}", args
    ).fetchone()
    if top is None:
        return 0, None, 0
    return db.execute(f"DELETE FROM events WHERE {where}", args).rowcount, top, unpublished
