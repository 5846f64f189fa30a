"""What every headset backend shares: the interface, the lock-free playback queue,
the error type. See :mod:`firmware.audio.headset`."""

from __future__ import annotations

import collections
import logging
from collections.abc import Callable
from typing import Protocol

import numpy as np

MicSink = Callable[[np.ndarray, float], None]
LostSink = Callable[[str], None]
BACKENDS = ("sounddevice", "pyaudio", "file")
PYAUDIO_MISSING = "pyaudio is not installed (pip install pyaudio; needs portaudio19-dev)"
log = logging.getLogger("hotline.audio.headset")


class HeadsetError(Exception):
    """The headset cannot be found, opened or used; the message says which and why."""


class Headset(Protocol):
    """What the bridge needs from a headset (see the module docstring)."""

    description: str
    rate: int
    underruns: int
    dropped_blocks: int

    async def start(self, on_mic: MicSink, on_lost: LostSink) -> None: ...

    async def stop(self) -> None: ...

    def write(self, samples: np.ndarray) -> int: ...

    @property
    def queued_samples(self) -> int: ...

    @property
    def pulled_at(self) -> float: ...

    @property
    def overruns(self) -> int: ...

    @property
    def running(self) -> bool: ...


class PlaybackQueue:
    """Speaker samples from the loop (:meth:`write`) to the audio thread (:meth:`pull_into`).

    Lock-free: only the loop appends and counts ``_written``; only the audio thread pops
    and counts ``_played``. ``limit`` caps what may be queued (samples); the excess of a
    write is refused and counted in ``overruns``.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._parts: collections.deque[np.ndarray] = collections.deque()
        self._part: np.ndarray | None = None  # audio thread: rest of a block
        self._written = 0  # loop
        self._played = 0  # audio thread
        self._dropped = 0  # loop: cleared samples, counted as played
        self.underruns = 0  # audio thread
        self.overruns = 0  # loop
        self._dry = True  # audio thread: ran dry last time (counts episodes, not blocks)
        self.pulled_at = 0.0  # audio thread

    @property
    def queued(self) -> int:
        return max(0, self._written - self._played - self._dropped)

    def write(self, samples: np.ndarray) -> int:
        room = self.limit - self.queued
        if room <= 0:
            self.overruns += 1
            return 0
        if len(samples) > room:
            self.overruns += 1
            samples = samples[:room]
        self._parts.append(np.array(samples, dtype=np.int16))
        self._written += len(samples)
        return len(samples)

    def pull_into(self, out: np.ndarray, now: float = 0.0) -> int:
        """Fill ``out`` (1-D int16) with queued samples, zeros after; returns how many.

        ``now`` (clock time of the pull) is kept in :attr:`pulled_at`: with it the loop
        can tell how far the speaker is into the block it took (see the bridge).
        """
        self.pulled_at = now
        frames = len(out)
        done = 0
        while done < frames:
            part = self._part
            if part is None or len(part) == 0:
                try:
                    part = self._parts.popleft()
                except IndexError:
                    break
            n = min(frames - done, len(part))
            out[done : done + n] = part[:n]
            self._part = part[n:]
            done += n
        if done < frames:
            out[done:] = 0
            if not self._dry:
                self.underruns += 1
            self._dry = True
        else:
            self._dry = False
        self._played += done
        return done

    def clear(self) -> None:
        """Drop what is queued (loop side); the audio thread may pop concurrently."""
        while True:
            try:
                part = self._parts.popleft()
            except IndexError:
                return
            self._dropped += len(part)


class SpeakerQueue:
    """Mixin: a headset's speaker side as the bridge sees it, over its ``_queue``
    (a :class:`PlaybackQueue`). Writes are refused (0) while the headset is not running."""

    _queue: PlaybackQueue
    running: bool  # the headset's own property (declared here only, so it wins in the MRO)

    def write(self, samples: np.ndarray) -> int:
        return self._queue.write(samples) if self.running else 0

    @property
    def queued_samples(self) -> int:
        return self._queue.queued

    @property
    def underruns(self) -> int:
        return self._queue.underruns

    @property
    def pulled_at(self) -> float:
        return self._queue.pulled_at

    @property
    def overruns(self) -> int:
        return self._queue.overruns


# -- PortAudio backends --------------------------------------------------------------------
