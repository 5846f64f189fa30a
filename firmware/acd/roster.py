"""The agents: lookups, state changes and the events they journal, wrap-up timers, the
missed-offers pause, the endpoints.

What an agent's change means for calls is the ACD's business, reached through two
callbacks: ``freed(agent)`` when an agent may take a call (dispatch), and
``withdraw(agent)`` when an agent leaves while a call rings them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from firmware.call import Call
from firmware.clock import Clock
from firmware.config.agents import Acd as AcdConfig
from firmware.config.agents import Agent as AgentConfig
from firmware.journal import (
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
    ALARM,
    ALARM_CLEARED,
    Journal,
)

from .agents import AgentState
from .api import LOGGED_OUT, OFFERED, ON_CALL, PAUSED, READY, WRAP_UP
from .ewt import HandleTimes
from .watchdog import Watchdog

log = logging.getLogger(__name__)

#: ``after_call`` marker: log out when the call ends (else it holds a pause reason).
LOGOUT = "\0logout"


def expected(names: Iterable[str]) -> str:
    names = sorted(names)
    return f"expected one of {', '.join(names)}" if names else "none are configured"


class Roster:
    def __init__(
        self,
        journal: Journal,
        clock: Clock,
        stuck_after_s: float,
        *,
        freed: Callable[[AgentState], None],
        withdraw: Callable[[AgentState], None],
    ) -> None:
        self.journal = journal
        self.clock = clock
        self.agents: dict[str, AgentState] = {}
        self.watchdog = Watchdog(journal, clock, stuck_after_s)
        self._freed = freed
        self._withdraw = withdraw
        self._missed_alarms: set[str] = set()

    def get(self, name: str, *, removed_ok: bool = False) -> AgentState:
        """The agent ``name``; one removed by a reload (still on a call) only if
        ``removed_ok``: they may still hang up or log out. ValueError otherwise."""
        a = self.agents.get(name)
        if a is None or (a.removed and not removed_ok):
            known = (n for n, x in self.agents.items() if not x.removed)
            raise ValueError(f"unknown agent {name!r} ({expected(known)})")
        return a

    def load(self, configs: Mapping[str, AgentConfig]) -> None:
        """Apply the ``[agents]`` of a (new) config: new agents start logged out,
        changed ones keep their state, removed ones are logged out (after their call)."""
        for name, cfg in configs.items():
            a = self.agents.get(name)
            if a is None:
                self.agents[name] = AgentState(name, cfg)
            else:
                a.config, a.removed = cfg, False
        for a in list(self.agents.values()):
            if a.name in configs:
                continue
            a.removed = True
            if a.state == LOGGED_OUT:
                del self.agents[a.name]
            elif a.state == ON_CALL:
                a.after_call = LOGOUT  # once the call ends
            else:
                self.logout_now(a)

    # --- state changes ----------------------------------------------------------------

    def set_state(self, a: AgentState, state: str, reason: str | None = None) -> None:
        """Change state without an event (ringing and talking have none of their own)."""
        a.state, a.reason, a.since = state, reason, self.clock.now()
        self.watchdog.changed(a.name, state)

    def to_ready(self, a: AgentState) -> None:
        a.after_call = None
        self.set_state(a, READY)
        self.journal.append(AGENT_READY, agent=a.name)
        self._clear_missed_alarm(a)
        self._freed(a)

    def to_paused(self, a: AgentState, reason: str) -> None:
        a.after_call = None
        self.set_state(a, PAUSED, reason)
        self.journal.append(AGENT_PAUSED, agent=a.name, reason=reason)

    def free(self, a: AgentState) -> None:
        """Back to ready without an event: an offer that ended unanswered. The caller
        of this dispatches (``freed``) once everything has moved."""
        a.entry = None
        self.set_state(a, READY)

    def logout_now(self, a: AgentState) -> None:
        if a.state == OFFERED:
            self._withdraw(a)
        elif a.state == WRAP_UP:
            self.end_wrap(a)
        a.after_call = None
        self.set_state(a, LOGGED_OUT)
        self.journal.append(AGENT_LOGGED_OUT, agent=a.name)
        self._clear_missed_alarm(a)
        if a.removed:
            del self.agents[a.name]

    # --- wrap-up ----------------------------------------------------------------------

    def start_wrap(
        self, a: AgentState, call_id: str, seconds: float, talk_s: float, handle: HandleTimes
    ) -> None:
        """The call just ended: wrap up for ``seconds`` (0: none), then what was asked
        during the call (pause, log out), else ready. ``talk_s`` plus the wrap-up
        counts in ``handle`` (the queue's recent handle time)."""
        a.wrap_handle, a.wrap_talk, a.wrap_started = handle, talk_s, self.clock.now()
        if seconds > 0 and a.after_call != LOGOUT:
            self.set_state(a, WRAP_UP)
            self.journal.append(AGENT_WRAP_UP, agent=a.name, call_id=call_id, seconds=seconds)
            a.wrap_timer = self.clock.call_later(seconds, self._wrap_done, a)
        else:
            self._after_wrap(a)

    def end_wrap(self, a: AgentState) -> None:
        """Wrap-up over (timer, or cut short): count talk + wrap in the queue's AHT."""
        if a.wrap_timer is not None:
            a.wrap_timer.cancel()
            a.wrap_timer = None
        if a.wrap_handle is not None:
            a.wrap_handle.add(a.wrap_talk + self.clock.now() - a.wrap_started)
            a.wrap_handle = None

    def _wrap_done(self, a: AgentState) -> None:
        a.wrap_timer = None
        if a.state == WRAP_UP:
            self._after_wrap(a)

    def _after_wrap(self, a: AgentState) -> None:
        self.end_wrap(a)
        then = a.after_call
        if then == LOGOUT:
            self.logout_now(a)
        elif then is not None:
            self.to_paused(a, then)
        else:
            self.to_ready(a)

    # --- offers -----------------------------------------------------------------------

    def missed(self, a: AgentState, rules: AcdConfig) -> None:
        """``a`` let an offer ring out: back to ready, or paused with an alarm after
        ``max_missed_offers`` in a row."""
        a.missed += 1
        if a.missed < rules.max_missed_offers:
            self.free(a)
            return
        a.entry = None
        self.to_paused(a, rules.missed_pause_reason)
        self._missed_alarms.add(a.name)
        self.journal.append(
            ALARM,
            name=f"agent-missed:{a.name}",
            severity="warning",
            message=f"agent {a.name} let {a.missed} offers in a row ring out; "
            f"paused ({rules.missed_pause_reason})",
            agent=a.name,
        )

    def _clear_missed_alarm(self, a: AgentState) -> None:
        if a.name in self._missed_alarms:
            self._missed_alarms.discard(a.name)
            self.journal.append(ALARM_CLEARED, name=f"agent-missed:{a.name}")

    def tell(self, a: AgentState, what: str, call: Call) -> None:
        """Call an endpoint method; a broken station must not break the ACD."""
        if a.endpoint is None:
            return
        try:
            getattr(a.endpoint, what)(call)
        except Exception:
            log.exception("agent %s: endpoint %s(%s) failed", a.name, what, call.call_id)
