"""Modem logs played back through a real driver.

A log is plain text, one line each:

* ``> AT+CLCC`` — what the host sent;
* ``< +CLCC: 1,1,4,0,0,"5550123",129`` — what the modem sent (a line with no
  prefix is modem output too);
* ``# …`` — a comment; ``= wait 2.5`` — nothing happens on the line for 2.5 s.

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
from dataclasses import dataclass, field
from pathlib import Path

from .transport import Opened


@dataclass(frozen=True)
class LogEntry:
    kind: str  # ">" sent, "<" received, "=" wait
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
        if stripped[0] in "<>":
            out.append(LogEntry(stripped[0], stripped[1:].strip(), n))
        elif stripped[0] == "=":
            words = stripped[1:].split()
            try:
                if len(words) != 2 or words[0] != "wait" or not 0 <= float(words[1]) <= 600:
                    raise ValueError
            except ValueError:
                raise LogError(
                    f"{source}:{n}: {stripped!r} is not a directive "
                    "(expected '= wait SECONDS', 0-600)"
                ) from None
            out.append(LogEntry("=", words[1], n))
        else:
            out.append(LogEntry("<", stripped, n))
    return out


def _same(a: str, b: str) -> bool:
    return a.replace(" ", "").upper() == b.replace(" ", "").upper()


@dataclass
class ReplayReport:
    """What did not go as the log says."""

    mismatches: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)


class _ReplayWriter:
    def __init__(self, replay: LogReplay) -> None:
        self.replay = replay
        self._buf = bytearray()

    def write(self, data: bytes) -> None:
        self._buf += data
        while b"\r" in self._buf:
            line, _, rest = bytes(self._buf).partition(b"\r")
            self._buf = bytearray(rest.lstrip(b"\n"))
            text = line.decode("ascii", errors="replace").strip()
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
                elif e.kind == "=":
                    self._pos += 1
                    await self._idle(float(e.text))
                else:
                    await self._expect(e)
            await self._idle(None)
        finally:
            self.done.set()

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
