"""Operator stations in the engine: a desk's panel and headset, bound to an agent.

A :class:`Station` is an agent's physical presence: the ACD rings it (it is the
:class:`~firmware.acd.AgentEndpoint` of whoever is logged in there), its headset
bridge carries the call, its panel shows the agent's state and turns button presses
into ACD actions. :class:`Stations` owns every station of the box, the panic buttons
and the alarms they raise. How it behaves, for an admin: docs/stations.md.

Rules it keeps:

* **The lights follow the journal.** Agent events (``agent_ready``, ``agent_paused``,
  ``agent_wrap_up``, ``agent_logged_out``) and the call events that carry an agent
  state (``call_offered``: ringing, ``call_answered``: talking) set the panel. The one
  change the ACD does not journal (an offer that stopped unanswered: the agent is
  ready again) comes through ``cancel_offer``; the station then reads the ACD's state
  once the ACD is done. The panel never keeps an idea of its own.
* **Buttons ask the ACD**, which decides; an action that does not fit the state is
  logged and changes nothing.
* Everything runs on the event loop: the panel hands presses over
  (:mod:`firmware.panel_buttons`), the bridge reports on the loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .acd import Acd, AcdError
from .acd.api import OFFERED, ON_CALL, PAUSED, READY, WRAP_UP
from .acd.takeback import HEADSET_LOST
from .audio.bridge import HEADSET_AUDIO, HEADSET_BACK, HEADSET_SILENT, Bridge, BridgeEvent
from .audio.bridge import HEADSET_LOST as BRIDGE_LOST
from .call import Call
from .journal import (
    AGENT_LOGGED_IN,
    AGENT_LOGGED_OUT,
    AGENT_PAUSED,
    AGENT_READY,
    AGENT_WRAP_UP,
    CALL_ANSWERED,
    CALL_AUDIO,
    CALL_OFFERED,
    Event,
)
from .panel import Panel, PanelInput
from .station_audio import call_audio

log = logging.getLogger("hotline.station")

#: Journal event kind -> the panel state it means for its agent.
_SHOWS = {
    AGENT_READY: READY,
    AGENT_PAUSED: PAUSED,
    AGENT_WRAP_UP: WRAP_UP,
    AGENT_LOGGED_OUT: "logged_out",
    CALL_OFFERED: OFFERED,
    CALL_ANSWERED: ON_CALL,
}


class StationError(RuntimeError):
    """A station action that cannot be done (unknown station, in use, locked …)."""


class Station:
    """One desk. Built by :class:`Stations`; ``bridge`` is None until its headset opens."""

    def __init__(
        self,
        name: str,
        config: Any,
        *,
        acd: Acd,
        panel: Panel,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self.name = name
        self.config = config
        self.acd = acd
        self.panel = panel
        self.bridge: Bridge | None = None
        self._loop = loop
        self.agent: str | None = None  # logged in here (from the journal)
        self.call: Call | None = None  # ringing or on the line
        self.connected = False
        self.headset_lost = False
        self._unlisten: Callable[[], None] | None = None

    # -- the ACD's endpoint ----------------------------------------------------------------

    def offer(self, call: Call) -> None:
        self.call = call
        if self.bridge is not None:
            self.bridge.whisper()

    def cancel_offer(self, call: Call) -> None:
        if self.call is call:
            self.call = None
        # The ACD journals nothing for an unanswered offer; read its state once it is done.
        self._loop.call_soon(self.refresh)

    def connect(self, call: Call) -> None:
        self.call, self.connected = call, True
        audio = call_audio(call.media)
        if self.bridge is None or audio is None:
            log.warning("station %s: call %s has no audio path to the headset",
                        self.name, call.call_id)  # fmt: skip
            return
        self.bridge.connect(audio.send)
        self._unlisten = audio.listen(self.bridge.line_frame)

    def disconnect(self, call: Call) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self.bridge is not None:
            report = self.bridge.disconnect()
            if report is not None and self.connected:
                # How the call sounded at this desk: for audio-quality reports.
                self.acd.journal.append(CALL_AUDIO, call_id=call.call_id, station=self.name,
                                        agent=self.agent, **report.fields())  # fmt: skip
        if self.call is call:
            self.call = None
        self.connected = False

    # -- lights ------------------------------------------------------------------------------

    def show(self, state: str, reason: str | None = None) -> None:
        self.panel.show(state, reason=reason, alarm=self.headset_lost)

    def refresh(self) -> None:
        """Show the agent's state as the ACD has it now."""
        a = self.acd.roster.agents.get(self.agent) if self.agent else None
        if a is None:
            self.show("logged_out")
        else:
            self.show(a.state, a.reason)

    def on_journal(self, event: Event) -> None:
        """An event about the agent logged in here."""
        state = _SHOWS.get(event.kind)
        if state is not None:
            self.show(state, event.fields.get("reason"))

    # -- buttons -------------------------------------------------------------------------------

    def on_button(self, item: PanelInput) -> None:
        """A press at this desk (not panic): what it means in the agent's state."""
        if item.action == "mute":
            if self.bridge is not None:
                self.bridge.mute = not self.bridge.mute
                log.info("station %s: mute %s", self.name, "on" if self.bridge.mute else "off")
            return
        if self.agent is None:
            log.info("station %s: %s with nobody logged in", self.name, item.action)
            return
        a = self.acd.roster.get(self.agent, removed_ok=True)
        try:
            self._act(item, a)
        except (AcdError, ValueError) as exc:
            log.warning("station %s: %s refused: %s", self.name, item.action, exc)

    def _act(self, item: PanelInput, a: Any) -> None:
        acd, agent, action = self.acd, a.name, item.action
        if action == "ready_toggle":
            if a.state in (PAUSED, WRAP_UP) or (a.state == ON_CALL and a.after_call):
                if self.headset_lost:
                    raise AcdError("the headset is not there (plug it in first)")
                acd.set_ready(agent)
            else:
                acd.pause(agent, acd.config.acd.pause_reasons[0])
        elif action == "pause_reason":
            if item.reason is None:
                raise ValueError("no pause reasons are configured")
            acd.pause(agent, item.reason)
        elif action == "answer_toggle":
            if a.state == OFFERED:
                acd.agent_answer(agent)
            elif a.state == ON_CALL:
                acd.agent_hangup(agent)
        elif action == "hangup":
            acd.agent_hangup(agent)
        elif action == "transfer":
            if self.config.transfer_to is None:  # the config check refuses this
                raise ValueError("no transfer_to queue is configured")
            acd.transfer(agent, self.config.transfer_to)


HeadsetOpener = Callable[[str, Any], Any]


class Stations:
    """Every station and panic button of a box, wired to the ACD and the journal.

    ``open_headset(name, station_config)`` builds a station's headset (default: the
    configured backend and device through :func:`firmware.audio.headset.open_headset`; a
    ``file`` headset's relative path is taken from ``base_dir``, the config's folder);
    ``pin_factory`` is gpiozero's (:func:`firmware.panel.make_pin_factory`). Construct,
    ``await start()`` (opens panels and headsets, logs in the agents whose config names
    a home station — paused with reason 'login' until they press ready), ``await stop()``.
    """

    def __init__(
        self,
        config: Any,
        *,
        acd: Acd,
        clock: Any,
        pin_factory: Any = None,
        open_headset: HeadsetOpener | None = None,
        bridge_options: dict[str, Any] | None = None,
        base_dir: Path | None = None,
    ) -> None:
        from .station_alarms import Alarms
        from .station_login import Logins

        self.config = config
        self.acd = acd
        self.journal = acd.journal
        self.clock = clock
        self.pin_factory = pin_factory
        self._open_headset = open_headset or _default_headset(clock, base_dir)
        self._bridge_options = bridge_options or {}
        self.stations: dict[str, Station] = {}
        self.panels: Any = None
        self.alarms = Alarms(self)
        self.logins = Logins(self)
        self._at: dict[str, str] = {}  # agent -> station, from the journal
        self._unsubscribe: Callable[[], None] | None = None
        self._tasks: set[asyncio.Task] = set()

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        from .panel import open_panels

        loop = asyncio.get_running_loop()
        self.panels = open_panels(
            self.config, loop=loop, on_input=self.on_input, pin_factory=self.pin_factory,
            clock=self.clock,
        )  # fmt: skip
        for name, cfg in self.config.stations.items():
            self.stations[name] = Station(
                name, cfg, acd=self.acd, panel=self.panels.stations[name], loop=loop
            )
        self._unsubscribe = self.journal.subscribe(self._on_journal)
        for st in self.stations.values():
            await self._open_bridge(st)
        for agent, acfg in self.config.agents.items():
            if acfg.station in self.stations:
                try:
                    self.logins.login(agent, acfg.station, ready=False)
                except (AcdError, StationError) as exc:
                    log.warning("agent %s: not logged in at %s: %s", agent, acfg.station, exc)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in list(self._tasks):
            task.cancel()
        for st in self.stations.values():
            if st.bridge is not None:
                await st.bridge.stop()
        if self.panels is not None:
            self.panels.close()

    async def _open_bridge(self, st: Station) -> None:
        """Open the headset; if it is not there, alarm and try again every retry_s."""
        try:
            st.bridge = await self._new_bridge(st)
        except Exception as exc:
            st.headset_lost = True
            self.alarms.headset(st, f"headset of station {st.name} cannot be opened: {exc}")
            st.refresh()
            retry = asyncio.get_running_loop().create_task(self._retry_bridge(st))
            self._tasks.add(retry)
            retry.add_done_callback(self._tasks.discard)

    async def _new_bridge(self, st: Station) -> Bridge:
        headset = self._open_headset(st.name, st.config)
        bridge = Bridge(
            headset, clock=self.clock, on_event=lambda ev: self._on_bridge(st, ev),
            **self._bridge_options,
        )  # fmt: skip
        await bridge.start()
        return bridge

    async def _retry_bridge(self, st: Station) -> None:
        while st.bridge is None:
            await self.clock.sleep(self._bridge_options.get("retry_s", 2.0))
            try:
                st.bridge = await self._new_bridge(st)
            except Exception as exc:
                log.debug("station %s: headset still away: %s", st.name, exc)
                continue
            self._headset_back(st)

    def reconfigure(self, config: Any) -> None:
        """A reloaded config: agents (login codes) and the live keys of each station
        (:data:`firmware.config.reload.STATION_LIVE_KEYS`); the reload has refused
        wiring changes already."""
        self.config = config
        for name, st in self.stations.items():
            st.config = config.stations[name]

    # -- commands ------------------------------------------------------------------------------

    def station(self, name: str) -> Station:
        st = self.stations.get(name)
        if st is None:
            known = ", ".join(sorted(self.stations)) or "none are configured"
            raise StationError(f"unknown station {name!r} (expected one of {known})")
        return st

    def login(self, agent: str, station: str, *, ready: bool = True) -> None:
        """Log ``agent`` in at ``station`` (see :class:`~firmware.station_login.Logins`)."""
        self.logins.login(agent, station, ready=ready)

    def login_by_code(self, station: str, code: Any) -> str:
        """Log in whoever's ``login_code`` is ``code`` (str or SecretStr) at ``station``;
        returns the agent. StationError for a wrong code (never logged)."""
        return self.logins.by_code(station, code)

    def logout_by_code(self, station: str, code: Any) -> str:
        """Log out whoever is logged in at ``station`` if ``code`` is their ``login_code``
        (after their call, if on one); returns the agent. StationError when refused."""
        return self.logins.logout_by_code(station, code)

    def logout(self, station: str) -> None:
        st = self.station(station)
        if st.agent is None:
            raise StationError(f"nobody is logged in at station {station}")
        self.acd.logout(st.agent)

    def acknowledge(self, alarm: str | None = None, *, by: str = "command") -> list[str]:
        """Acknowledge the panic alarm ``alarm`` (None: every one); returns the names."""
        return self.alarms.acknowledge(alarm, by=by)

    # -- what comes in -------------------------------------------------------------------------

    def on_input(self, item: PanelInput) -> None:
        """A panel input, on the loop (``open_panels``' ``on_input``)."""
        if item.action == "panic_ack":
            self.alarms.acknowledge(None, by=item.station or "panel")
        elif item.action in ("panic", "panic_hold"):
            self.alarms.panic(item)
        elif item.station in self.stations:
            self.stations[item.station].on_button(item)

    def _on_journal(self, event: Event) -> None:
        f = event.fields
        agent = f.get("agent")
        if event.kind == AGENT_LOGGED_IN:
            old = self._at.pop(agent, None)
            if old in self.stations and self.stations[old].agent == agent:
                self.stations[old].agent = None
            st = self.stations.get(f["station"])
            if st is not None:
                self._at[agent] = st.name
                st.agent = agent
            return
        name = self._at.get(agent) if isinstance(agent, str) else None
        if name is None:
            return
        st = self.stations[name]
        st.on_journal(event)
        if event.kind == AGENT_LOGGED_OUT:
            del self._at[agent]
            st.agent = None

    def _on_bridge(self, st: Station, ev: BridgeEvent) -> None:
        if ev.kind == BRIDGE_LOST:
            st.headset_lost = True
            call = None
            if st.agent is not None:
                a = self.acd.roster.agents.get(st.agent)
                if a is not None and a.state != PAUSED:
                    call = self.acd.take_back(st.agent, HEADSET_LOST)
            self.alarms.headset(st, f"headset of station {st.name} lost: {ev.detail}", call)
            st.refresh()
        elif ev.kind == HEADSET_BACK:
            self._headset_back(st)
        elif ev.kind == HEADSET_SILENT:
            self.alarms.silent(st, ev.detail, True)
        elif ev.kind == HEADSET_AUDIO:
            self.alarms.silent(st, ev.detail, False)

    def _headset_back(self, st: Station) -> None:
        st.headset_lost = False
        self.alarms.headset_back(st)
        st.refresh()


def _default_headset(clock: Any, base_dir: Path | None) -> HeadsetOpener:
    def open_(name: str, cfg: Any) -> Any:
        from .audio.headset import open_headset

        if cfg.headset_backend == "file":
            # A relative WAV path is next to the config, as every other file it names.
            path = Path(cfg.headset)
            if base_dir is not None and not path.is_absolute():
                path = base_dir / path
            return open_headset("file", str(path), clock=clock)
        return open_headset(
            cfg.headset_backend, cfg.headset, samplerate=cfg.headset_rate, clock=clock
        )

    return open_
