"""Call audio as raw PCM over a serial port: 8 kHz, 16-bit little-endian, mono.

Some GSM modems carry call audio on a second tty instead of a USB sound card —
Huawei's "voice" port after ``AT^DDSETEX=2`` sends and takes 320-byte frames (20 ms)
for as long as the call is up. This link cuts the received byte stream into frames
of ``FRAME_SAMPLES`` samples for the driver, and writes the frames the engine plays.

Pacing: the modem clocks the link. Every frame received lets one queued frame go
out, so the host sends exactly as fast as the modem's own 8 kHz clock, whatever the
host's clock says. With nothing queued, silence goes out (the modem expects a
steady stream). The queue is bounded: frames beyond ``max_queue`` (1 s) are dropped
oldest first and counted, so a stalled modem never grows memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable

import numpy as np

from .base import FRAME_SAMPLES
from .transport import PortOpener

log = logging.getLogger("hotline.lines.audio")

FRAME_BYTES = FRAME_SAMPLES * 2


class SerialAudioLink:
    """One audio tty: frames in to ``on_frame``, frames out from :meth:`play`."""

    def __init__(
        self,
        opener: PortOpener,
        *,
        on_frame: Callable[[np.ndarray], None],
        frame_bytes: int = FRAME_BYTES,
        max_queue: int = 50,
        name: str = "audio",
        on_closed: Callable[[str], None] | None = None,
    ) -> None:
        if frame_bytes % 2:
            raise ValueError(f"frame_bytes must be even (16-bit samples), got {frame_bytes}")
        self.opener = opener
        self.on_frame = on_frame
        self.frame_bytes = frame_bytes
        self.max_queue = max_queue
        self.name = name
        self.on_closed = on_closed or (lambda reason: None)
        self.frames_in = 0
        self.frames_out = 0
        self.dropped = 0
        self._queue: deque[bytes] = deque()
        self._buf = bytearray()
        self._writer = None
        self._release: Callable[[], None] | None = None
        self._task: asyncio.Task | None = None
        self._silence = bytes(frame_bytes)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Open the port and start reading (errors from the opener propagate)."""
        reader, self._writer, self._release = await self.opener()
        self._task = asyncio.get_running_loop().create_task(self._read_loop(reader), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._close_port()
        self._queue.clear()
        self._buf.clear()

    def _close_port(self) -> None:
        release, self._release = self._release, None
        self._writer = None
        if release is not None:
            with contextlib.suppress(Exception):
                release()

    def play(self, frame: np.ndarray) -> None:
        """Queue samples towards the caller (never blocks); any length, int16."""
        data = np.asarray(frame, dtype="<i2").tobytes()
        for i in range(0, len(data), self.frame_bytes):
            chunk = data[i : i + self.frame_bytes]
            if len(chunk) < self.frame_bytes:
                chunk += bytes(self.frame_bytes - len(chunk))
            if len(self._queue) >= self.max_queue:
                self._queue.popleft()
                self.dropped += 1
                if self.dropped in (1, 100) or self.dropped % 1000 == 0:
                    log.warning(
                        "%s: playback queue full, %d frames dropped", self.name, self.dropped
                    )
            self._queue.append(chunk)

    async def _read_loop(self, reader: asyncio.StreamReader) -> None:
        reason = "end of file (port closed or unplugged)"
        try:
            while True:
                data = await reader.read(4096)
                if not data:
                    break
                self._feed(data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a serial error: the port is gone
            reason = f"read failed: {exc}"
        log.info("%s: audio port closed: %s", self.name, reason)
        self._close_port()
        self.on_closed(reason)

    def _feed(self, data: bytes) -> None:
        self._buf += data
        n = self.frame_bytes
        while len(self._buf) >= n:
            raw = bytes(self._buf[:n])
            del self._buf[:n]
            self.frames_in += 1
            self._send_one()
            frame = np.frombuffer(raw, dtype="<i2").astype(np.int16)
            for start in range(0, len(frame), FRAME_SAMPLES):
                try:
                    self.on_frame(frame[start : start + FRAME_SAMPLES])
                except Exception:  # a consumer's bug must not stop the audio
                    log.exception("%s: audio consumer failed", self.name)

    def _send_one(self) -> None:
        if self._writer is None:
            return
        data = self._queue.popleft() if self._queue else self._silence
        try:
            self._writer.write(data)
            self.frames_out += 1
        except Exception as exc:
            log.warning("%s: cannot write audio: %s", self.name, exc)
