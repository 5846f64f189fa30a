"""The ACD facade: agents log in and out, calls wait in queues, dispatch matches them.

Everything runs on the event loop, driven by three things: the agents' actions
(methods below), the callers (``enqueue``; hanging up reaches us through
``call.on_end``) and clock timers (ring timeout, wrap-up, maximum wait, skills
widening, the watchdog). No task per call but the ``enqueue`` await itself (and the
announcement task when a queue announces).

Dispatch (:meth:`Acd._kick`) runs after anything that may free an agent or add a
caller. It is not re-entrant: an endpoint that answers from inside ``offer`` (a
simulated agent) only queues more work for the loop already running. Its cost is
O(members) per queue touched, and a binary search per caller whose place it needs.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from firmware.call import Call
from firmware.cdr import (
    CALL_ABANDONED,
    CALL_ANSWERED,
    CALL_OFFERED,
    CALL_OVERFLOWED,
    CALL_QUEUED,
    CALL_TRANSFERRED,
    POSITION_CHANGED,
)
from firmware.clock import Clock
from firmware.config import Config
from firmware.engine import CallEngine
from firmware.journal import (
    AGENT_LOGGED_IN,
)

from .agents import AgentState
from .announce import announce
from .api import (
    ANSWERED,
    ENDED,
    LOGGED_OUT,
    OFFERED,
    ON_CALL,
    OVERFLOW,
    PAUSED,
    READY,
    WRAP_UP,
    AcdError,
    AgentEndpoint,
    QueueOutcome,
)
from .closing import Closing, closed_outcome
from .ewt import ewt_s
from .matching import first_match
from .overflow import overflow_rule
from .priority import call_priority
from .queues import QueueState
from .roster import LOGOUT, Roster, expected
from .snapshot import snapshot, staffed
from .strategies import STRATEGIES
from .takeback import take_back
from .transfer import transfer
from .waiting import DONE, RINGING, SUPERVISOR, TALKING, WAITING, Entry

log = logging.getLogger(__name__)

#: Pause reason of an agent who logged in with ``ready=False``.
LOGIN_PAUSE = "login"
#: Priority of a call overflowed to a supervisor (above any rule's 0-100).
SUPERVISOR_PRIORITY = 1000


class Acd:
    """Queues, agents and the distribution between them (see docs/acd.md)."""

    def __init__(
        self,
        config: Config,
        *,
        engine: CallEngine,
        clock: Clock,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.journal = engine.journal
        self.clock = clock
        self.rng = rng if rng is not None else random.Random()
        self._queues: dict[str, QueueState] = {}
        self._entries: dict[str, Entry] = {}  # call_id -> entry, while the ACD follows it
        self._escalated: dict[str, deque[Entry]] = {}  # supervisor -> calls waiting for them
        self._closing = Closing(clock)
        self._seq = 0
        self._pending: set[str] = set()
        self._pending_sup: set[str] = set()
        self._dispatching = False
        self.roster = Roster(
            self.journal,
            clock,
            config.acd.stuck_after_s,
            freed=self._agent_free,
            withdraw=self._withdraw,
        )
        self._agents = self.roster.agents  # the same dict: read by dispatch and snapshot
        self._load(config)

    # --- lookups ------------------------------------------------------------------

    def _queue(self, name: str) -> QueueState:
        q = self._queues.get(name)
        if q is None or q.removed:
            known = (n for n, x in self._queues.items() if not x.removed)
            raise ValueError(f"unknown queue {name!r} ({expected(known)})")
        return q

    # --- agents -------------------------------------------------------------------

    def attach(self, agent: str, endpoint: AgentEndpoint) -> None:
        """Where ``agent``'s offers ring. Only attached agents are offered calls."""
        a = self.roster.get(agent)
        a.endpoint = endpoint
        self._agent_free(a)

    def login(self, agent: str, station: str | None = None, *, ready: bool = True) -> None:
        """Log ``agent`` in (at ``station``, default their home station): ready, or
        paused with reason 'login' until :meth:`set_ready`."""
        a = self.roster.get(agent)
        if a.state != LOGGED_OUT:
            raise AcdError(f"agent {agent!r} is already logged in (state {a.state})")
        a.station = station if station is not None else a.config.station
        a.answered = a.missed = 0
        a.idle_since = self.clock.now()
        self.journal.append(AGENT_LOGGED_IN, agent=agent, station=a.station)
        if ready:
            self.roster.to_ready(a)
        else:
            self.roster.to_paused(a, LOGIN_PAUSE)

    def logout(self, agent: str) -> None:
        """Log ``agent`` out; on a call, once that call ends. A ringing offer goes to
        the next agent."""
        a = self.roster.get(agent, removed_ok=True)
        if a.state == LOGGED_OUT:
            raise AcdError(f"agent {agent!r} is not logged in")
        if a.state == ON_CALL:
            a.after_call = LOGOUT
            return
        with self._batch():
            self.roster.logout_now(a)

    def set_ready(self, agent: str) -> None:
        """Paused or in wrap-up -> ready (ends a wrap-up early). On a call: cancels a
        pause asked for during it. Already ready: nothing."""
        a = self.roster.get(agent)
        if a.state == READY:
            return
        if a.state == ON_CALL and a.after_call not in (None, LOGOUT):
            a.after_call = None
            return
        if a.state not in (PAUSED, WRAP_UP):
            raise AcdError(f"agent {agent!r} cannot become ready while {a.state}")
        self.roster.end_wrap(a)
        self.roster.to_ready(a)

    def pause(self, agent: str, reason: str) -> None:
        """Pause ``agent`` with ``reason`` (one of acd.pause_reasons). Ringing: the
        offer goes to the next agent (not a miss). Wrap-up: ends it. On a call: after
        the call (and its wrap-up)."""
        reasons = self.config.acd.pause_reasons
        if reason not in reasons:
            raise ValueError(f"pause reason {reason!r} is not one of {', '.join(reasons)}")
        a = self.roster.get(agent)
        if a.state == LOGGED_OUT:
            raise AcdError(f"agent {agent!r} is not logged in, so cannot pause")
        if a.state == ON_CALL:
            if a.after_call != LOGOUT:
                a.after_call = reason
            return
        with self._batch():
            if a.state == OFFERED:
                self._withdraw(a)
            self.roster.end_wrap(a)
            self.roster.to_paused(a, reason)

    def agent_answer(self, agent: str) -> None:
        """The agent picked up the call offered to them."""
        a = self.roster.get(agent)
        if a.state != OFFERED or a.entry is None:
            raise AcdError(f"agent {agent!r} has no call ringing (state {a.state})")
        self._answer(a.entry, a)

    def agent_hangup(self, agent: str) -> None:
        """The agent ends their call: ``engine.end(call, "agent")``; wrap-up follows."""
        a = self.roster.get(agent, removed_ok=True)
        if a.state != ON_CALL or a.entry is None:
            raise AcdError(f"agent {agent!r} is not on a call (state {a.state})")
        self.engine.end(a.entry.call, "agent")

    def take_back(self, agent: str, reason: str, *, to_supervisor: bool = True) -> Call | None:
        """Take ``agent``'s call away: the caller back at the head of its queue (or rung
        at a ready supervisor), ``agent`` paused with ``reason`` (a configured one, or
        'panic' / 'headset lost'). The call taken, or None if none was on the line.
        See :mod:`firmware.acd.takeback`."""
        return take_back(self, agent, reason, to_supervisor=to_supervisor)

    def transfer(self, agent: str, queue: str) -> Call:
        """``agent`` hands their caller to the head of ``queue`` and wraps up; AcdError if
        not on a call or ``queue`` is closed. See :mod:`firmware.acd.transfer`."""
        return transfer(self, agent, queue)

    def _agent_free(self, a: AgentState) -> None:
        """``a`` may take a call now (roster callback): dispatch their queues."""
        self._kick(a.config.queues, a.name)

    def _withdraw(self, a: AgentState) -> None:
        """Stop ``a``'s offer (not a miss); the call rings on elsewhere or waits again.
        ``a`` is left ready, without an event: the caller sets their next state."""
        entry = a.entry
        assert entry is not None
        entry.ringing.remove(a.name)
        self.roster.tell(a, "cancel_offer", entry.call)
        self.roster.free(a)
        if not entry.ringing:
            if entry.ring_timer is not None:
                entry.ring_timer.cancel()
                entry.ring_timer = None
            self._back_to_waiting(entry)

    # --- calls ----------------------------------------------------------------------

    async def enqueue(self, call: Call, queue: str) -> QueueOutcome:
        """Queue ``call`` in ``queue``; return once it leaves the queue: answered,
        overflowed, closed, or ended (the caller hung up)."""
        q = self._queue(queue)
        if call.call_id in self._entries:
            raise AcdError(f"call {call.call_id!r} is already queued")
        if call.ended:
            return QueueOutcome(ENDED)
        now = self.clock.now()
        self._seq += 1
        loop = asyncio.get_running_loop()
        entry = Entry(call, q.name, 0, self._seq, now, now, loop.create_future())
        self._entries[call.call_id] = entry
        entry.forget = call.on_end(self._on_call_end)
        outcome = self._enter(entry, q)
        if outcome is not None:
            self._finish(entry, outcome)
        try:
            return await entry.future
        except asyncio.CancelledError:
            if entry.state != DONE and entry.state != TALKING:
                self._take_out(entry)
                self._finish(entry, QueueOutcome(ENDED))
            raise

    def _enter(self, entry: Entry, q: QueueState) -> QueueOutcome | None:
        """Put ``entry`` in ``q``; or the outcome if it may not wait there."""
        if self._closed(q):
            return closed_outcome(q)
        entry.visited.add(q.name)
        cfg = q.config
        if cfg.max_length is not None and len(q.waiting) >= cfg.max_length:
            return self._overflow(entry, q, "max_length")
        call = entry.call
        now = self.clock.now()
        entry.queue, entry.entered, entry.state = q.name, now, WAITING
        entry.priority = call_priority(call, cfg)
        entry.widened = q.is_skills and cfg.widen_after_s == 0
        entry.missed_by.clear()
        self._placed(entry, q, q.waiting.add(entry))
        if cfg.max_wait_s is not None:
            entry.wait_timer = self.clock.call_later(cfg.max_wait_s, self._max_wait, entry)
        if q.is_skills and not entry.widened:
            entry.widen_timer = self.clock.call_later(cfg.widen_after_s, self._widen, entry)
        self._start_announcer(entry)
        self._kick((q.name,))
        return None

    def _placed(self, entry: Entry, q: QueueState, i: int) -> None:
        """``entry`` now waits at index ``i`` of ``q``: journaled, those behind it
        renumbered, its hold music (re)started."""
        call = entry.call
        entry.position = i + 1
        self.journal.append(
            CALL_QUEUED,
            call_id=call.call_id,
            queue=q.name,
            priority=entry.priority,
            position=entry.position,
        )
        self._journal_positions(q, i + 1)
        if entry.holding:
            call.media.stop_hold()
        call.media.start_hold(q.config.hold_music, call.lang)
        entry.holding = True

    def _journal_positions(self, q: QueueState, start: int) -> None:
        """POSITION_CHANGED for every caller from index ``start`` whose place moved."""
        for i, e in enumerate(q.waiting.from_index(start), start + 1):
            if e.position != i:
                e.position = i
                self.journal.append(
                    POSITION_CHANGED, call_id=e.call.call_id, queue=q.name, position=i
                )

    def _take_out(self, entry: Entry) -> None:
        """Remove a waiting/ringing entry from wherever it waits; free its agents."""
        entry.cancel_timers()
        self._stop_announcer(entry)
        freed = []
        for name in entry.ringing:
            a = self._agents[name]
            self.roster.tell(a, "cancel_offer", entry.call)
            self.roster.free(a)
            freed.append(a)
        entry.ringing = []
        if entry.supervisor is not None:
            waiting = self._escalated.get(entry.supervisor)
            if waiting is not None and entry in waiting:
                waiting.remove(entry)
        else:
            q = self._queues[entry.queue]
            if entry in q.waiting:
                self._journal_positions(q, q.waiting.remove(entry))
        for a in freed:
            self._kick(a.config.queues, a.name)

    def _finish(self, entry: Entry, outcome: QueueOutcome) -> None:
        """The ACD is done with ``entry``: hold off, listener gone, enqueue returns."""
        if entry.holding:
            entry.holding = False
            entry.call.media.stop_hold()
        entry.state = DONE
        if entry.forget is not None:
            entry.forget()
            entry.forget = None
        self._entries.pop(entry.call.call_id, None)
        if not entry.future.done():
            entry.future.set_result(outcome)

    def _on_call_end(self, call: Call) -> None:
        entry = self._entries.get(call.call_id)
        if entry is None:
            return
        if entry.state == TALKING:
            self._talk_ended(entry)
            return
        if call.ended_by == "caller":
            self.journal.append(
                CALL_ABANDONED,
                call_id=call.call_id,
                queue=entry.queue,
                wait_s=round(self.clock.now() - entry.first_enqueued, 3),
            )
        entry.forget = None  # the call ran its listeners already
        self._take_out(entry)
        self._finish(entry, QueueOutcome(ENDED))

    def _answer(self, entry: Entry, a: AgentState) -> None:
        now = self.clock.now()
        entry.cancel_timers()
        self._stop_announcer(entry)
        others = [self._agents[n] for n in entry.ringing if n != a.name]
        entry.ringing = []
        q = self._queues[entry.queue]
        index = None
        if entry.supervisor is None and entry in q.waiting:
            index = q.waiting.remove(entry)
        entry.state, entry.agent, entry.answered_at = TALKING, a.name, now
        a.missed = 0
        a.answered += 1
        self.roster.set_state(a, ON_CALL)
        call = entry.call
        self.journal.append(CALL_ANSWERED, call_id=call.call_id, agent=a.name, queue=q.name)
        if index is not None:
            self._journal_positions(q, index)
        if entry.holding:
            entry.holding = False
            call.media.stop_hold()
        for b in others:
            self.roster.tell(b, "cancel_offer", call)
            self.roster.free(b)
        self.roster.tell(a, "connect", call)
        if not entry.future.done():
            entry.future.set_result(QueueOutcome(ANSWERED, agent=a.name))
        for b in others:
            self._kick(b.config.queues, b.name)

    def _talk_ended(self, entry: Entry) -> None:
        """The answered call ended (either side): disconnect, then wrap-up."""
        now = self.clock.now()
        self._entries.pop(entry.call.call_id, None)
        entry.state, entry.forget = DONE, None
        a = self._agents.get(entry.agent or "")
        if a is None or a.entry is not entry:
            return
        self.roster.tell(a, "disconnect", entry.call)
        a.entry = None
        a.idle_since = now
        q = self._queues[entry.queue]  # queues are never forgotten, only marked removed
        talk_s = now - entry.answered_at
        self.roster.start_wrap(a, entry.call.call_id, q.config.wrapup_s, talk_s, q.handle)

    # --- offers, timeouts, overflow ----------------------------------------------------

    def _offer(self, entry: Entry, agents: list[AgentState]) -> None:
        q = self._queues[entry.queue]
        entry.state = RINGING
        entry.ringing = [a.name for a in agents]
        self._stop_announcer(entry)
        for a in agents:
            if a.state == WRAP_UP:  # a supervisor called to an escalated call
                self.roster.end_wrap(a)
            a.entry = entry
            self.roster.set_state(a, OFFERED)
        if entry.supervisor is None:
            q.rr_last = agents[-1].name
        entry.ring_timer = self.clock.call_later(q.config.ring_timeout_s, self._ring_timeout, entry)
        call = entry.call
        for a in agents:
            self.journal.append(CALL_OFFERED, call_id=call.call_id, agent=a.name, queue=q.name)
        for a in agents:
            # An earlier endpoint may have answered already (simulated agents do).
            if a.entry is entry and a.state == OFFERED:
                self.roster.tell(a, "offer", call)

    def _ring_timeout(self, entry: Entry) -> None:
        entry.ring_timer = None
        if entry.state != RINGING:
            return
        with self._batch():
            self._rang_out(entry)

    def _rang_out(self, entry: Entry) -> None:
        missed = [self._agents[n] for n in entry.ringing]
        entry.ringing = []
        for a in missed:
            self.roster.tell(a, "cancel_offer", entry.call)
            entry.missed_by.add(a.name)
            self.roster.missed(a, self.config.acd)
        self._back_to_waiting(entry)
        for a in missed:
            self._agent_free(a)

    def _back_to_waiting(self, entry: Entry) -> None:
        """An offer ended unanswered: the call keeps its place and waits again."""
        if entry.supervisor is not None:
            entry.state = SUPERVISOR
            self._escalated.setdefault(entry.supervisor, deque()).appendleft(entry)
            self._kick((), entry.supervisor)
            return
        entry.state = WAITING
        self._start_announcer(entry)
        self._kick((entry.queue,))

    def _max_wait(self, entry: Entry) -> None:
        entry.wait_timer = None
        if entry.state not in (WAITING, RINGING) or entry.supervisor is not None:
            return
        q = self._queues[entry.queue]
        self._take_out(entry)
        outcome = self._overflow(entry, q, "max_wait")
        if outcome is not None:
            self._finish(entry, outcome)

    def _widen(self, entry: Entry) -> None:
        entry.widen_timer = None
        q = self._queues[entry.queue]
        if entry.supervisor is None and entry in q.waiting:
            q.waiting.widen(entry)
            self._kick((q.name,))

    def _overflow(self, entry: Entry, q: QueueState, reason: str) -> QueueOutcome | None:
        """``entry`` (in no list) leaves ``q`` by its overflow rule; the outcome for
        enqueue, or None if it waits on (another queue, a supervisor)."""
        action, target = overflow_rule(q, entry.visited, self._queues, entry.call.call_id)
        call_id = entry.call.call_id
        self.journal.append(
            CALL_OVERFLOWED,
            call_id=call_id,
            queue=q.name,
            action=action,
            target=target,
            reason=reason,
        )
        if action == "queue":
            assert target is not None
            self.journal.append(CALL_TRANSFERRED, call_id=call_id, to=target, reason="overflow")
            return self._enter(entry, self._queues[target])
        if action == "supervisor":
            assert target is not None
            entry.supervisor, entry.state = target, SUPERVISOR
            entry.priority = SUPERVISOR_PRIORITY
            self._escalated.setdefault(target, deque()).append(entry)
            self._kick((), target)
            return None
        return QueueOutcome(OVERFLOW, action=action, target=target)

    # --- dispatch ---------------------------------------------------------------------

    def _kick(self, queues: Iterable[str], supervisor: str | None = None) -> None:
        """Match waiting callers of ``queues`` (and escalations to ``supervisor``) with
        idle agents, now — or right after the dispatch already running."""
        self._pending.update(queues)
        if supervisor is not None and supervisor in self._escalated:
            self._pending_sup.add(supervisor)
        if self._dispatching:
            return
        self._dispatching = True
        try:
            while self._pending or self._pending_sup:
                if self._pending_sup:
                    self._serve_supervisor(self._pending_sup.pop())
                    continue
                names, self._pending = self._pending, set()
                self._dispatch(names)
        finally:
            self._dispatching = False

    @contextmanager
    def _batch(self) -> Iterator[None]:
        """Hold dispatch until the block is done: an agent moving ready -> paused in two
        steps must not be offered a call in between."""
        if self._dispatching:
            yield
            return
        self._dispatching = True
        try:
            yield
        finally:
            self._dispatching = False
        self._kick(())

    def _dispatch(self, names: Iterable[str]) -> None:
        qs = [q for n in names if (q := self._queues.get(n)) is not None]
        while True:
            best = None
            for q in qs:
                found = first_match(q, self._agents)
                if found is not None and (best is None or found[0].key < best[0].key):
                    best = found
            if best is None:
                return
            entry, cands = best
            q = self._queues[entry.queue]
            self._offer(entry, STRATEGIES[q.config.strategy](cands, q, self.rng))

    def _serve_supervisor(self, name: str) -> None:
        waiting = self._escalated.get(name)
        a = self._agents.get(name)
        if not waiting or a is None or a.endpoint is None or a.state not in (READY, WRAP_UP):
            return
        self._offer(waiting.popleft(), [a])

    # --- announcements ------------------------------------------------------------------

    def _start_announcer(self, entry: Entry) -> None:
        cfg = self._queues[entry.queue].config
        if cfg.announce_every_s > 0 and entry.announcer is None:
            entry.announcer = asyncio.get_running_loop().create_task(
                announce(entry.call, cfg, self.clock, lambda: self._status(entry))
            )

    def _stop_announcer(self, entry: Entry) -> None:
        if entry.announcer is not None:
            entry.announcer.cancel()
            entry.announcer = None

    def _status(self, entry: Entry) -> tuple[int | None, float | None]:
        """(position, expected wait) of a waiting caller, for its announcement."""
        q = self._queues[entry.queue]
        if entry.supervisor is not None or entry not in q.waiting:
            return None, None
        position = q.waiting.position(entry)
        return position, ewt_s(position, staffed(q, self._agents), q.handle.mean())

    # --- admin ----------------------------------------------------------------------------

    def set_night_mode(self, on: bool, queue: str | None = None) -> None:
        """Close (``on``) or reopen ``queue`` by hand (None: every queue). Callers
        already waiting stay and are served; new ones get the closed outcome."""
        if queue is not None:
            self._queue(queue)
        self._closing.set_night_mode(on, queue, self._queues)

    def _closed(self, q: QueueState) -> bool:
        return self._closing.is_closed(q, self.config)

    def reconfigure(self, config: Config) -> None:
        """Apply a new (validated) config. Calls in progress keep going: a removed
        agent is logged out after their current call, a removed queue serves the
        callers still in it; changed queue settings apply to the next caller/offer."""
        self.config = config
        self.roster.watchdog.stuck_after_s = config.acd.stuck_after_s
        with self._batch():
            self._load(config)
            self._pending.update(self._queues)

    def _load(self, config: Config) -> None:
        for name, qcfg in config.queues.items():
            q = self._queues.get(name)
            if q is None:
                self._queues[name] = QueueState(name, qcfg)
            else:
                q.config, q.removed = qcfg, False
        for name, q in self._queues.items():
            if name in config.queues:
                q.members = [n for n, acfg in config.agents.items() if name in acfg.queues]
            else:  # keeps serving its callers with the members still configured
                q.removed = True
                q.members = [n for n in q.members if n in config.agents]
        self.roster.load(config.agents)
        for name in [n for n in self._escalated if n not in self._agents]:
            # Their supervisor is gone: back to the queue they overflowed from.
            for entry in self._escalated.pop(name):
                entry.supervisor = None
                outcome = self._enter(entry, self._queues[entry.queue])
                if outcome is not None:
                    self._finish(entry, outcome)

    def snapshot(self) -> dict:
        """Queues (waiting callers, longest wait, expected wait, closed?) and agents
        (state, since, call), JSON-shaped; see docs/acd.md."""
        return snapshot(self._queues, self._agents, self._escalated, self.clock, self._closed)
