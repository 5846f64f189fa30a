"""An asyncio AT command channel: one command in flight, final results told apart
from information lines and from unsolicited result codes (URCs).

Transport apart from protocol: the channel reads and writes any asyncio stream
pair (a serial port through pyserial-asyncio-fast, a pty, a replayed log).

How a received line is sorted (ITU-T V.250 framing, 3GPP TS 27.007 results):

* with no command in flight, every line is unsolicited;
* the echo of the command in flight is dropped (echo may be on or off);
* ``OK``, ``CONNECT``, ``ERROR``, ``+CME ERROR: …`` and ``+CMS ERROR: …`` end the
  command; ``NO CARRIER``, ``BUSY``, ``NO ANSWER`` and ``NO DIALTONE`` end it when
  it is a dial (``ATD…``) or was sent with ``call_result=True``, and are unsolicited
  otherwise (a remote hang-up arriving while ``AT+CLCC`` is in flight);
* a line starting with the prefix the command expects (``expect="+CLCC:"``) is
  part of the response even when the dialect also uses it as a URC;
* a line matching one of the dialect's URC prefixes is unsolicited, even in the
  middle of a response;
* anything else is an information line of the response.

Line ends may be ``\\r\\n``, ``\\r\\r\\n`` or a bare ``\\r`` or ``\\n``; lines may be
split across reads. Bytes that are not ASCII are logged with their raw form and
replaced. A command with no final result in time raises :class:`AtTimeout` with
the raw bytes that did arrive, and the next command first resynchronises with a
plain ``AT``. A closed port fails the command in flight with :class:`AtPortClosed`.

For V.253 voice and data, ``command(..., data_mode=True)`` switches the channel
to raw bytes after ``CONNECT``: every byte goes to the sink set with
:meth:`AtChannel.set_raw_sink` until the sink says how many bytes it used before
the data ended (DLE ETX), and the rest is parsed as lines again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

log = logging.getLogger("hotline.lines.at")
CLOSED_BY_HOST = "closed by the host"

# Secrets that cross an AT port: the SIM PIN and facility passwords we send, and the
# keys a caller presses (an operator's login code, a customer's card number). The
# debug log never shows them; trace logs keep key reports (replay needs them) but
# not the PIN.
_SECRET_COMMAND = re.compile(rb"^(\s*AT\+C(?:PIN|LCK|PWD)=)(.*)$", re.I | re.S)
_KEY_REPORT = re.compile(r"^\s*(\^DDTMF|\+DTMF|\+RXDTMF|\+QTONEDET)\s*:", re.I)


def masked_command(data: bytes) -> bytes:
    """``data`` with the secret part of a PIN or password command starred out."""
    m = _SECRET_COMMAND.match(data)
    if m is None:
        return data
    end = b"\r" if data.endswith(b"\r") else b""
    return m.group(1) + b'"****"' + end


def shown_line(line: str) -> str:
    """A received line as the debug log may show it: key reports without the key."""
    m = _KEY_REPORT.match(line)
    return f"{m.group(1)}: <key withheld>" if m else line

CALL_RESULTS = ("NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE", "NO DIAL TONE")
_CME = re.compile(r"^\+CM([ES]) ERROR:\s*(.*)$")


class AtError(Exception):
    """Base of every AT channel error."""


class AtCommandError(AtError):
    """The modem answered ``ERROR`` (or a +CME/+CMS error) to a command."""

    def __init__(self, command: str, final: str, lines: list[str] | None = None) -> None:
        self.command = command
        self.final = final
        self.lines = lines or []
        super().__init__(f"{command!r} failed: {final}")


class CmeError(AtCommandError):
    """``+CME ERROR`` (equipment error, 3GPP TS 27.007 §9.2): numeric ``code`` and/or ``text``."""

    def __init__(self, command: str, final: str, code: int | None, text: str) -> None:
        self.code = code
        self.text = text
        super().__init__(command, final)


class CmsError(CmeError):
    """``+CMS ERROR`` (message service error, 3GPP TS 27.005 §3.2.5)."""


class AtTimeout(AtError, TimeoutError):
    """No final result in time; ``received`` holds the raw bytes that did arrive."""

    def __init__(self, message: str, received: bytes = b"") -> None:
        self.received = received
        super().__init__(message)


class AtPortClosed(AtError, ConnectionError):
    """The port went away (unplugged, closed) while the channel was using it."""


@dataclass
class AtResponse:
    """A completed command: its information lines and its final result code."""

    command: str
    lines: list[str]
    final: str

    @property
    def ok(self) -> bool:
        return self.final == "OK"

    def lines_with(self, prefix: str) -> list[str]:
        """The information lines starting with ``prefix``, with it (and spaces) removed."""
        return [ln[len(prefix) :].strip() for ln in self.lines if ln.startswith(prefix)]


class Writer(Protocol):
    def write(self, data: bytes) -> None: ...

    async def drain(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class _Pending:
    command: str
    expect: str | None
    call_result: bool
    data_mode: bool
    future: asyncio.Future
    lines: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)


def final_kind(line: str) -> str | None:
    """'ok', 'error', 'call' or None: what kind of final result ``line`` is."""
    if line == "OK" or line == "CONNECT" or line.startswith("CONNECT "):
        return "ok"
    if line == "ERROR" or _CME.match(line):
        return "error"
    if line in CALL_RESULTS:
        return "call"
    return None


def parse_cme(command: str, line: str) -> AtCommandError:
    """The exception for an error final result line."""
    m = _CME.match(line)
    if not m:
        return AtCommandError(command, line)
    body = m.group(2).strip()
    code = int(body) if body.isdigit() else None
    cls = CmeError if m.group(1) == "E" else CmsError
    return cls(command, line, code, body)


class AtChannel:
    """One AT command channel over an asyncio stream pair.

    ``on_urc(line)`` is called on the event loop for every unsolicited line;
    ``on_closed(reason)`` once when the port goes away. ``on_trace(direction,
    data)`` sees every byte sent ('>') and received ('<'), for logs.
    """

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: Writer,
        *,
        name: str = "at",
        urc_prefixes: Iterable[str] = (),
        on_urc: Callable[[str], None] | None = None,
        on_closed: Callable[[str], None] | None = None,
        on_trace: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.name = name
        self._reader = reader
        self._writer = writer
        self.urc_prefixes = tuple(urc_prefixes)
        self.on_urc = on_urc or (lambda line: None)
        self.on_closed = on_closed or (lambda reason: None)
        self.on_trace = on_trace
        self._buf = bytearray()
        self._pending: _Pending | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task | None = None
        self._raw_sink: Callable[[bytes], int | None] | None = None
        self._raw_active = False
        self._skip_lf = False
        self._needs_resync = False
        self.closed: str | None = None

    # -- life cycle ---------------------------------------------------------------

    def start(self) -> None:
        """Start reading (on the running event loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._read_loop(), name=self.name)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            self._writer.close()
        self._mark_closed(CLOSED_BY_HOST)

    # -- commands -----------------------------------------------------------------

    async def command(
        self,
        command: str,
        timeout: float = 5.0,
        *,
        expect: str | None = None,
        call_result: bool | None = None,
        data_mode: bool = False,
    ) -> AtResponse:
        """Send ``command`` (without the ``\\r``) and wait for its final result.

        Raises :class:`AtCommandError`/:class:`CmeError` on an error result,
        :class:`AtTimeout` and :class:`AtPortClosed`. Call results (BUSY, NO
        CARRIER, …) are returned, not raised: ``response.final`` says which.
        """
        async with self._lock:
            if self.closed:
                raise AtPortClosed(f"{self.name}: port is closed ({self.closed})")
            if self._needs_resync:
                await self._resync()
            return await self._send(command, timeout, expect, call_result, data_mode)

    async def _send(
        self,
        command: str,
        timeout: float,
        expect: str | None,
        call_result: bool | None,
        data_mode: bool,
    ) -> AtResponse:
        if call_result is None:
            call_result = command.upper().startswith("ATD")
        fut = asyncio.get_running_loop().create_future()
        self._pending = _Pending(command, expect, call_result, data_mode, fut)
        self._write(command.encode("ascii") + b"\r")
        try:
            await self._writer.drain()
            return await asyncio.wait_for(asyncio.shield(fut), timeout)
        except TimeoutError:
            raw = bytes(self._pending.raw) if self._pending else b""
            log.warning(
                "%s: no final result to %r within %.1fs; received %r",
                self.name,
                command,
                timeout,
                raw,
            )
            self._needs_resync = True
            raise AtTimeout(
                f"{self.name}: no final result to {command!r} within {timeout:g} s "
                f"(received {raw!r})",
                raw,
            ) from None
        finally:
            self._pending = None

    async def _resync(self) -> None:
        """After a timeout: a plain AT until the modem says OK again."""
        self._buf.clear()
        for attempt in range(3):
            try:
                await self._send("AT", 1.0 + attempt, None, False, False)
                self._needs_resync = False
                log.info("%s: resynchronised with AT", self.name)
                return
            except (AtTimeout, AtCommandError):
                continue
        raise AtTimeout(f"{self.name}: modem does not answer AT (3 tries)")

    def write_raw(self, data: bytes) -> None:
        """Send bytes as they are (audio in data mode, DLE codes)."""
        self._write(data)

    def _write(self, data: bytes) -> None:
        if self.on_trace:
            self.on_trace(">", masked_command(data))
        if log.isEnabledFor(logging.DEBUG):
            shown = masked_command(data) if len(data) < 256 else f"<{len(data)} bytes>"
            log.debug("%s > %r", self.name, shown)
        self._writer.write(data)

    def set_raw_sink(self, sink: Callable[[bytes], int | None] | None) -> None:
        """Where bytes go in data mode. The sink returns None when it used them
        all, or how many it used before the data ended (the rest is lines again)."""
        self._raw_sink = sink

    # -- reading --------------------------------------------------------------------

    async def _read_loop(self) -> None:
        reason = "end of file (port closed or unplugged)"
        try:
            while True:
                data = await self._reader.read(4096)
                if not data:
                    break
                self.feed(data)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a serial error: the port is gone
            reason = f"read failed: {exc}"
        self._mark_closed(reason)

    def _mark_closed(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = reason
        if self._pending and not self._pending.future.done():
            self._pending.future.set_exception(AtPortClosed(f"{self.name}: {reason}"))
        # Our own close is routine; the port going away under us is news.
        level = logging.INFO if reason == CLOSED_BY_HOST else logging.WARNING
        log.log(level, "%s: port closed: %s", self.name, reason)
        self.on_closed(reason)

    def feed(self, data: bytes) -> None:
        """Parse received bytes (the read loop calls this; tests may too)."""
        if self.on_trace:
            self.on_trace("<", data)
        if self._raw_active:  # audio in data mode: its DLE codes may be a caller's keys
            log.debug("%s < %d data bytes", self.name, len(data))
        if self._pending is not None:
            self._pending.raw += data[-256:]
        if self._raw_active:
            data = self._to_sink(data)
            if not data:
                return
        self._buf += data
        self._parse_lines()

    def _to_sink(self, data: bytes) -> bytes:
        """Give data-mode bytes to the sink; return what follows the data's end."""
        if self._skip_lf and data[:1] == b"\n":
            data = data[1:]
        self._skip_lf = False
        used = self._raw_sink(data) if self._raw_sink else None
        if used is None:
            return b""
        self._raw_active = False
        return data[used:]

    def _parse_lines(self) -> None:
        while True:
            cut = -1
            for i, b in enumerate(self._buf):
                if b in (0x0D, 0x0A):
                    cut = i
                    break
            if cut < 0:
                return
            raw_line = bytes(self._buf[:cut])
            ended_cr = self._buf[cut] == 0x0D
            del self._buf[: cut + 1]
            if ended_cr and self._buf[:1] == b"\n":
                del self._buf[:1]
            self._skip_lf = ended_cr and not self._buf  # its LF may come in the next read
            line = _decode(raw_line, self.name)
            if line:
                if log.isEnabledFor(logging.DEBUG):
                    log.debug("%s < %s", self.name, shown_line(line))
                self._dispatch(line)
            if self._raw_active and self._buf:
                rest = self._to_sink(bytes(self._buf))
                self._buf = bytearray(rest)

    def _dispatch(self, line: str) -> None:
        p = self._pending
        if p is None or p.future.done():
            self.on_urc(line)
            return
        if not p.lines and line.upper() == p.command.upper():
            return  # echo
        kind = final_kind(line)
        if kind == "ok":
            if p.data_mode and line.startswith("CONNECT"):
                self._raw_active = True
            p.future.set_result(AtResponse(p.command, p.lines, line))
        elif kind == "error":
            p.future.set_exception(parse_cme(p.command, line))
        elif kind == "call" and p.call_result:
            p.future.set_result(AtResponse(p.command, p.lines, line))
        elif p.expect and line.startswith(p.expect):
            p.lines.append(line)
        elif kind == "call" or line.startswith(self.urc_prefixes) or line == "RING":
            self.on_urc(line)
        else:
            p.lines.append(line)


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        log.warning("%s: non-ASCII bytes on the line: %r", name, raw)
        return raw.decode("ascii", errors="replace").strip()
