"""How a driver gets its byte streams: from a serial port, or from anything else
that looks like one (a replayed log, a test's in-memory pipe).

Drivers take an ``opener``: an async callable returning ``(reader, writer,
release)``. The default opens a serial port exclusively; ``hotline modem replay``
passes one that plays a log back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from .at import Writer
from .ports import open_port

Opened = tuple[asyncio.StreamReader, Writer, Callable[[], None]]
PortOpener = Callable[[], Awaitable[Opened]]


def serial_opener(
    path: str | Path, baudrate: int = 115200, lock_dir: Path | None = None
) -> PortOpener:
    """An opener for a serial port, taken exclusively (see ``ports.open_port``)."""

    async def open_() -> Opened:
        reader, writer, lock = await open_port(path, baudrate, lock_dir)

        def release() -> None:
            writer.close()
            lock.release()

        return reader, writer, release

    return open_
