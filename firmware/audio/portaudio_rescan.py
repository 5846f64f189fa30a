"""Seeing a re-plugged USB headset or sound card: one PortAudio re-scan for the process.

PortAudio reads the list of devices once, when it is initialised; a headset plugged in
later is not there until it is initialised again. ``Pa_Terminate`` is process-wide and
reference counted (``sounddevice`` holds one reference from import, every ``PyAudio``
another), and it closes every stream still open. So a re-scan has to be done for
everyone at once: :class:`PortAudioRescan` knows every open PortAudio device of ours
(line sound cards and headsets register through
:class:`~firmware.audio.device_watch.DeviceWatch`), and

1. closes each stream quietly (not reported as lost),
2. terminates and initialises PortAudio again (``sounddevice``'s own pair),
3. opens each one again by its name; one that is no longer there is reported lost,
   once, as if it had been pulled out.

When: a device that cannot be found, or is listed but will not open (pulled out, still
in the stale list), asks :meth:`PortAudioRescan.rescan_if_cards_changed` before giving up.
That re-scans only when the kernel's list of sound cards
(``/proc/asound/cards``) changed since PortAudio last looked, so a headset that stays
away costs a small file read per retry, and the other desks' audio pauses (for a few
hundred ms) only when a card really came or went.

Everything here runs on the event loop; the PortAudio calls go to the executor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

log = logging.getLogger("hotline.audio.rescan")

CARDS_FILE = Path("/proc/asound/cards")


class Rescannable(Protocol):
    """A PortAudio device of ours that can step aside for a re-scan."""

    description: str

    async def _suspend(self) -> None:
        """Close the stream without reporting the device lost."""
        ...

    async def _resume(self) -> None:
        """Find the device by name again and reopen it; raises when it is not there."""
        ...

    def _resume_failed(self, reason: str) -> None:
        """Report the device lost (once), as if it had been pulled out."""
        ...


def read_cards(path: Path = CARDS_FILE) -> str:
    """The kernel's list of sound cards ("" where there is none, e.g. no ALSA)."""
    try:
        return path.read_text()
    except OSError:
        return ""


def reinitialise_portaudio() -> None:
    """Terminate and initialise PortAudio again, so it lists devices afresh.

    Only ``sounddevice`` keeps a reference for the life of the process; a ``PyAudio``
    headset drops its own when its stream closes. ``_terminate``/``_initialize`` are
    the pair sounddevice's documentation gives for exactly this.
    """
    sd = sys.modules.get("sounddevice")
    if sd is not None:
        sd._terminate()
        sd._initialize()


class PortAudioRescan:
    """The process's open PortAudio devices, and re-scans done for all of them.

    ``cards`` returns the kernel's sound card list (a test seam; default
    :func:`read_cards`); ``reinitialise`` re-initialises PortAudio (default
    :func:`reinitialise_portaudio`).
    """

    def __init__(
        self,
        *,
        cards: Callable[[], str] = read_cards,
        reinitialise: Callable[[], None] = reinitialise_portaudio,
    ) -> None:
        self.cards = cards
        self.reinitialise = reinitialise
        self.devices: list[Rescannable] = []  # in the order they opened
        self.rescans = 0
        self.last_pause_s = 0.0  # how long the last re-scan kept the others' audio off
        # The card list PortAudio last saw; None until the first re-scan, because the
        # process may have initialised PortAudio (at import) before it was read.
        self._seen: str | None = None
        self._lock: asyncio.Lock | None = None

    def add(self, device: Rescannable) -> None:
        if device not in self.devices:
            self.devices.append(device)

    def discard(self, device: Rescannable) -> None:
        with contextlib.suppress(ValueError):
            self.devices.remove(device)

    async def rescan_if_cards_changed(self, asking: Rescannable | None = None) -> bool:
        """Re-scan if the sound cards changed since PortAudio last looked (or it is not
        known what it saw); True when it did, so the asker should look again.

        ``asking`` is the device that could not be opened (it is not open, so it is not
        suspended). Concurrent askers wait for one re-scan rather than each doing one.
        """
        if self._lock is None:
            self._lock = asyncio.Lock()
        generation = self.rescans
        async with self._lock:
            if self.rescans != generation:
                return True  # someone re-scanned while we waited: look again
            loop = asyncio.get_running_loop()
            cards = await loop.run_in_executor(None, self.cards)
            if cards == self._seen:
                return False
            await self._rescan(cards, asking)
            return True

    async def _rescan(self, cards: str, asking: Rescannable | None) -> None:
        others = [d for d in self.devices if d is not asking]
        log.info(
            "sound cards changed: re-scanning PortAudio (pausing %d open device%s)",
            len(others), "" if len(others) == 1 else "s",
        )  # fmt: skip
        began = time.monotonic()  # wall time on purpose: this is the others' audio gap
        for device in others:
            await device._suspend()
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.reinitialise)
        except Exception as exc:  # PortAudio itself failing: every device is lost
            log.error("PortAudio re-initialisation failed: %s", exc)
        self._seen = cards
        self.rescans += 1
        for device in others:
            if device not in self.devices:
                continue  # stopped while suspended: stays closed
            try:
                await device._resume()
            except Exception as exc:
                self.discard(device)
                device._resume_failed(f"gone after an audio device re-scan: {exc}")
        self.last_pause_s = time.monotonic() - began
        log.info("PortAudio re-scanned: the open devices' audio paused %.0f ms",
                 self.last_pause_s * 1000)  # fmt: skip


_registry: PortAudioRescan | None = None


def registry() -> PortAudioRescan:
    """The process's one :class:`PortAudioRescan` (PortAudio is one per process)."""
    global _registry
    if _registry is None:
        _registry = PortAudioRescan()
    return _registry
