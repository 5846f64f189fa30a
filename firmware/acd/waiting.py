"""Callers in a queue: who is next (higher priority first, FIFO within a priority),
and each caller's place.

A :class:`WaitingList` keeps its entries sorted by ``(-priority, seq)`` beside a list
of those keys, so finding a caller's place is a binary search. A ringing call stays
in the list (it has not been served yet and keeps its place: if the ring times out,
it is still at the head of its priority); dispatch skips it.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from firmware.call import Call
from firmware.clock import Timer

# Entry states.
WAITING = "waiting"  # in a queue's list, not ringing
RINGING = "ringing"  # offered to one agent (or several: ringall)
SUPERVISOR = "supervisor"  # overflowed to a supervisor, waiting for them
TALKING = "talking"  # answered; the ACD still follows it until it ends (wrap-up)
DONE = "done"  # the ACD has finished with it


@dataclass(eq=False, slots=True)
class Entry:
    """One call the ACD is handling, from enqueue to its end (or overflow)."""

    call: Call
    queue: str  # the queue it is in now (or came from, once answered)
    priority: int
    seq: int  # enqueue order across the whole ACD (kept when overflowing to a queue)
    first_enqueued: float  # clock.now() of the first enqueue: waits count from here
    entered: float  # clock.now() it entered its current queue
    future: asyncio.Future
    state: str = WAITING
    ringing: list[str] = field(default_factory=list)  # agents its offer rings
    missed_by: set[str] = field(default_factory=set)  # let it ring out: try others first
    visited: set[str] = field(default_factory=set)  # queues it was in (overflow loops)
    supervisor: str | None = None  # overflowed to this supervisor
    widened: bool = False  # skills: any member may take it now
    position: int = 0  # last position journaled
    holding: bool = False  # hold music started
    ring_timer: Timer | None = None
    wait_timer: Timer | None = None
    widen_timer: Timer | None = None
    announcer: asyncio.Task | None = None
    forget: Callable[[], None] | None = None  # unregisters the call.on_end listener
    agent: str | None = None  # who answered
    answered_at: float = 0.0

    @property
    def key(self) -> tuple[int, int]:
        return (-self.priority, self.seq)

    def cancel_timers(self) -> None:
        for timer in (self.ring_timer, self.wait_timer, self.widen_timer):
            if timer is not None:
                timer.cancel()
        self.ring_timer = self.wait_timer = self.widen_timer = None


class WaitingList:
    """A queue's waiting (and ringing) callers in service order."""

    __slots__ = ("_entries", "_keys", "widened")

    def __init__(self) -> None:
        self._entries: list[Entry] = []
        self._keys: list[tuple[int, int]] = []
        #: How many entries are widened (skills): none -> no need to look past the head.
        self.widened = 0

    def add(self, entry: Entry) -> int:
        """Insert ``entry`` in its place; return its index (0 = next)."""
        key = entry.key
        i = bisect_left(self._keys, key)
        self._keys.insert(i, key)
        self._entries.insert(i, entry)
        self.widened += entry.widened
        return i

    def remove(self, entry: Entry) -> int:
        """Take ``entry`` out; return the index it had."""
        i = self.index(entry)
        del self._keys[i]
        del self._entries[i]
        self.widened -= entry.widened
        return i

    def widen(self, entry: Entry) -> None:
        """Mark ``entry`` (in this list) as open to every member."""
        if not entry.widened:
            entry.widened = True
            self.widened += 1

    def index(self, entry: Entry) -> int:
        i = bisect_left(self._keys, entry.key)
        if i >= len(self._entries) or self._entries[i] is not entry:
            raise KeyError(entry.call.call_id)
        return i

    def position(self, entry: Entry) -> int:
        """1-based place of ``entry`` (ringing callers ahead of it count)."""
        return self.index(entry) + 1

    def from_index(self, i: int) -> list[Entry]:
        """The entries from index ``i`` on (those whose position an add/remove moved)."""
        return self._entries[i:]

    def __contains__(self, entry: Entry) -> bool:
        try:
            self.index(entry)
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
