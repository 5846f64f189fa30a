"""SIGHUP: read the config file again and apply it whole, or keep running the old one.

A reload is all or nothing. The new file is validated exactly as at start-up
(``hotline config check`` prints the same problems); if anything is wrong, or it
changes a section only a restart can change (``box_id``, ``journal``), the running
config stays and the problems are logged and raised as one ``config-reload``
alarm. Otherwise the owner's ``apply`` gets the new config and what changed
(:func:`firmware.config.diff_for_reload`): calls in progress are the owner's to keep.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config, ConfigError, diff_for_reload, load_config, needs_restart
from .journal import ALARM, ALARM_CLEARED, Journal

log = logging.getLogger(__name__)

ALARM_NAME = "config-reload"

Apply = Callable[[Config, dict[str, list[str]]], Awaitable[None]]


@dataclass(frozen=True)
class ReloadResult:
    applied: bool
    #: Section -> names changed in it (what was applied, or would have been).
    changes: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class Reloader:
    def __init__(self, path: str | Path, current: Config, apply: Apply, journal: Journal) -> None:
        self.path = Path(path)
        self.current = current
        self._apply = apply
        self._journal = journal
        self._alarmed = False
        self._lock = asyncio.Lock()  # two quick SIGHUPs reload one after the other
        self._tasks: set[asyncio.Task] = set()

    async def reload(self) -> ReloadResult:
        async with self._lock:
            return await self._reload()

    async def _reload(self) -> ReloadResult:
        try:
            new = load_config(self.path)
        except ConfigError as exc:
            return self._refuse(exc.problems)
        changes = diff_for_reload(self.current, new)
        restart = needs_restart(self.current, new, changes)
        if restart:
            return self._refuse(
                [f"{s}: changed, and only a restart applies it (systemctl restart hotline)"
                 for s in restart],
                changes,
            )
        if changes:
            try:
                await self._apply(new, changes)
            except Exception as exc:  # e.g. a prompt espeak cannot render
                log.exception("config reload: applying %s failed", self.path)
                return self._refuse([f"cannot apply: {exc}"], changes)
            self.current = new
        summary = ", ".join(
            f"{s} ({', '.join(n)})" if n else s for s, n in sorted(changes.items())
        ) or "nothing changed"
        log.info("config reloaded from %s: %s", self.path, summary)
        if self._alarmed:
            self._journal.append(ALARM_CLEARED, name=ALARM_NAME)
            self._alarmed = False
        return ReloadResult(True, changes)

    def _refuse(self, problems: list[str], changes: dict | None = None) -> ReloadResult:
        log.error(
            "config reload refused, still running the previous config; %s:\n  %s",
            self.path,
            "\n  ".join(problems),
        )
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        self._journal.append(
            ALARM,
            name=ALARM_NAME,
            severity="warning",
            message=f"{self.path.name} not applied: {problems[0]}{more}",
            problems=problems,
        )
        self._alarmed = True
        return ReloadResult(False, changes or {}, problems)

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Reload on SIGHUP (the handler runs on the loop, so state changes stay there)."""
        loop = loop or asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, self._on_signal)

    def _on_signal(self) -> None:
        task = asyncio.get_running_loop().create_task(self.reload())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
