"""Expected wait time, and the recent handle time it is built on."""

from __future__ import annotations

from collections import deque

#: Handle time assumed before a queue has answered any call.
DEFAULT_AHT_S = 180.0
#: How many recent calls the handle time is averaged over.
RECENT_CALLS = 20


def ewt_s(position: int, staffed: int, aht_s: float) -> float | None:
    """Seconds a caller at ``position`` (1 = next) can expect to wait.

    ``position * aht_s / staffed``: ahead of the caller, and including them, are
    ``position`` calls; ``staffed`` agents (logged in, not paused) each finish one call
    every ``aht_s`` seconds (talk + wrap-up) on average, so the queue moves one place
    every ``aht_s / staffed`` seconds. It ignores how far the calls in progress are
    (on average half done, which this over-estimates) and agents' other queues: a
    caller told "about 4 minutes" who waits 3 is pleased, one who waits 5 is not.
    None when nobody is staffed: there is no honest figure to give.
    """
    if staffed <= 0 or position <= 0:
        return None
    return position * aht_s / staffed


class HandleTimes:
    """Mean talk + wrap-up of a queue's last :data:`RECENT_CALLS` answered calls (O(1))."""

    __slots__ = ("_recent", "_sum")

    def __init__(self) -> None:
        self._recent: deque[float] = deque()
        self._sum = 0.0

    def add(self, seconds: float) -> None:
        self._recent.append(seconds)
        self._sum += seconds
        if len(self._recent) > RECENT_CALLS:
            self._sum -= self._recent.popleft()

    def mean(self, default: float = DEFAULT_AHT_S) -> float:
        return self._sum / len(self._recent) if self._recent else default

    def __len__(self) -> int:
        return len(self._recent)
