"""The stuck-agent alarm: an agent in one state (other than logged out or ready) for
longer than ``acd.stuck_after_s``.

One clock timer per agent, re-armed at each state change; no polling. Leaving the
state cancels the timer, and clears the alarm if it had fired.
"""

from __future__ import annotations

from firmware.clock import Clock, Timer
from firmware.journal import ALARM, ALARM_CLEARED, Journal

from .api import LOGGED_OUT, READY

_QUIET = (LOGGED_OUT, READY)


def alarm_name(agent: str) -> str:
    return f"agent-stuck:{agent}"


class Watchdog:
    def __init__(self, journal: Journal, clock: Clock, stuck_after_s: float) -> None:
        self.journal = journal
        self.clock = clock
        #: Applies from each agent's next state change (a reload does not re-arm).
        self.stuck_after_s = stuck_after_s
        self._timers: dict[str, Timer] = {}
        self._raised: set[str] = set()

    def changed(self, agent: str, state: str) -> None:
        """``agent`` entered ``state`` now."""
        timer = self._timers.pop(agent, None)
        if timer is not None:
            timer.cancel()
        if agent in self._raised:
            self._raised.discard(agent)
            self.journal.append(ALARM_CLEARED, name=alarm_name(agent))
        if state not in _QUIET:
            after = self.stuck_after_s
            self._timers[agent] = self.clock.call_later(after, self._fire, agent, state, after)

    def _fire(self, agent: str, state: str, after: float) -> None:
        self._timers.pop(agent, None)
        self._raised.add(agent)
        minutes = f"{after / 60:.4g}"
        self.journal.append(
            ALARM,
            name=alarm_name(agent),
            severity="warning",
            message=f"agent {agent} has been {state.replace('_', ' ')} for {minutes} minutes",
            agent=agent,
            state=state,
        )

    @property
    def raised(self) -> frozenset[str]:
        """Agents whose stuck alarm is on."""
        return frozenset(self._raised)
