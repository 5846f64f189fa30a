"""Config mode: a config's ``[traffic]`` through its own IVR flows, queues and agents.

``hotline simulate --config FILE --days D --seed K``. The run starts on a Monday at
00:00 in the traffic's time zone (2026-01-05, a working day), so the office opens
empty and no warm-up is needed: the KPIs cover the ``days`` whole days. After
that, arrivals stop and the calls still in progress finish (at most a week more).

- **Callers** arrive as a Poisson stream whose rate is the hour's figure from
  ``arrivals_per_hour`` (``weekend_arrivals_per_hour`` on Saturday and Sunday), on
  a line drawn at random among the enabled ones, and run that line's flow through
  the real :class:`firmware.ivr.Ivr`. They key what ``[traffic.keys]`` says
  (:class:`.people.SimCaller`); a ``silent_share`` of them cannot be heard; once
  queued they hang up after an exponential wait of mean ``patience_s`` (if set).
- **Agents** are the config's own, logged in while the ``staffed`` schedule is
  open (always, without it; checked every 15 minutes, and an agent on a call
  leaves after it); they pick up after ``answer_delay_s`` and talk for an
  exponential time of mean ``aht_s``; wrap-up and the rest are the queues' rules.
- Prompts take the time their text takes to say (about 14 characters a second);
  recordings count 3 s. Voicemail messages are only timed: no file is written.
"""

from __future__ import annotations

import dataclasses
import random
import tempfile
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from ..acd import Acd
from ..call import Call
from ..cdr import CALL_ANSWERED, CALL_ENDED, CALL_QUEUED
from ..clock import Timer, VirtualClock, settle
from ..config import Config
from ..engine import CallEngine
from ..journal import Event, Journal, Retention
from ..kpis import AGENT_KINDS, Kpis, compute
from ..schedule import is_open
from .arrivals import ArrivalStream
from .people import SimAgent, SimCaller

NOT_YET = "config mode lands with the IVR (firmware/ivr.py)"
START_DAY = (2026, 1, 5)  # a Monday, no holiday in the example config
STAFF_CHECK_S = 900.0
MAX_DRAIN_S = 7 * 86400.0
CHARS_PER_S = 14.0
RECORDING_S = 3.0
PROGRESS_STEP_S = 3600.0


class Unavailable(RuntimeError):
    """Config mode cannot run in this build."""


def check_available() -> None:
    """Unavailable unless the IVR is importable."""
    try:
        import firmware.ivr  # noqa: F401
    except ImportError as exc:
        raise Unavailable(f"{NOT_YET}, which this build cannot import ({exc})") from None


def check_traffic(config: Config) -> None:
    """ValueError unless the config says what traffic to send."""
    if getattr(config, "traffic", None) is None:
        raise ValueError(
            "[traffic]: missing (expected a [traffic] section with arrivals_per_hour; "
            "see docs/config.md)"
        )


async def run_config(
    config: Config,
    days: float,
    seed: int,
    progress: Callable[[float, float], None] | None = None,
    *,
    sl_threshold_s: float = 20.0,
) -> Kpis:
    """The KPIs of ``days`` days of the config's traffic."""
    check_available()
    check_traffic(config)
    if not days > 0:
        raise ValueError(f"days: {days!r} (expected a number > 0)")
    lines = [(name, line.flow) for name, line in config.lines.items() if line.enabled]
    if not lines:
        raise ValueError("lines: none is enabled (expected at least one to take calls)")
    from ..ivr import Ivr

    traffic = config.traffic
    zone = ZoneInfo(traffic.timezone)
    wall0 = datetime(*START_DAY, tzinfo=zone).timestamp()
    rng = random.Random(seed)
    clock = VirtualClock(wall_start=wall0)
    journal = Journal(
        ":memory:", box_id=config.box_id, clock=clock, retention=Retention(365, max_events=10**12)
    )
    agent_events: list[Event] = []
    engine = CallEngine(journal=journal, clock=clock)
    acd = Acd(config, engine=engine, clock=clock, rng=rng)
    with tempfile.TemporaryDirectory(prefix="hotline-sim-") as voicemail_dir:
        ivr = Ivr(
            config, engine=engine, acd=acd, prompts=None, clock=clock, voicemail_dir=voicemail_dir
        )
        callers = _Callers(config, lines, engine, ivr, clock, rng, zone)
        journal.subscribe(callers.heard)
        journal.subscribe(lambda ev: ev.kind in AGENT_KINDS and agent_events.append(ev))
        staff = _Staff(config, acd, clock, rng)
        stop = clock.now() + days * 86400.0
        try:
            staff.start()
            callers.start(until=stop)
            while clock.now() < stop:
                await clock.run_until(min(stop, clock.now() + PROGRESS_STEP_S))
                if progress is not None:
                    progress(clock.now(), stop)
            while engine.calls and clock.now() < stop + MAX_DRAIN_S:
                await clock.run_until(clock.now() + PROGRESS_STEP_S)
            for call in list(engine.calls.values()):  # waited a week: give up on them
                engine.end(call, "system", "simulation-end")
            await settle()
            kpis = compute(
                journal.cdrs(),
                agent_events,
                start=wall0,
                end=wall0 + days * 86400.0,
                sl_threshold_s=sl_threshold_s,
            )
            return dataclasses.replace(kpis, blocked=callers.blocked)
        finally:
            callers.stop()
            staff.stop()
            journal.close()


def prompt_seconds(config: Config) -> Callable[[str, str], float]:
    """How long a prompt takes to play: its text at ~14 characters a second."""

    def seconds(name: str, lang: str) -> float:
        prompt = config.prompts.get(name)
        if prompt is None:
            return 0.5  # built-in sounds (the beep before a message)
        text = prompt.text.get(lang) or prompt.text.get(config.languages.default)
        return 0.5 + len(text) / CHARS_PER_S if text else RECORDING_S

    return seconds


class _Staff:
    """Logs agents in while the ``staffed`` schedule is open, out while closed."""

    def __init__(self, config: Config, acd: Acd, clock: VirtualClock, rng: random.Random):
        traffic = config.traffic
        self._acd, self._clock = acd, clock
        self._schedule = config.hours.get(traffic.staffed) if traffic.staffed else None
        self._holidays = list(config.holidays.values())
        self._agents = list(config.agents)
        self._in: set[str] = set()
        self._timer: Timer | None = None
        talk_rate = 1.0 / traffic.aht_s
        for name in self._agents:
            endpoint = SimAgent(
                name,
                acd,
                clock,
                lambda: rng.expovariate(talk_rate),
                answer_delay_s=traffic.answer_delay_s,
            )
            acd.attach(name, endpoint)
        self._stations = {name: agent.station for name, agent in config.agents.items()}

    def start(self) -> None:
        self._check()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _check(self) -> None:
        staffed = self._schedule is None or is_open(
            self._schedule, self._holidays, self._clock.wall()
        )
        for name in self._agents:
            if staffed and name not in self._in:
                self._acd.login(name, self._stations[name])
                self._in.add(name)
            elif not staffed and name in self._in:
                self._acd.logout(name)  # on a call: once it ends
                self._in.discard(name)
        self._timer = self._clock.call_later(STAFF_CHECK_S, self._check)


class _Callers(ArrivalStream):
    """Hourly-rate Poisson arrivals through the lines' flows; patience once queued."""

    def __init__(
        self,
        config: Config,
        lines: list[tuple[str, str]],
        engine: CallEngine,
        ivr: object,
        clock: VirtualClock,
        rng: random.Random,
        zone: ZoneInfo,
    ) -> None:
        super().__init__(engine, clock, rng)
        traffic = config.traffic
        self._traffic = traffic
        self._ivr, self._zone = ivr, zone
        self._lines = lines  # (line, its flow)
        self._keys = {
            prompt: (list(choices), list(choices.values()))
            for prompt, choices in traffic.keys.items()
        }
        self._prompt_s = prompt_seconds(config)
        self._lang = config.languages.default
        self._media: dict[str, SimCaller] = {}
        # A line carries one call: a caller who finds them all busy hears busy.
        self._busy: dict[str, str] = {}  # line -> call id on it
        self._line_of: dict[str, str] = {}  # and back
        self.blocked = 0

    def _rate_and_hour_end(self) -> tuple[float, float]:
        """Calls a second now, and when this local hour ends (virtual seconds)."""
        wall = self._clock.wall()
        local = datetime.fromtimestamp(wall, self._zone)
        t = self._traffic
        weekend = local.weekday() >= 5 and t.weekend_arrivals_per_hour is not None
        rates = t.weekend_arrivals_per_hour if weekend else t.arrivals_per_hour
        into_hour = local.minute * 60 + local.second + local.microsecond / 1e6
        return rates[local.hour] / 3600.0, self._clock.now() - into_hour + 3600.0

    def _schedule(self) -> None:
        # Rates change on the hour; a Poisson stream may restart there (no memory).
        now = self._clock.now()
        rate, hour_end = self._rate_and_hour_end()
        gap = self._rng.expovariate(rate) if rate > 0 else float("inf")
        if now + gap < min(hour_end, self._until):
            self._next = self._clock.call_later(gap, self._arrive)
        elif hour_end < self._until:
            self._next = self._clock.call_later(hour_end - now, self._schedule)
        else:
            self._next = None

    def _arrive(self) -> None:
        self._schedule()
        rng = self._rng
        free = [(line, flow) for line, flow in self._lines if line not in self._busy]
        if not free:
            self.blocked += 1
            return
        line, flow = free[rng.randrange(len(free))]
        caller = (
            rng.choice(("+38050", "+38067", "+38063", "+38044")) + f"{rng.randrange(10**7):07d}"
        )
        media = SimCaller(
            self._clock,
            rng,
            self._keys,
            self._prompt_s,
            silent=rng.random() < self._traffic.silent_share,
        )
        call = self._engine.arrive(
            line=line, caller=caller, media=media, lang=self._lang, flow=flow
        )
        self._media[call.call_id] = media
        self._busy[line] = call.call_id
        self._line_of[call.call_id] = line
        self._run(call, self._ivr.run)

    def heard(self, ev: Event) -> None:
        """Journal listener: patience starts when a call is first queued."""
        call_id = ev.fields.get("call_id") if ev.kind in _WATCHED else None
        if call_id is None:
            return
        if ev.kind == CALL_QUEUED:
            call = self._engine.calls.get(call_id)
            patience = self._traffic.patience_s
            if call is not None and patience is not None and call_id not in self._give_up:
                self._patience(call, patience)
            return
        self._forget(call_id)  # answered or ended
        if ev.kind == CALL_ENDED:
            self._media.pop(call_id, None)
            line = self._line_of.pop(call_id, None)
            if line is not None:
                del self._busy[line]

    def _hang_up(self, call: Call) -> None:
        media = self._media.get(call.call_id)
        if media is not None:
            media.gone = True
        super()._hang_up(call)


_WATCHED = (CALL_QUEUED, CALL_ANSWERED, CALL_ENDED)
