"""One call as the engine sees it, and the narrow interface to the caller's ear.

A :class:`Call` is what the IVR and the ACD pass around: who called on which line,
the language they chose, what they keyed in, their priority. How sound reaches the
caller and keys come back is :class:`CallMedia`'s business: a real line
(:mod:`firmware.media`) or a simulated caller (:mod:`firmware.simulate`) — the flow
and the queues cannot tell which.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class CallMedia(Protocol):
    """What the engine may do to a caller's audio. Every method is safe after the
    caller hung up (it then returns at once: no digit, no recording)."""

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        """Play ``prompt`` in ``lang``; return the digit that interrupted it (barge-in),
        or None when it played to the end (or the caller hung up)."""
        ...

    async def say_queue_status(self, position: int | None, wait_s: float | None, lang: str) -> None:
        """Tell a waiting caller their place in the queue and/or the expected wait."""
        ...

    async def next_digit(self, timeout_s: float) -> str | None:
        """The next key the caller presses (keys pressed earlier are buffered), or None
        after ``timeout_s`` without one."""
        ...

    def flush_digits(self) -> None:
        """Forget buffered keys (a new menu should not see the last one's)."""
        ...

    def start_hold(self, music: str | None, lang: str) -> None:
        """Loop ``music`` (a prompt; None: silence) until :meth:`stop_hold`."""
        ...

    def stop_hold(self) -> None: ...

    def last_voice(self) -> float | None:
        """Clock time the voice detector last heard the caller, None if never."""
        ...

    async def record(self, path: str, max_s: float) -> float:
        """Record the caller into ``path`` (WAV) until silence, a key, hang-up or
        ``max_s``; return the seconds recorded."""
        ...

    async def hangup(self) -> None:
        """End the call on the line (the engine has journaled it already)."""
        ...


@dataclass(eq=False)
class Call:
    """One call from arrival to end. Changed only on the event loop."""

    call_id: str
    line: str
    caller: str | None
    media: CallMedia
    lang: str
    flow: str | None = None
    priority: int = 0
    #: What the caller keyed in (``collect`` nodes) and other per-call facts.
    vars: dict[str, str] = field(default_factory=dict)
    #: Set once the call has ended (journaled): who ended it and why.
    ended_by: str | None = None
    end_reason: str | None = None
    _on_end: list[Callable[[Call], None]] = field(default_factory=list, repr=False)

    @property
    def ended(self) -> bool:
        return self.ended_by is not None

    def on_end(self, callback: Callable[[Call], None]) -> Callable[[], None]:
        """Run ``callback(call)`` when the call ends — before ``call_ended`` is
        journaled, so it may journal the call's last events. Returns a function that
        forgets the callback."""
        self._on_end.append(callback)

        def forget() -> None:
            if callback in self._on_end:
                self._on_end.remove(callback)

        return forget

    def _ended(self, by: str, reason: str | None) -> list[Callable[[Call], None]]:
        self.ended_by, self.end_reason = by, reason
        callbacks, self._on_end = self._on_end, []
        return callbacks
