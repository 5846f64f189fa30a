"""``hotline run``: the appliance daemon — lines opened, calls answered, SIGHUP reloads.

Start-up order matters: the config is valid or nothing starts; the journal opens
(the box's memory); every prompt is rendered (a missing espeak voice stops the
start, not a call); then the lines open. SIGTERM/SIGINT end calls in progress
with reason "shutdown" and close everything in reverse.

Stations (panels, headsets, panic buttons) open before the lines, so the first call
finds its operators logged in; they also become the IVR's login and logout hooks
(``agent_login`` nodes: an operator logs in or out from a phone). Without stations
that node refuses.

A reload reaches the switchboard (flows, queues, agents) and the lines: a removed
line is closed, an added one opened, and a line whose hardware settings changed is
reopened once its call in progress (if any) has ended. A line whose flow or label
changed is not reopened at all: its next call simply takes the new flow.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .alarm_carryover import carry_over
from .audio.prompts import PromptStore
from .audio.soundcard import SoundCardLink
from .clock import Clock, RealClock
from .config import Config, load_config
from .config.lines import FxoLine as FxoConfig
from .config.lines import GsmLine as GsmConfig
from .journal import Journal, Retention
from .lines.base import LineDriver
from .lines.factory import make_line
from .reloader import Reloader
from .station import Stations
from .switchboard import Switchboard

log = logging.getLogger("hotline.daemon")

#: Line settings that only name or route; changing them needs no reopen.
SOFT_LINE_KEYS = frozenset({"label", "flow", "outbound"})

LineFactory = Callable[[str, Any], LineDriver]


def resolve(base: Path, path: str) -> Path:
    """A config path: absolute as written, relative ones next to the config file."""
    p = Path(path)
    return p if p.is_absolute() else base / p


def build_line(line_id: str, cfg: Any, *, clock: Clock, pin_factory: Any = None) -> LineDriver:
    """The driver a ``[lines.<id>]`` section describes (not started)."""
    if isinstance(cfg, FxoConfig):
        from .lines.fxo import FxoLine

        return FxoLine(
            line_id,
            ring_pin=cfg.ring_pin,
            hook_pin=cfg.hook_pin,
            audio=SoundCardLink(cfg.audio_device, clock=clock),
            ring_active_high=cfg.ring_active_high,
            hook_active_high=cfg.hook_active_high,
            pin_factory=pin_factory,
            country=cfg.country,
            callerid=tuple(cfg.callerid),
            clock=clock,
        )
    if isinstance(cfg, GsmConfig):
        pin = cfg.sim_pin.get_secret_value() if cfg.sim_pin is not None else None
        audio = SoundCardLink(cfg.audio_device, clock=clock) if cfg.audio_device else None
        return make_line(
            cfg.kind, line_id, port=cfg.port, audio_port=cfg.audio_port, pin=pin,
            audio_link=audio, clock=clock,
        )  # fmt: skip
    return make_line(
        cfg.kind, line_id, port=cfg.port, compression=cfg.compression,
        answer_after_rings=cfg.answer_after_rings, clock=clock,
    )  # fmt: skip


class Daemon:
    def __init__(
        self,
        config_path: str | Path,
        config: Config,
        *,
        clock: Clock | None = None,
        pin_factory: Any = None,
        line_factory: LineFactory | None = None,
    ) -> None:
        self.config_path = Path(config_path)
        self.config = config
        self.clock = clock or RealClock()
        self.pin_factory = pin_factory
        self._make_line = line_factory or (
            lambda line_id, cfg: build_line(
                line_id, cfg, clock=self.clock, pin_factory=self.pin_factory
            )
        )
        base = self.config_path.parent
        kept = config.journal
        self.journal = Journal(
            resolve(base, kept.path),
            box_id=config.box_id,
            clock=self.clock,
            retention=Retention(kept.retention_days, max_events=kept.max_events),
        )
        self.switchboard = Switchboard(
            config,
            journal=self.journal,
            clock=self.clock,
            prompts=PromptStore(cache_dir=resolve(base, config.paths.prompt_cache), base_dir=base),
            voicemail_dir=resolve(base, config.paths.voicemail),
        )
        self.stations: Stations | None = None
        self.reloader = Reloader(self.config_path, config, self.apply, self.journal)
        self._stopping = asyncio.Event()
        self._reopen: set[asyncio.Task] = set()

    async def start(self) -> None:
        # Before anything raises alarms of its own: what the last run left on.
        panics = carry_over(self.journal)
        await self.switchboard.start()
        if self.config.stations or self.config.panic:
            # Operators before lines: the first call may ring at once.
            self.stations = Stations(
                self.config, acd=self.switchboard.acd, clock=self.clock,
                pin_factory=self.pin_factory, base_dir=self.config_path.parent,
            )  # fmt: skip
            await self.stations.start()
            self.stations.alarms.restore(panics)
            # agent_login nodes log operators in (and out) here, by station number and code.
            self.switchboard.on_login = self.stations.login_by_code
            self.switchboard.on_logout = self.stations.logout_by_code
        for line_id, cfg in self.config.lines.items():
            if cfg.enabled:
                await self._open(line_id, cfg)
        log.info(
            "hotline %s running: %d line(s), %d queue(s), %d agent(s)",
            self.config.box_id, len(self.switchboard.lines), len(self.config.queues),
            len(self.config.agents),
        )  # fmt: skip

    async def _open(self, line_id: str, cfg: Any) -> None:
        line = self._make_line(line_id, cfg)
        self.switchboard.attach(line)
        await line.start()  # a line that cannot open ends DOWN with a reason, journaled

    async def _close(self, line_id: str) -> None:
        line = self.switchboard.detach(line_id)
        if line is not None:
            await line.stop()

    async def apply(self, config: Config, changes: dict[str, list[str]]) -> None:
        """A reload: the switchboard first (it may refuse), then the lines."""
        old = self.config
        await self.switchboard.apply(config, changes)
        self.config = config
        if self.stations is not None:  # agents' codes, stations' names and transfers
            self.stations.reconfigure(config)
        for line_id in changes.get("lines", []):
            before, after = old.lines.get(line_id), config.lines.get(line_id)
            if after is None or not after.enabled:
                await self._close(line_id)
            elif before is None or not before.enabled or line_id not in self.switchboard.lines:
                await self._open(line_id, after)
            elif _hardware(before) != _hardware(after):
                task = asyncio.get_running_loop().create_task(self._reopen_when_idle(line_id))
                self._reopen.add(task)
                task.add_done_callback(self._reopen.discard)

    async def _reopen_when_idle(self, line_id: str) -> None:
        # A call on the line keeps its hardware until it ends: reloads drop no call.
        while self.switchboard.busy(line_id):
            await self.clock.sleep(1.0)
        cfg = self.config.lines.get(line_id)
        await self._close(line_id)
        if cfg is not None and cfg.enabled:
            await self._open(line_id, cfg)

    def request_stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Start, then serve until SIGTERM/SIGINT; SIGHUP reloads."""
        loop = asyncio.get_running_loop()
        await self.start()
        self.reloader.install(loop)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop)
        try:
            await self._stopping.wait()
        finally:
            for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await self.stop()

    async def stop(self) -> None:
        for task in list(self._reopen):
            task.cancel()
        await self.switchboard.stop()
        self.switchboard.on_login = None
        self.switchboard.on_logout = None
        if self.stations is not None:
            await self.stations.stop()
        for line_id in list(self.switchboard.lines):
            await self._close(line_id)
        self.journal.close()
        log.info("hotline %s stopped", self.config.box_id)


def _hardware(cfg: Any) -> dict:
    return {k: v for k, v in cfg.model_dump().items() if k not in SOFT_LINE_KEYS}


async def run(config_path: str | Path, **options: Any) -> None:
    """Load ``config_path`` (ConfigError if it is not valid) and serve until stopped."""
    config = load_config(config_path)
    await Daemon(config_path, config, **options).run()
