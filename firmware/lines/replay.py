"""Modem logs played back through a real driver.

A log is plain text, one line each:

* ``> AT+CLCC`` — what the host sent;
* ``< +CLCC: 1,1,4,0,0,"5550123",129`` — what the modem sent (a line with no
  prefix is modem output too);
* ``<x 10 62 ff`` — bytes the modem sent, in hex (audio, DLE codes: no line end);
* ``# …`` — a comment; ``= wait 2.5`` — nothing happens on the line for 2.5 s;
* ``= answer``, ``= hangup``, ``= dial 5551234``, ``= dtmf 12#`` — the engine asks
  the driver to act here (the replay calls the driver's method and goes on).

:class:`LogReplay` stands in for the serial port. Modem lines are delivered in
order; at a ``>`` line the replay waits for the driver to send a command. When
the driver sends what the log says, the log moves on. When it sends something
else — a poll the capturing run made at other moments, say — the replay answers
with what the modem answered to that command the last time the log showed it (or
the next time, if it has not shown it yet), so polling drivers see consistent
answers, and records the difference. A command the log never shows gets
``ERROR`` and is recorded too.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path

from .transport import Opened

ACTIONS = ("answer", "hangup", "dial", "dtmf")


@dataclass(frozen=True)
class LogEntry:
    kind: str  # ">" sent, "<" received line, "x" received bytes, "=" wait, "!" action
    text: str
    lineno: int


class LogError(ValueError):
    """A log line this format does not allow; names the line."""


def parse_log(text: str, source: str = "log") -> list[LogEntry]:
    """The entries of a modem log; :class:`LogError` names a bad line."""
    out: list[LogEntry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("<x"):
            try:
                data = bytes.fromhex(stripped[2:])
            except ValueError:
                raise LogError(
                    f"{source}:{n}: {stripped!r}: expected hex bytes after '<x'"
                ) from None
            out.append(LogEntry("x", data.hex(), n))
        elif stripped[0] in "<>":
            out.append(LogEntry(stripped[0], stripped[1:].strip(), n))
        elif stripped[0] == "=":
            out.append(_directive(stripped, source, n))
        else:
            out.append(LogEntry("<", stripped, n))
    return out


def _directive(stripped: str, source: str, n: int) -> LogEntry:
    words = stripped[1:].split()
    if words and words[0] == "wait" and len(words) == 2:
        try:
            if 0 <= float(words[1]) <= 600:
                return LogEntry("=", words[1], n)
        except ValueError:
            pass
    if words and words[0] in ("answer", "hangup") and len(words) == 1:
        return LogEntry("!", words[0], n)
    if words and words[0] in ("dial", "dtmf") and len(words) == 2:
        return LogEntry("!", f"{words[0]} {words[1]}", n)
    raise LogError(
        f"{source}:{n}: {stripped!r} is not a directive (expected '= wait SECONDS' "
        "(0-600), '= answer', '= hangup', '= dial NUMBER' or '= dtmf DIGITS')"
    )


def _same(a: str, b: str) -> bool:
    return a.replace(" ", "").upper() == b.replace(" ", "").upper()


@dataclass
class ReplayReport:
    """What did not go as the log says."""

    mismatches: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)


def _command_text(line: bytes) -> str:
    """The AT command at the end of what the host wrote: audio and DLE codes sent in
    data mode come before it on the same "line" and are not part of the log."""
    line = re.sub(rb"\x10.", b"", line, flags=re.DOTALL)
    m = re.search(rb"[\x20-\x7e]*$", line)
    return m.group(0).decode("ascii").strip() if m else ""


class _ReplayWriter:
    def __init__(self, replay: LogReplay) -> None:
        self.replay = replay
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self._buf += data
        while b"\r" in self._buf:
            line, _, rest = bytes(self._buf).partition(b"\r")
            self._buf = bytearray(rest.lstrip(b"\n"))
            text = _command_text(line)
            if text:
                self.replay.sent(text)

    async def drain(self) -> None:
        await asyncio.sleep(0)

    def close(self) -> None:
        pass


class LogReplay:
    """Plays one log to a driver through an ``opener`` (see :meth:`opener`)."""

    def __init__(self, entries: list[LogEntry], *, line_gap_s: float = 0.005) -> None:
        self.entries = entries
        #: called with (action, argument) at ``= answer`` etc.; returns an awaitable
        self.on_action = None
        self._actions: list[asyncio.Task] = []
        self.line_gap_s = line_gap_s
        self.report = ReplayReport()
        self.done = asyncio.Event()
        self._pos = 0
        self._reader: asyncio.StreamReader | None = None
        self._commands: asyncio.Queue[str] = asyncio.Queue()
        self._task: asyncio.Task | None = None
        self.last_activity = 0.0

    @classmethod
    def from_file(cls, path: str | Path) -> LogReplay:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise LogError(f"{p}: cannot read ({exc.strerror})") from None
        return cls(parse_log(text, str(p)))

    async def opener(self) -> Opened:
        """The driver's ``opener``: a reader fed from the log, a writer that listens."""
        self._reader = asyncio.StreamReader()
        self._task = asyncio.get_running_loop().create_task(self._play())
        return self._reader, _ReplayWriter(self), lambda: None

    def sent(self, command: str) -> None:
        self.last_activity = asyncio.get_running_loop().time()
        self._commands.put_nowait(command)

    def _deliver(self, text: str) -> None:
        assert self._reader is not None
        self._reader.feed_data(b"\r\n" + text.encode("latin-1", errors="replace") + b"\r\n")

    async def _play(self) -> None:
        try:
            while self._pos < len(self.entries):
                e = self.entries[self._pos]
                if e.kind == "<":
                    self._deliver(e.text)
                    self._pos += 1
                    await asyncio.sleep(self.line_gap_s)
                elif e.kind == "x":
                    assert self._reader is not None
                    self._reader.feed_data(bytes.fromhex(e.text))
                    self._pos += 1
                    await asyncio.sleep(self.line_gap_s)
                elif e.kind == "!":
                    self._pos += 1
                    self._act(e)
                elif e.kind == "=":
                    self._pos += 1
                    await self._idle(float(e.text))
                else:
                    await self._expect(e)
            await self._idle(None)
        finally:
            self.done.set()

    def _act(self, entry: LogEntry) -> None:
        """Start the driver's action; the replay goes on feeding it meanwhile."""
        if self.on_action is None:
            self.report.mismatches.append(f"line {entry.lineno}: no driver to {entry.text}")
            return
        name, _, arg = entry.text.partition(" ")
        task = asyncio.get_running_loop().create_task(self.on_action(name, arg))
        self._actions.append(task)

    async def _idle(self, seconds: float | None) -> None:
        """Answer the driver's extra commands for ``seconds`` (None: until it goes quiet)."""
        loop = asyncio.get_running_loop()
        end = None if seconds is None else loop.time() + seconds
        while True:
            timeout = 0.5 if end is None else max(0.0, end - loop.time())
            try:
                cmd = await asyncio.wait_for(self._commands.get(), timeout)
            except TimeoutError:
                return
            self._answer_from_history(cmd)

    async def _expect(self, entry: LogEntry) -> None:
        while True:
            try:
                cmd = await asyncio.wait_for(self._commands.get(), 5.0)
            except TimeoutError:
                self.report.mismatches.append(
                    f"line {entry.lineno}: the log sends {entry.text!r}; the driver sent nothing"
                )
                self._pos += 1
                return
            if _same(cmd, entry.text):
                self._pos += 1
                return
            self._answer_from_history(cmd)

    def _answer_from_history(self, cmd: str) -> None:
        replies = self._replies_to(cmd)
        if replies is None:
            self.report.unanswered.append(cmd)
            self._deliver("ERROR")
            return
        self.report.mismatches.append(
            f"the driver sent {cmd!r} where the log did not; answered as the log does elsewhere"
        )
        for text in replies:
            self._deliver(text)

    def _replies_to(self, cmd: str) -> list[str] | None:
        """What the modem answered to ``cmd``: the last time before here, else the next."""
        before = range(self._pos - 1, -1, -1)
        after = range(self._pos, len(self.entries))
        for order in (before, after):
            for i in order:
                e = self.entries[i]
                if e.kind == ">" and _same(e.text, cmd):
                    out = []
                    for f in self.entries[i + 1 :]:
                        if f.kind != "<":
                            break
                        out.append(f.text)
                        if f.text in ("OK", "ERROR") or f.text.startswith("+CME ERROR"):
                            break
                    return out
        return None
