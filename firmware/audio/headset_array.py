"""Headsets without a sound card: arrays paced by a Clock (tests, the demo, the drift
simulation) and WAV files."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from pathlib import Path
from typing import Any

import numpy as np

from ..clock import Clock, RealClock
from .headset_base import HeadsetError, LostSink, MicSink, PlaybackQueue, SpeakerQueue

log = logging.getLogger("hotline.audio.headset")


class ArrayHeadset(SpeakerQueue):
    """A headset made of arrays, paced by a ``Clock``: for tests, the demo and simulation.

    Every ``block_ms`` of clock time it delivers one mic block (from what
    :meth:`feed` queued, silence after) and plays one block from the speaker queue
    into a recording (:meth:`played`). ``ppm`` makes its sample clock run fast
    (positive) or slow against the ``Clock``, as a real USB headset's does, so blocks
    carry one sample more or less now and then. :meth:`unplug` acts out a pulled plug;
    :meth:`start` then fails until :meth:`replug`.
    """

    def __init__(
        self,
        mic: np.ndarray | None = None,
        *,
        rate: int = 48000,
        block_ms: float = 10.0,
        ppm: float = 0.0,
        queue_ms: float = 200.0,
        record_limit_s: float = 60.0,
        clock: Clock | None = None,
        description: str = "array headset",
    ) -> None:
        self.rate = rate
        self.block_ms = block_ms
        self.ppm = ppm
        self.clock = clock or RealClock()
        self.description = description
        self.dropped_blocks = 0
        self.plugged = True
        self._mic = np.zeros(0, dtype=np.int16)
        if mic is not None:
            self.feed(mic)
        self._queue = PlaybackQueue(round(rate * queue_ms / 1000))
        self._played: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, round(record_limit_s * 1000 / block_ms))
        )
        self._task: asyncio.Task | None = None

    def feed(self, samples: np.ndarray) -> None:
        """Queue mic audio (int16 at :attr:`rate`) after what is already queued."""
        arr = np.asarray(samples)
        if arr.dtype != np.int16 or arr.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {arr.ndim}-D {arr.dtype}")
        self._mic = np.concatenate([self._mic, arr])

    async def start(self, on_mic: MicSink, on_lost: LostSink) -> None:
        if not self.plugged:
            raise HeadsetError(f"{self.description} is not plugged in")
        self._on_mic, self._on_lost = on_mic, on_lost
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.description)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._queue.clear()

    async def _run(self) -> None:
        begin = self.clock.now()
        block_s = self.block_ms / 1000
        per_s = self.rate * (1 + self.ppm * 1e-6)
        k = done = 0
        while True:
            k += 1
            await self.clock.sleep(begin + k * block_s - self.clock.now())
            n = int(k * block_s * per_s) - done
            done += n
            mic = self._mic[:n]
            self._mic = self._mic[n:]
            if len(mic) < n:
                mic = np.concatenate([mic, np.zeros(n - len(mic), np.int16)])
            out = np.empty(n, dtype=np.int16)
            now = self.clock.now()
            self._queue.pull_into(out, now)
            self._played.append(out)
            try:
                self._on_mic(mic, now)
            except Exception:
                log.exception("%s: mic consumer failed", self.description)

    def unplug(self, reason: str = "headset unplugged") -> None:
        """Act out a pulled plug: blocks stop and ``on_lost`` is called on the loop."""
        self.plugged = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            asyncio.get_running_loop().call_soon(self._on_lost, reason)

    def replug(self) -> None:
        self.plugged = True

    @property
    def running(self) -> bool:
        return self._task is not None

    def played(self) -> np.ndarray:
        """What the speaker played (headset rate), newest ``record_limit_s`` of it."""
        return np.concatenate(list(self._played)) if self._played else np.zeros(0, np.int16)


class FileHeadset(ArrayHeadset):
    """An :class:`ArrayHeadset` whose mic is a WAV file (played at the file's own rate);
    with ``record_to``, what the speaker played is written there on stop."""

    def __init__(
        self, path: str | Path, *, record_to: str | Path | None = None, **options: Any
    ) -> None:
        from .wav import WavError, read_wav

        try:
            mic, info = read_wav(path)
        except (OSError, WavError) as exc:
            raise HeadsetError(f"cannot use {path} as a headset mic: {exc}") from exc
        super().__init__(mic, rate=info.sample_rate, description=f"file headset {Path(path).name}",
                         **options)  # fmt: skip
        self.record_to = Path(record_to) if record_to else None

    async def stop(self) -> None:
        await super().stop()
        if self.record_to is not None:
            from .wav import write_wav

            write_wav(self.record_to, self.played(), self.rate)
