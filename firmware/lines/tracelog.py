"""Writes what goes over a modem port in the log format ``hotline modem replay`` reads.

Give a driver ``trace=TraceLog(path)`` (or set ``trace_log`` in the line's config)
and every line the host sends is written as ``> …`` and every line the modem sends
as ``< …``, with the time in a comment now and then, so a real modem's behaviour
can be replayed through the driver later.
"""

from __future__ import annotations

import time
from pathlib import Path


class TraceLog:
    """A ``(direction, bytes)`` sink that writes replayable log lines."""

    def __init__(self, path: str | Path, header: str = "") -> None:
        self.path = Path(path)
        self._pending = {">": bytearray(), "<": bytearray()}
        self._file = self.path.open("a", encoding="utf-8")
        self._file.write(f"# hotline modem log, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        if header:
            self._file.write("".join(f"# {ln}\n" for ln in header.splitlines()))
        self._file.flush()

    def __call__(self, direction: str, data: bytes) -> None:
        buf = self._pending[direction]
        buf += data
        while True:
            cut = next((i for i, b in enumerate(buf) if b in (0x0D, 0x0A)), -1)
            if cut < 0:
                break
            line = bytes(buf[:cut]).decode("ascii", errors="backslashreplace").strip()
            del buf[: cut + 1]
            if line:
                self._file.write(f"{direction} {line}\n")
        if len(buf) > 4096:  # data mode (audio): not a log line
            buf.clear()
        self._file.flush()

    def close(self) -> None:
        self._file.close()
