"""The demo's wallboard: lines, queues, agents and the real desk now, and the last events
in words.

:func:`render` is pure (a :class:`View` in, text lines out). :class:`Wallboard` takes
a view from the running switchboard every ``every_s`` seconds: on a terminal it
redraws the whole board in place; otherwise (a pipe, a log file) it appends one
status line per tick and every event as it happens, so the output reads as a log.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..clock import Clock
from ..journal import Event
from ..lines.events import LineState
from ..switchboard import Switchboard
from .words import in_words

CLEAR = "\x1b[H\x1b[2J"
RECENT = 8

LINE_WORDS = {
    LineState.READY: "idle",
    LineState.RINGING: "ringing",
    LineState.IN_CALL: "in call",
    LineState.DOWN: "down",
    LineState.INITIALISING: "starting",
}


@dataclass
class View:
    """What the board shows at one moment."""

    wall: float  # wall-clock time now
    elapsed_s: float
    lines: list[tuple[str, str, str | None]]  # (line, state in words, call on it)
    snapshot: dict[str, Any]  # Acd.snapshot()
    events: list[tuple[float, str]] = field(default_factory=list)  # (wall, words), oldest first
    note: str = ""
    desks: list[str] = field(default_factory=list)  # the real desk: lights, bridge figures


def _hms(wall: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall))


def _secs(s: float | None) -> str:
    if s is None:
        return "-"
    s = round(s)
    return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"


def _agent_state(a: dict[str, Any]) -> str:
    state = a["state"].replace("_", " ")
    return f"{state} ({a['reason']})" if a.get("reason") else state


def render(view: View) -> list[str]:
    """The whole board as text lines (no escape codes)."""
    out = [f"Hotline demo   {_hms(view.wall)}   running {_secs(view.elapsed_s)}   {view.note}"]
    out.append("")
    out.append("LINES")
    for line, state, call in view.lines:
        out.append(f"  {line:<8} {state:<10} {call or ''}")
    out.append("")
    out.append(f"QUEUES    {'waiting':>7} {'longest':>8} {'EWT':>6} {'staffed':>8} {'ready':>6}")
    for name, q in view.snapshot.get("queues", {}).items():
        out.append(
            f"  {name:<8}{q['waiting']:>7} {_secs(q['longest_wait_s']):>8} "
            f"{_secs(q['ewt_s']):>6} {q['staffed']:>8} {q['ready']:>6}"
        )
    out.append("")
    out.append(f"AGENTS    {'state':<18} {'for':>6} {'calls':>6}  call")
    for name, a in view.snapshot.get("agents", {}).items():
        out.append(
            f"  {name:<8}{_agent_state(a):<18} {_secs(a['for_s']):>6} {a['answered']:>6}"
            f"  {a['call'] or ''}"
        )
    if view.desks:
        out.append("")
        out.append("DESK")
        out += [f"  {text}" for text in view.desks]
    out.append("")
    out.append("LAST EVENTS")
    for wall, words in view.events[-RECENT:]:
        out.append(f"  {_hms(wall)}  {words}")
    return out


def status_line(view: View) -> str:
    """One line for logs: busy lines, each queue's waiting callers, each agent's state."""
    busy = sum(1 for _, state, _ in view.lines if state != "idle")
    queues = ", ".join(
        f"{n} {q['waiting']} waiting (longest {_secs(q['longest_wait_s'])})"
        for n, q in view.snapshot.get("queues", {}).items()
    )
    agents = ", ".join(f"{n} {_agent_state(a)}" for n, a in view.snapshot.get("agents", {}).items())
    desks = "".join(f" | {text.strip()}" for text in view.desks)
    return (
        f"{_hms(view.wall)} [{_secs(view.elapsed_s)}] lines {busy}/{len(view.lines)} busy | "
        f"{queues} | {agents}{desks}"
    )


def line_view(board: Switchboard) -> list[tuple[str, str, str | None]]:
    """Each line's state in words and the call on it, as the box sees them."""
    on_line = {call.line: call.call_id for call in board.engine.calls.values()}
    return [
        (name, LINE_WORDS.get(line.state, str(line.state)), on_line.get(name))
        for name, line in board.lines.items()
    ]


class Wallboard:
    """Draws the board of ``switchboard`` to ``out`` every ``every_s`` seconds."""

    def __init__(
        self,
        switchboard: Switchboard,
        clock: Clock,
        out: TextIO,
        *,
        tty: bool,
        every_s: float | None = None,
    ) -> None:
        self.board, self.clock, self.out, self.tty = switchboard, clock, out, tty
        self.every_s = every_s if every_s is not None else (1.0 if tty else 5.0)
        self.note = ""  # what the demo is doing now, on the board's first line
        self.desks: Callable[[], list[str]] | None = None  # the real desk's lines, if any
        self.events: deque[tuple[float, str]] = deque(maxlen=RECENT)
        self._started = clock.now()
        self._task: asyncio.Task | None = None

    def heard(self, ev: Event) -> None:
        """Journal subscriber: remember the event; in plain mode, print it now."""
        words = in_words(ev.kind, ev.fields)
        if words is not None:
            self._add(ev.t_wall, words)

    def aside(self, text: str) -> None:
        """Something the box did not see (a caller dialling, pressing a key), in
        parentheses among the events."""
        self._add(self.clock.wall(), f"({text})")

    def _add(self, wall: float, words: str) -> None:
        self.events.append((wall, words))
        if not self.tty:
            self.out.write(f"  {_hms(wall)}  {words}\n")
            self.out.flush()

    def view(self) -> View:
        return View(
            wall=self.clock.wall(),
            elapsed_s=self.clock.now() - self._started,
            lines=line_view(self.board),
            snapshot=self.board.acd.snapshot(),
            events=list(self.events),
            note=self.note,
            desks=self.desks() if self.desks is not None else [],
        )

    def draw(self) -> None:
        view = self.view()
        if self.tty:
            self.out.write(CLEAR + "\n".join(render(view)) + "\n")
        else:
            self.out.write(status_line(view) + "\n")
        self.out.flush()

    def start(self) -> None:
        self._started = self.clock.now()
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _loop(self) -> None:
        while True:
            self.draw()
            await self.clock.sleep(self.every_s)
