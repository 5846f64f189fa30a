"""A modem behind a pseudo-terminal, for tests and the demo.

The driver opens ``modem.port`` (a ``/dev/pts/N`` path, or the stable link made in
``by_id_dir``) with pyserial exactly as it would open ``/dev/ttyUSB2``; it cannot
tell the difference. Dialects subclass :class:`PtyModem` and answer commands the
way their vendor's manual says; this base does the byte work: echo (``ATE0``/
``ATE1``), V.250 verbose framing (``<CR><LF>text<CR><LF>``) with the vendor's line
end, split input, queued output, and the faults tests need (unplug, replug,
garbage, slow answers).

Helpers for tests, as gpiozero's mock pins have: :meth:`inject` an unsolicited
line, :meth:`assert_sent` a command, :meth:`wait_for` one.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import Awaitable
from pathlib import Path

Reply = list[str] | Awaitable[list[str]] | None


class PtyModem:
    """Base of the emulators: one AT port on a pty."""

    #: What the vendor puts around a verbose result (some modems use ``\r\r\n``).
    crlf = b"\r\n"
    #: USB id and by-id name the real device has, for the link in ``by_id_dir``.
    by_id_name = "usb-Hotline_Emulated_Modem-if00-port0"

    def __init__(self, *, by_id_dir: Path | None = None, echo: bool = True) -> None:
        self.by_id_dir = by_id_dir
        self.echo = echo
        self.delay_s = 0.0  # answer every command this much later ("slow modem")
        self.sent: list[str] = []
        self.port: str = ""
        self._master = -1
        self._slave = -1
        self._in = bytearray()
        self._out = bytearray()
        self._waiters: list[tuple[str, asyncio.Future]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.plugged = False

    # -- life cycle -------------------------------------------------------------------

    async def start(self) -> None:
        """Create the pty (and the by-id link) and start answering."""
        self._loop = asyncio.get_running_loop()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        self._loop.add_reader(self._master, self._readable)
        self.plugged = True
        if self.by_id_dir is not None:
            self.by_id_dir.mkdir(parents=True, exist_ok=True)
            link = self.link
            with contextlib.suppress(FileNotFoundError):
                link.unlink()
            link.symlink_to(self.port)

    @property
    def link(self) -> Path:
        """The stable /dev/serial/by-id-style path of this modem."""
        if self.by_id_dir is None:
            return Path(self.port)
        return self.by_id_dir / self.by_id_name

    @property
    def path(self) -> str:
        """What a config would name: the by-id link when there is one, else the pty."""
        return str(self.link)

    async def stop(self) -> None:
        self.unplug()

    def unplug(self) -> None:
        """The USB cable is pulled: the pty closes under the driver, the link goes."""
        if not self.plugged:
            return
        self.plugged = False
        if self._loop is not None:
            self._loop.remove_reader(self._master)
            self._loop.remove_writer(self._master)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = -1
        self._in.clear()
        self._out.clear()
        if self.by_id_dir is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()

    async def replug(self) -> None:
        """The cable goes back in: a new pty behind the same by-id link, modem fresh."""
        self.unplug()
        self.power_on()
        await self.start()

    def power_on(self) -> None:
        """Reset the modem's own state (dialects extend)."""
        self.echo = True

    # -- what the host sends ------------------------------------------------------------

    def _readable(self) -> None:
        try:
            data = os.read(self._master, 4096)
        except OSError:
            return  # nobody has the port open (yet)
        if not data:
            return
        self.on_bytes(data)

    def on_bytes(self, data: bytes) -> None:
        """Bytes from the host in command mode (data-mode dialects override)."""
        if self.echo:
            self.write(data)
        self._in += data
        while b"\r" in self._in:
            line, _, rest = bytes(self._in).partition(b"\r")
            self._in = bytearray(rest.lstrip(b"\n"))
            text = line.decode("ascii", errors="replace").strip()
            if text:
                self._command(text)

    def _command(self, text: str) -> None:
        self.sent.append(text)
        for cmd, fut in list(self._waiters):
            if text.upper().startswith(cmd.upper()) and not fut.done():
                fut.set_result(text)
        reply = self.answer(text)
        assert self._loop is not None
        self._loop.create_task(self._reply(reply))

    async def _reply(self, reply: Reply) -> None:
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if reply is not None and not isinstance(reply, list):
            reply = await reply
        for line in reply or []:
            self.send_line(line)

    def answer(self, command: str) -> Reply:
        """The result lines for one command line. Dialects override and call super()."""
        up = command.upper()
        if not up.startswith("AT"):
            return ["ERROR"]
        if up in ("AT", "ATZ", "AT&F"):
            if up != "AT":
                self.power_on()
            return ["OK"]
        if up in ("ATE0", "ATE1"):
            self.echo = up == "ATE1"
            return ["OK"]
        if up.startswith(("ATV1", "ATQ0", "AT+CMEE=", "ATS0=0")):
            return ["OK"]
        return ["ERROR"]

    # -- what the modem sends ----------------------------------------------------------

    def send_line(self, text: str) -> None:
        """One verbose result or URC, framed the vendor's way."""
        self.write(self.crlf + text.encode("latin-1") + self.crlf)

    def inject(self, *lines: str) -> None:
        """Unsolicited lines, now (test helper)."""
        for line in lines:
            self.send_line(line)

    def write(self, data: bytes) -> None:
        """Raw bytes to the host, queued so a slow reader never blocks the loop."""
        if not self.plugged:
            return
        self._out += data
        self._flush()

    def garbage(self, data: bytes = b"\x00\xff\xfe\x81junk\x07\r\n") -> None:
        """Line noise: bytes no manual describes."""
        self.write(data)

    def _flush(self) -> None:
        if not self._out or self._master < 0:
            return
        try:
            n = os.write(self._master, self._out)
            del self._out[:n]
        except BlockingIOError:
            pass
        except OSError:
            self._out.clear()
            return
        assert self._loop is not None
        if self._out:
            self._loop.add_writer(self._master, self._flush)
        else:
            self._loop.remove_writer(self._master)

    # -- test helpers ------------------------------------------------------------------

    def assert_sent(self, command: str) -> None:
        """Fail unless the host sent ``command`` (exactly, case-insensitive)."""
        if not any(c.upper() == command.upper() for c in self.sent):
            raise AssertionError(f"{command!r} was not sent; the host sent {self.sent!r}")

    async def wait_for(self, prefix: str, timeout: float = 5.0) -> str:
        """Wait until the host sends a command starting with ``prefix``; return it."""
        for c in self.sent:
            if c.upper().startswith(prefix.upper()):
                return c
        fut = asyncio.get_running_loop().create_future()
        entry = (prefix, fut)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(fut, timeout)
        finally:
            self._waiters.remove(entry)
