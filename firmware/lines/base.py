"""The one interface the call engine uses for every kind of phone line.

A driver **must**:

* do nothing in its constructor but store its configuration; ``start()`` opens
  the hardware and initialises it, ``stop()`` releases everything;
* report every change through ``emit`` (events from ``firmware.lines.events``),
  with its line id and the clock's time, on the event loop thread;
* deliver call audio as 8 kHz int16 frames of 160 samples (20 ms) to ``on_audio``
  while audio is started, and accept the same from ``play()``;
* turn every failure of its hardware into events (``StateChanged(DOWN, reason)``,
  ``Alarm``, ``CallEnded(by="line")``) — never an exception that escapes into the
  loop, and never a blocked loop;
* report DTMF the modem detects itself (``source="modem"``); when the modem does
  not, the line runs the DSP core on the call audio (``source="dsp"``).

A driver **may** override ``send_dtmf`` and ``flash`` where the hardware can.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np

from ..clock import Clock, RealClock
from .events import LineEvent, LineState, StateChanged

FRAME_SAMPLES = 160  # 20 ms at 8 kHz

EventSink = Callable[[LineEvent], None]
AudioSink = Callable[[np.ndarray], None]


class LineError(Exception):
    """An action the line cannot do now (no call to hang up, line down, …)."""


class LineDriver(ABC):
    """Base of every line driver: state, events and the actions the engine calls."""

    def __init__(
        self,
        line_id: str,
        *,
        on_event: EventSink | None = None,
        on_audio: AudioSink | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.line_id = line_id
        self.on_event = on_event or (lambda ev: None)
        self.on_audio = on_audio or (lambda frame: None)
        self.clock = clock or RealClock()
        self.state = LineState.DOWN
        self.log = logging.getLogger(f"hotline.lines.{line_id}")
        #: Sees every byte on the AT port, ('>' sent or '<' received, data): set it
        #: to a ``tracelog.TraceLog`` to capture a log for ``hotline modem replay``.
        self.trace: Callable[[str, bytes], None] | None = None

    def emit(self, event_type: type[LineEvent], **fields) -> LineEvent:
        """Build an event stamped with this line and the clock, and hand it on."""
        event = event_type(line=self.line_id, t=self.clock.now(), **fields)
        if isinstance(event, StateChanged):
            self.state = event.state
        try:
            self.on_event(event)
        except Exception:  # a consumer's bug must not take the line down
            self.log.exception("event consumer failed on %s", event)
        return event

    def set_state(self, state: LineState, reason: str | None = None) -> None:
        if state != self.state or reason:
            self.emit(StateChanged, state=state, reason=reason)

    # -- life cycle ---------------------------------------------------------------

    @abstractmethod
    async def start(self) -> None:
        """Open and initialise the hardware; the line ends READY or DOWN with a reason."""

    @abstractmethod
    async def stop(self) -> None:
        """Release the hardware; any call is ended."""

    # -- calls -------------------------------------------------------------------

    @abstractmethod
    async def answer(self) -> None:
        """Answer the ringing call."""

    @abstractmethod
    async def hangup(self) -> None:
        """End the call (or reject a ringing one)."""

    @abstractmethod
    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        """Call ``number``; return the progress result ('answered', 'busy', …)."""

    async def send_dtmf(self, digits: str) -> None:
        """Send DTMF digits on the call."""
        raise LineError(f"{self.line_id}: this line cannot send DTMF")

    # -- audio ------------------------------------------------------------------

    @abstractmethod
    async def start_audio(self) -> None:
        """Start exchanging audio frames for the call in progress."""

    @abstractmethod
    async def stop_audio(self) -> None:
        """Stop exchanging audio frames."""

    @abstractmethod
    def play(self, frame: np.ndarray) -> None:
        """Queue one 8 kHz int16 frame towards the caller (never blocks)."""

    async def reset(self) -> None:
        """Re-initialise the line from scratch."""
        await self.stop()
        await self.start()
