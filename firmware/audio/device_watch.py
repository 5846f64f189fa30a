"""What every PortAudio device of ours shares: the bounded input hand-over from the audio
thread, the silence watchdog and "lost, once". Used by the line sound card
(:class:`~firmware.audio.soundcard.SoundCardLink`) and the PortAudio headsets
(:mod:`firmware.audio.headset_portaudio`).

Why one place: a USB card that is pulled out often just stops calling back, so both need
the same watchdog, and both must report a lost device exactly once, on the loop. And
both step aside together when PortAudio re-scans for a re-plugged device
(:mod:`firmware.audio.portaudio_rescan`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from ..clock import Clock
from .portaudio_rescan import PortAudioRescan


def close_stream(stream: Any) -> None:
    """Stop and close a ``sounddevice`` stream, whatever state its device is in."""
    with contextlib.suppress(Exception):  # a device already gone cannot be stopped
        stream.stop()
    with contextlib.suppress(Exception):
        stream.close()


class DeviceWatch:
    """Mixin for a PortAudio device: hand-over counting, watchdog, lost-once.

    The class using it sets ``device``, ``description``, ``clock``, ``watchdog_s`` and a
    ``_log``; calls :meth:`_init_watch` in its constructor; in ``start`` sets ``_loop`` and
    ``_on_lost`` and calls :meth:`_open_named`; and provides ``_find()`` (the device, by
    name; raises when it is not there), ``_open_once()`` (find it with :meth:`_locate`,
    :meth:`_arm`, open the stream with the sinks it has, :meth:`_start_watch`) and
    ``_close(stream)``, which :meth:`_stop_stream` runs off the loop.
    """

    device: str
    description: str
    clock: Clock
    watchdog_s: float
    _log: logging.Logger
    _loop: asyncio.AbstractEventLoop
    _on_lost: Callable[[str], None]

    def _init_watch(self, rescan: PortAudioRescan | None = None) -> None:
        """``rescan``: the process's re-scan registry for a real PortAudio device, None
        for one behind a test seam (it must not re-initialise the real PortAudio)."""
        self.rescan = rescan
        self._stream: Any = None
        self._running = False
        # Counters shared with the PortAudio thread; each is written by one side only.
        self.dropped_blocks = 0  # audio thread: input handovers refused (loop too slow)
        self._handed = 0  # audio thread
        self._taken = 0  # loop

    # life cycle (loop)

    def _arm(self) -> None:
        self._lost = False
        self._last_input = self.clock.now()

    async def _open_named(self, *, may_rescan: bool) -> None:
        """Find the device by name and open it (:meth:`_open_once`); if that fails and
        the sound cards changed since PortAudio last looked, once more after a re-scan
        (see :mod:`.portaudio_rescan`). Either step can fail on a stale list: a device
        re-plugged is missing from it, one pulled out is still in it but will not open."""
        try:
            await self._open_once()
            return
        except Exception:
            if not may_rescan or self.rescan is None:
                raise
            if not await self.rescan.rescan_if_cards_changed(self):
                raise
        await self._open_once()

    async def _open_once(self) -> None:
        raise NotImplementedError

    async def _locate(self) -> dict:
        return await asyncio.get_running_loop().run_in_executor(None, self._find)

    def _find(self) -> dict:
        raise NotImplementedError

    def _start_watch(self) -> None:
        self._running = True
        self._watchdog = self._loop.create_task(self._watch(), name=f"watchdog {self.device}")
        if self.rescan is not None:
            self.rescan.add(self)

    async def _stop_stream(self) -> None:
        if self.rescan is not None:
            self.rescan.discard(self)
        await self._close_quietly()

    async def _close_quietly(self) -> None:
        self._running = False
        watchdog = getattr(self, "_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._close, stream)

    def _close(self, stream: Any) -> None:
        raise NotImplementedError

    # a PortAudio re-scan (loop)

    async def _suspend(self) -> None:
        await self._close_quietly()

    async def _resume(self) -> None:
        await self._open_named(may_rescan=False)  # never re-scan from inside a re-scan

    def _resume_failed(self, reason: str) -> None:
        self._running, self._lost = True, False
        self._device_lost(reason)

    # audio thread

    def _hand_over(self, data: np.ndarray, limit: int, take: Callable[..., None], *args) -> None:
        """Copy ``data`` to ``take(block, *args)`` on the loop; at most ``limit`` in flight,
        the rest dropped and counted. Never blocks."""
        if self._handed - self._taken < limit:
            self._handed += 1
            block = np.array(data, dtype=np.int16)
            self._loop.call_soon_threadsafe(take, block, *args)
        else:
            self.dropped_blocks += 1

    def _thread_lost(self, reason: str) -> None:
        with contextlib.suppress(RuntimeError):  # loop already closed: nobody to tell
            self._loop.call_soon_threadsafe(self._device_lost, reason)

    def _finished(self) -> None:
        """PortAudio's finished callback: the stream ended (stopped, or the device went)."""
        if self._running:
            self._thread_lost("the audio stream stopped")

    def _abort(self, outdata: Any, exc: Exception) -> None:
        """A ``sounddevice`` callback failed: silence, report, abort the stream."""
        outdata.fill(0)
        self._thread_lost(f"audio callback failed: {exc!r}")
        import sounddevice as sd

        raise sd.CallbackAbort from exc

    # loop side

    def _took(self) -> bool:
        """Count a handed-over block taken; True when it is to be used (still running)."""
        self._taken += 1
        if not self._running:
            return False
        self._last_input = self.clock.now()
        return True

    def _deliver(self, what: str, sink: Callable[..., None], *args: Any) -> None:
        try:
            sink(*args)
        except Exception:  # a consumer's bug must not stop the audio
            self._log.exception("%s: " + what + " consumer failed", self.description)

    async def _watch(self) -> None:
        while self._running:
            await self.clock.sleep(self.watchdog_s / 4)
            silent = self.clock.now() - self._last_input
            if self._running and silent > self.watchdog_s:
                self._device_lost(f"no audio from {self.description} for {silent:.1f} s")
                return

    def _device_lost(self, reason: str) -> None:
        if self._lost or not self._running:
            return
        self._lost = True
        self._running = False
        if self.rescan is not None:
            self.rescan.discard(self)  # its owner reopens it, or not
        self._log.error("%s lost: %s", self.description, reason)
        self._on_lost(reason)

    @property
    def running(self) -> bool:
        return self._running
