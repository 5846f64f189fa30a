"""The demo's operators: one endpoint per agent of the config, logged in at the start.

The seam for real desks: an operator is anything the ACD accepts as an
:class:`firmware.acd.api.AgentEndpoint`, made by an :data:`OperatorFactory`. The demo's
default factory makes a :class:`firmware.simulate.people.SimAgent` (picks up after
~2 s, talks 8-20 s, hangs up through the ACD as a station's button would). A real
station (headset and panel) takes an agent's place by being what the factory returns
for that agent; nothing else here changes.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from ..acd import Acd
from ..acd.api import AcdError, AgentEndpoint
from ..call import Call
from ..clock import Clock, Timer
from ..simulate.people import SimAgent

log = logging.getLogger(__name__)

#: (agent login) -> the endpoint the ACD rings for that agent.
OperatorFactory = Callable[[str], AgentEndpoint]

ANSWER_AFTER_S = 2.0
TALK_S = (8.0, 20.0)
PAUSE_REASON = "break"


def simulated_operators(
    acd: Acd,
    clock: Clock,
    rng: random.Random,
    on_connect: Callable[[Call], None] | None = None,
) -> OperatorFactory:
    """Simulated people: pick up after :data:`ANSWER_AFTER_S`, talk a uniform
    :data:`TALK_S`; ``on_connect(call)`` when one starts talking."""

    def make(agent: str) -> AgentEndpoint:
        return SimAgent(
            agent,
            acd,
            clock,
            lambda: rng.uniform(*TALK_S),
            on_connect=on_connect,
            answer_delay_s=ANSWER_AFTER_S,
        )

    return make


class Office:
    """The operators of ``agents``: attached and logged in by :meth:`start`; one of them
    (``on_break``) takes a break from ``break_at[0]`` to ``break_at[1]`` seconds."""

    def __init__(
        self,
        acd: Acd,
        clock: Clock,
        agents: list[str],
        make_operator: OperatorFactory,
        *,
        on_break: str | None = None,
        break_at: tuple[float, float] = (0.0, 0.0),
    ) -> None:
        if on_break is not None and on_break not in agents:
            raise ValueError(f"on_break: {on_break!r} is not one of the agents {agents}")
        self.acd, self.clock, self.agents = acd, clock, list(agents)
        self.make_operator = make_operator
        self.on_break, self.break_at = on_break, break_at
        self.endpoints: dict[str, AgentEndpoint] = {}
        self._timers: list[Timer] = []

    def start(self) -> None:
        for agent in self.agents:
            self.endpoints[agent] = self.make_operator(agent)
            self.acd.attach(agent, self.endpoints[agent])
            self.acd.login(agent)
        if self.on_break is not None:
            start, end = self.break_at
            self._timers += [
                self.clock.call_later(start, self._pause, self.on_break),
                self.clock.call_later(end, self._back, self.on_break),
            ]

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def _pause(self, agent: str) -> None:
        try:
            self.acd.pause(agent, PAUSE_REASON)  # on a call: after it and its wrap-up
        except AcdError as exc:
            log.info("%s cannot take a break: %s", agent, exc)

    def _back(self, agent: str) -> None:
        try:
            self.acd.set_ready(agent)
        except AcdError as exc:
            log.info("%s cannot come back: %s", agent, exc)
