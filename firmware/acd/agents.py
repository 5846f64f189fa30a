"""One agent as the ACD tracks them: state, the call they ring or talk on, counters."""

from __future__ import annotations

from dataclasses import dataclass

from firmware.clock import Timer
from firmware.config.agents import Agent as AgentConfig

from .api import LOGGED_OUT, AgentEndpoint
from .ewt import HandleTimes
from .waiting import Entry


@dataclass(eq=False, slots=True)
class AgentState:
    name: str
    config: AgentConfig
    endpoint: AgentEndpoint | None = None
    state: str = LOGGED_OUT
    since: float = 0.0  # clock.now() the state began
    reason: str | None = None  # pause reason
    station: str | None = None
    entry: Entry | None = None  # the call ringing them or on the line with them
    answered: int = 0  # calls answered since login (fewest-calls)
    missed: int = 0  # offers let ring out in a row
    idle_since: float = 0.0  # end of their last call, or login (longest-idle)
    wrap_timer: Timer | None = None
    wrap_started: float = 0.0
    wrap_handle: HandleTimes | None = None  # the handle time the wrap-up counts to
    wrap_talk: float = 0.0  # talk seconds of the call being wrapped up
    after_call: str | None = None  # on a call: roster.LOGOUT or a pause reason, for after
    removed: bool = False  # gone from the config: forgotten once logged out

    def skill_score(self, required: dict[str, int]) -> int:
        """Summed level over the required skills (missing ones count 0)."""
        skills = self.config.skills
        return sum(skills.get(s, 0) for s in required)

    def qualifies(self, required: dict[str, int]) -> bool:
        """Every required skill at or above its level."""
        skills = self.config.skills
        return all(skills.get(s, 0) >= level for s, level in required.items())
