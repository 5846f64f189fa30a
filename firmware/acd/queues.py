"""One queue at run time: its config, members, waiting callers and recent handle time."""

from __future__ import annotations

from firmware.config.queues import Queue as QueueConfig

from .ewt import HandleTimes
from .waiting import WaitingList


class QueueState:
    __slots__ = ("config", "handle", "members", "name", "removed", "rr_last", "waiting")

    def __init__(self, name: str, config: QueueConfig) -> None:
        self.name = name
        self.config = config
        self.members: list[str] = []  # agents whose `queues` name it, in config order
        self.rr_last: str | None = None  # round-robin memory
        self.waiting = WaitingList()
        self.handle = HandleTimes()
        #: Gone from the config: takes no new callers, serves those still waiting.
        self.removed = False

    @property
    def skills(self) -> dict[str, int]:
        return self.config.skills

    @property
    def is_skills(self) -> bool:
        return self.config.strategy == "skills"
