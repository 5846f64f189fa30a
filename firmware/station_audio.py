"""How a station's headset bridge reaches the caller's audio.

The bridge needs two things of a call: the caller's 8 kHz frames as they arrive (its
:meth:`~firmware.audio.bridge.Bridge.line_frame`, which is what paces it) and a way
to send one frame back per frame heard. :class:`CallAudio` is that, and
:func:`call_audio` finds it for a call's media:

a media that has ``listen(sink) -> remover`` and ``send(frame)`` (a real line's
:class:`~firmware.media.LineMedia`, or a simulated caller) is used as it is; one
without them carries no sound (``hotline simulate``).

Everything here runs on the event loop: line drivers deliver audio on the loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

log = logging.getLogger("hotline.station")

FrameSink = Callable[[np.ndarray], Any]


class CallAudio(Protocol):
    def listen(self, sink: FrameSink) -> Callable[[], None]:
        """Hand every frame from the caller to ``sink`` too; returns a remover."""
        ...

    def send(self, frame: np.ndarray) -> None:
        """One 8 kHz int16 frame (160 samples) to the caller; never blocks."""
        ...


def call_audio(media: Any) -> CallAudio | None:
    """The :class:`CallAudio` of a call's media, or None when it carries no sound
    (a simulated caller in ``hotline simulate``)."""
    if callable(getattr(media, "listen", None)) and callable(getattr(media, "send", None)):
        return media
    return None
