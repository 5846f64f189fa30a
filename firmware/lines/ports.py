"""Serial ports, opened exclusively.

Two programs on one modem port garble each other's commands (ModemManager is the
usual culprit), so a port is taken with both a UUCP-style lock file
(``/run/lock/LCK..ttyUSB2`` holding the owner's PID, the convention minicom,
picocom and others honour) and an exclusive ``flock`` on the device through
pyserial. A port someone else holds is refused with the holder's name and PID.

Paths from config should be the stable ``/dev/serial/by-id/…`` names; the lock
is named after the device the link points to, so two names of one device clash.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_LOCK_DIR = Path(os.environ.get("HOTLINE_LOCK_DIR", "/run/lock"))


class PortBusy(OSError):
    """Another program holds the port; the message names it."""


class PortMissing(OSError):
    """The port does not exist (unplugged, or a wrong path in the config)."""


def _program(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() or f"pid {pid}"
    except OSError:
        return ""


@dataclass
class PortLock:
    """A held lock file; ``release()`` removes it."""

    path: Path

    def release(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.path.read_text().strip() == str(os.getpid()):
                self.path.unlink()


def lock_port(device: str | Path, lock_dir: Path | None = None) -> PortLock:
    """Take the lock file for ``device``; :class:`PortBusy` if a live process has it."""
    real = Path(os.path.realpath(device))
    lock_dir = lock_dir or DEFAULT_LOCK_DIR
    lock = lock_dir / f"LCK..{real.name}"
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            owner = _owner(lock)
            if owner and owner != os.getpid() and _alive(owner):
                who = _program(owner) or "another program"
                raise PortBusy(
                    f"{device} is in use by {who} (pid {owner}, lock {lock}); "
                    "stop it (for ModemManager: systemctl stop ModemManager) or choose another port"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # stale: its owner is gone
            continue
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid():10d}\n")
        return PortLock(lock)
    raise PortBusy(f"{device}: cannot take lock {lock}")


def _owner(lock: Path) -> int | None:
    try:
        text = lock.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def open_port(
    device: str | Path, baudrate: int = 115200, lock_dir: Path | None = None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, PortLock]:
    """Open a serial port exclusively: (reader, writer, lock). Release the lock on close."""
    import serial
    import serial_asyncio_fast

    if not os.path.exists(device):
        raise PortMissing(f"{device} does not exist (modem unplugged, or wrong path in config)")
    lock = lock_port(device, lock_dir)
    try:
        reader, writer = await serial_asyncio_fast.open_serial_connection(
            url=str(device), baudrate=baudrate, exclusive=True, rtscts=False
        )
    except serial.SerialException as exc:
        lock.release()
        if "lock" in str(exc).lower() or "busy" in str(exc).lower():
            raise PortBusy(f"{device} is held by another program: {exc}") from None
        raise PortMissing(f"{device}: cannot open ({exc})") from None
    except BaseException:
        lock.release()
        raise
    return reader, writer, lock
