"""The switchboard: one config's call engine, ACD and IVR, with the phone lines on it.

It owns what happens between a line and a call. A ringing line is answered; the
answered call gets its own :class:`firmware.media.LineMedia` and runs its line's IVR
flow. The line's keys, audio and hang-up go to that media and to the engine; line
state changes and line alarms go to the journal. A reload (:meth:`apply`) reaches
every part without touching a call in progress.

The lines themselves (opening hardware, starting, stopping) belong to the daemon
(:mod:`firmware.daemon`), which also decides what a line reload means.
"""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path

import numpy as np

from .acd import Acd
from .audio.prompts import PromptStore
from .call import Call
from .clock import Clock
from .config import Config
from .engine import CallEngine
from .ivr import Ivr
from .ivr_login import OnLogin, OnLogout
from .journal import ALARM, LINE_DOWN, LINE_UP, Journal
from .lines.base import LineDriver, LineError
from .lines.events import (
    Alarm,
    CallAnswered,
    CallEnded,
    IncomingCall,
    LineEvent,
    LineState,
    StateChanged,
)
from .media import LineMedia

log = logging.getLogger(__name__)


class _LineSlot:
    """A line and the call on it now, if any (a line carries one call at a time)."""

    def __init__(self, line: LineDriver) -> None:
        self.line = line
        self.caller: str | None = None
        self.call: Call | None = None
        self.media: LineMedia | None = None
        self.up = False  # journaled line_up (and not line_down since)


class Switchboard:
    def __init__(
        self,
        config: Config,
        *,
        journal: Journal,
        clock: Clock,
        prompts: PromptStore,
        voicemail_dir: Path,
        rng: random.Random | None = None,
        on_login: OnLogin | None = None,
        on_logout: OnLogout | None = None,
    ) -> None:
        self.config = config
        self.journal = journal
        self.clock = clock
        self.prompts = prompts
        self.engine = CallEngine(journal=journal, clock=clock)
        self.acd = Acd(config, engine=self.engine, clock=clock, rng=rng)
        self.ivr = Ivr(
            config,
            engine=self.engine,
            acd=self.acd,
            prompts=prompts,
            clock=clock,
            voicemail_dir=voicemail_dir,
            on_login=on_login,
            on_logout=on_logout,
        )
        self._slots: dict[str, _LineSlot] = {}
        self._tasks: set[asyncio.Task] = set()

    @property
    def on_login(self) -> OnLogin | None:
        """The IVR's login hook (``agent_login`` nodes); set once the stations exist."""
        return self.ivr.on_login

    @on_login.setter
    def on_login(self, hook: OnLogin | None) -> None:
        self.ivr.on_login = hook

    @property
    def on_logout(self) -> OnLogout | None:
        """The IVR's logout hook (``agent_login`` nodes with ``logout``); as ``on_login``."""
        return self.ivr.on_logout

    @on_logout.setter
    def on_logout(self, hook: OnLogout | None) -> None:
        self.ivr.on_logout = hook

    async def start(self) -> None:
        """Render and load every prompt (a missing espeak voice stops the start here)."""
        await self.prompts.prepare(self.config)

    # -- lines ---------------------------------------------------------------------------

    def attach(self, line: LineDriver) -> None:
        """Take ``line``'s events and audio (before it is started)."""
        if line.line_id not in self.config.lines:
            raise ValueError(
                f"line {line.line_id!r} is not configured "
                f"(expected one of {', '.join(sorted(self.config.lines))})"
            )
        slot = _LineSlot(line)
        self._slots[line.line_id] = slot
        line.on_event = lambda ev: self._on_line_event(slot, ev)
        line.on_audio = lambda frame: self._on_line_audio(slot, frame)

    def detach(self, line_id: str) -> LineDriver | None:
        """Stop listening to a line (removed by a reload); its call, if any, ends."""
        slot = self._slots.pop(line_id, None)
        if slot is None:
            return None
        if slot.call is not None:
            self.engine.end(slot.call, "system", "line-removed")
        slot.line.on_event = lambda ev: None
        slot.line.on_audio = lambda frame: None
        return slot.line

    def busy(self, line_id: str) -> bool:
        """Whether a call is on ``line_id`` now."""
        slot = self._slots.get(line_id)
        return slot is not None and slot.call is not None

    @property
    def lines(self) -> dict[str, LineDriver]:
        return {name: slot.line for name, slot in self._slots.items()}

    def _on_line_event(self, slot: _LineSlot, ev: LineEvent) -> None:
        if slot.media is not None:
            slot.media.on_line_event(ev)
        if isinstance(ev, IncomingCall):
            if slot.call is None:
                slot.caller = ev.number
                self._spawn(self._answer(slot))
        elif isinstance(ev, CallAnswered):
            if ev.direction == "incoming" and slot.call is None:
                self._begin(slot)
        elif isinstance(ev, CallEnded):
            call = slot.call
            slot.call, slot.media, slot.caller = None, None, None
            if call is not None:
                # The far end hanging up is the caller's doing; anything else the line's.
                self.engine.end(call, "caller" if ev.by == "remote" else "line", ev.cause)
        elif isinstance(ev, StateChanged):
            self._line_state(slot, ev)
        elif isinstance(ev, Alarm):
            self.journal.append(
                ALARM, name=f"line:{ev.line}:{ev.code}", severity="warning", message=ev.text,
                line=ev.line,
            )

    def _on_line_audio(self, slot: _LineSlot, frame: np.ndarray) -> None:
        if slot.media is not None:
            slot.media.on_audio(frame)

    def _line_state(self, slot: _LineSlot, ev: StateChanged) -> None:
        # READY also follows every call; only the way up from DOWN is news.
        if ev.state == LineState.READY and not slot.up:
            slot.up = True
            self.journal.append(LINE_UP, line=ev.line)
        elif ev.state == LineState.DOWN:
            if slot.up or ev.reason:
                self.journal.append(LINE_DOWN, line=ev.line, reason=ev.reason or "down")
            slot.up = False
            if slot.call is not None:
                call, slot.call, slot.media = slot.call, None, None
                self.engine.end(call, "line", ev.reason or "line down")

    async def _answer(self, slot: _LineSlot) -> None:
        try:
            await slot.line.answer()
        except LineError as exc:  # the caller gave up while it rang, or the line failed
            log.info("%s: could not answer: %s", slot.line.line_id, exc)

    def _begin(self, slot: _LineSlot) -> None:
        line_cfg = self.config.lines[slot.line.line_id]
        media = LineMedia(slot.line, prompts=self.prompts, clock=self.clock)
        call = self.engine.arrive(
            line=slot.line.line_id,
            caller=slot.caller,
            media=media,
            lang=self.config.languages.default,
            flow=line_cfg.flow,
        )
        slot.call, slot.media = call, media
        call.on_end(lambda c: self._release(slot, c))
        self._spawn(self._run(slot, call))

    def _release(self, slot: _LineSlot, call: Call) -> None:
        # However the call ended, the line is free for the next one: a line that
        # never reports its own hang-up must not stay busy for ever.
        if slot.media is not None and slot.call is call:
            slot.media.close()
        if slot.call is call:
            slot.call, slot.media, slot.caller = None, None, None

    async def _run(self, slot: _LineSlot, call: Call) -> None:
        try:
            await slot.line.start_audio()
        except LineError as exc:
            self.engine.end(call, "line", f"no audio: {exc}")
            return
        await self.engine.run(call, self.ivr.run)

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- reload ----------------------------------------------------------------------------

    async def apply(self, config: Config, changes: dict[str, list[str]]) -> None:
        """A reloaded config: prompts first (a prompt that cannot play refuses the whole
        reload before anything changed), then flows, then queues and agents."""
        await self.ivr.reconfigure(config)
        self.acd.reconfigure(config)
        self.config = config

    async def stop(self) -> None:
        """End every call in progress (shutdown) and wait for their tasks."""
        for call in list(self.engine.calls.values()):
            self.engine.end(call, "system", "shutdown")
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
