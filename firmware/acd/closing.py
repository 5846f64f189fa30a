"""When a queue takes no new callers: outside its business hours (holidays included),
or closed by hand (night mode); and what the IVR is told to do instead."""

from __future__ import annotations

from collections.abc import Iterable

from firmware.clock import Clock
from firmware.config import Config
from firmware.schedule import is_open

from .api import CLOSED, QueueOutcome
from .queues import QueueState


class Closing:
    """Night-mode flags, and the business-hours check."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._all = False
        self._queues: set[str] = set()

    def set_night_mode(self, on: bool, queue: str | None, every: Iterable[str]) -> None:
        """Close (``on``) or reopen ``queue`` (None: all of ``every``, the known queues)."""
        if queue is None:
            self._all = on
            self._queues.clear()
        elif self._all and not on:  # reopen one: the others stay closed
            self._all = False
            self._queues = {n for n in every if n != queue}
        elif on:
            self._queues.add(queue)
        else:
            self._queues.discard(queue)

    def is_closed(self, q: QueueState, config: Config) -> bool:
        if self._all or q.name in self._queues:
            return True
        name = q.config.hours
        if name is None:
            return False
        schedule = config.hours.get(name)
        if schedule is None:  # a validated config names an existing schedule
            return False
        return not is_open(schedule, config.holidays.values(), self.clock.wall())


def closed_outcome(q: QueueState) -> QueueOutcome:
    """The overflow action if it is voicemail or callback (the IVR can do those for a
    closed queue too), else hang up."""
    ov = q.config.overflow
    if ov is not None and ov.action == "voicemail":
        return QueueOutcome(CLOSED, action="voicemail", target=ov.target or q.name)
    if ov is not None and ov.action == "callback":
        return QueueOutcome(CLOSED, action="callback")
    return QueueOutcome(CLOSED, action="hangup")
