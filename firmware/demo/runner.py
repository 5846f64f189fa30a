"""The live demo, start to end: sticks, config, daemon, people, board, KPIs.

1. Three Huawei sticks are emulated on pseudo-terminals; the demo config
   (:mod:`.office`) is written next to the journal in a directory of its own.
2. The real :class:`firmware.daemon.Daemon` starts on the real clock with that config:
   espeak-ng renders the prompts, the Huawei drivers open the ptys.
3. At the real station ``desk1`` (panel on gpiozero's ``MockFactory``, a WAV as the
   headset mic, :mod:`.voice`) a robot hand presses ready (:mod:`.desk`, :mod:`.seat`);
   then the simulated operators log in (:mod:`.operators`), callers start ringing
   (:mod:`.callers`), the wallboard draws (:mod:`.wallboard`).
4. After ``seconds``, nobody new rings; the calls in progress get a short while to
   finish (a quarter of the run, at most 15 s), then whoever is left hangs up.
5. The daemon stops; the KPIs are computed from the journal file it leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..audio import tts
from ..audio.prompts import PromptError
from ..audio.tts import TtsError
from ..cdr import CALL_ANSWERED, CALL_ARRIVED, CALL_ENDED
from ..clock import Clock, RealClock
from ..config import Config, load_config
from ..daemon import Daemon, resolve
from ..emulator.huawei import HuaweiEmulator
from ..journal import Event, Journal, Retention
from ..kpis import AGENT_KINDS, Kpis, compute
from ..lines.events import LineState
from ..panel import make_pin_factory
from .callers import CallerHabits, Callers
from .office import DESK, DESK_VOICE, LINES, write_config
from .operators import Office, OperatorFactory, simulated_operators
from .seat import DeskReport, Seat
from .voice import write_voice
from .wallboard import Wallboard

LINES_UP_WITHIN_S = 20.0
MAX_DRAIN_S = 15.0
SETTLE_S = 1.0
SL_THRESHOLD_S = 20.0
ON_BREAK = "carol"
#: The desk's own break: when (a share of the run) and for how long.
DESK_PAUSE_AT = 0.35
DESK_PAUSE_FOR_S = 3.0


class DemoUnavailable(RuntimeError):
    """Something the demo needs is missing on this machine (the message says what)."""


@dataclass(frozen=True)
class DemoResult:
    kpis: Kpis
    config: Path
    journal: Path
    rung: int  # calls the simulated callers placed
    busy: int  # callers who found every line busy
    cdrs: int  # call records in the journal
    desk: DeskReport | None = None  # the real station, if the config has it


def check_available() -> None:
    """DemoUnavailable unless espeak-ng can speak the prompts."""
    if not tts.available():
        raise DemoUnavailable(
            "espeak-ng is not installed, and the demo's prompts are text it must speak "
            "(install it: apt install espeak-ng; or try hotline demo --dsp)"
        )


async def run_demo(
    seconds: float,
    seed: int,
    out: TextIO,
    *,
    directory: Path | None = None,
    tty: bool = False,
    clock: Clock | None = None,
    operators: OperatorFactory | None = None,
    habits: CallerHabits | None = None,
) -> DemoResult:
    """Run the office for ``seconds``; the board goes to ``out``. ``operators`` replaces
    the simulated ones (e.g. real stations for some agents)."""
    if not seconds > 0:
        raise ValueError(f"seconds: {seconds!r} (expected a number of seconds > 0)")
    check_available()
    clock = clock or RealClock()
    rng = random.Random(seed)  # callers; the operators draw from their own
    directory = Path(directory or tempfile.mkdtemp(prefix="hotline-demo-"))
    directory.mkdir(parents=True, exist_ok=True)
    sticks = {line: HuaweiEmulator(seed=seed + i) for i, line in enumerate(LINES)}
    for stick in sticks.values():
        stick.ring_interval_s = 1.0
        await stick.start()
    try:
        path = write_config(directory, {line: (s.path, s.voice.path) for line, s in sticks.items()})
        try:  # the desk's headset plays it from the start: long enough for the whole run
            write_voice(directory / DESK_VOICE, seconds * 1.25 + LINES_UP_WITHIN_S + 10)
        except TtsError as exc:
            raise DemoUnavailable(f"espeak-ng cannot speak the operator's voice: {exc}") from None
        config = load_config(path)
        journal_path = resolve(path.parent, config.journal.path)
        out.write(f"Hotline demo: {len(sticks)} emulated Huawei sticks, config {path}\n")
        out.flush()
        t0 = clock.wall()
        try:
            rung, busy, desk = await _office(
                config=config, path=path, clock=clock, rng=rng, sticks=sticks,
                seconds=seconds, out=out, tty=tty, operators=operators, habits=habits,
            )  # fmt: skip
        except PromptError as exc:
            raise DemoUnavailable(f"espeak-ng cannot speak the demo's prompts: {exc}") from None
        t_end = clock.wall()
    finally:
        for stick in sticks.values():
            await stick.stop()
    kpis, n_cdrs = read_kpis(journal_path, config, clock, t0, t_end)
    return DemoResult(kpis, path, journal_path, rung, busy, n_cdrs, desk)


async def _office(
    *,
    config: Config,
    path: Path,
    clock: Clock,
    rng: random.Random,
    sticks: dict[str, HuaweiEmulator],
    seconds: float,
    out: TextIO,
    tty: bool,
    operators: OperatorFactory | None,
    habits: CallerHabits | None,
) -> tuple[int, int, DeskReport | None]:
    """The daemon, the people and the board, for ``seconds``; stops them all. Returns
    the calls the callers placed, how many found every line busy, and the desk's report."""
    pins = make_pin_factory("mock")  # the desk's panel: gpiozero's own mock pins
    daemon = Daemon(path, config, clock=clock, pin_factory=pins)
    board = Wallboard(daemon.switchboard, clock, out, tty=tty)
    daemon.journal.subscribe(board.heard)
    callers = Callers(sticks, clock, rng, habits, say=board.aside)
    acd = daemon.switchboard.acd
    daemon.journal.subscribe(_tell_answered(callers))
    make = operators or simulated_operators(acd, clock, random.Random(rng.random()))
    # Agents at a station are the station's (logged in by the daemon); the rest simulated.
    simulated = [a for a, c in config.agents.items() if c.station is None]
    office = Office(
        acd, clock, simulated, make,
        on_break=ON_BREAK if ON_BREAK in simulated else None,
        break_at=(seconds * 0.3, seconds * 0.6),
    )  # fmt: skip
    seat: Seat | None = None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, stopping.set)  # Ctrl-C: end early, report
    try:
        await daemon.start()
        await _lines_up(daemon, clock)
        if daemon.stations is not None and DESK in daemon.stations.stations:
            seat = Seat(
                daemon.stations, DESK, sticks, clock, random.Random(rng.random()),
                pin_factory=pins, pause_at_s=seconds * DESK_PAUSE_AT,
                pause_for_s=DESK_PAUSE_FOR_S, done_by_s=seconds,
            )  # fmt: skip
            daemon.journal.subscribe(seat.ear.heard)
            board.desks = seat.board_lines
            # Ready before the others log in: the longest idle gets the first call.
            if not await seat.start():
                board.aside(f"{DESK}: the ready light did not come on after pressing ready")
        office.start()
        callers.start()
        board.start()
        board.note = "calls coming in"
        await _sleep_or(clock, seconds, stopping)
        callers.stop_arrivals()
        board.note = "no new calls; letting calls finish"
        drain = min(MAX_DRAIN_S, seconds / 4)
        end = clock.now() + drain
        while callers.on_lines and clock.now() < end and not stopping.is_set():
            await clock.sleep(0.2)
        callers.hang_up_all()
        await clock.sleep(SETTLE_S)  # the box hears the hang-ups and journals them
        await board.stop()
        board.draw()
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        await board.stop()
        office.stop()
        if seat is not None:
            await seat.stop()
        await callers.stop()
        await daemon.stop()
        pins.close()
    return callers.rung, callers.busy, seat.report() if seat is not None else None


def _tell_answered(callers: Callers) -> Callable[[Event], None]:
    """A journal subscriber telling a caller that a person answered them (the demo's
    stand-in for hearing "hello"; it works the same for a real station)."""
    lines: dict[str, str] = {}  # call id -> line

    def heard(ev: Event) -> None:
        if ev.kind == CALL_ARRIVED:
            lines[ev.fields["call_id"]] = ev.fields["line"]
        elif ev.kind == CALL_ANSWERED and ev.fields["call_id"] in lines:
            callers.agent_answered(lines[ev.fields["call_id"]])
        elif ev.kind == CALL_ENDED:
            lines.pop(ev.fields["call_id"], None)

    return heard


async def _lines_up(daemon: Daemon, clock: Clock) -> None:
    end = clock.now() + LINES_UP_WITHIN_S
    while clock.now() < end:
        lines = daemon.switchboard.lines
        if all(line.state == LineState.READY for line in lines.values()):
            return
        await clock.sleep(0.1)
    down = [n for n, line in daemon.switchboard.lines.items() if line.state != LineState.READY]
    raise DemoUnavailable(
        f"lines {', '.join(down)} did not come up within {LINES_UP_WITHIN_S:.0f} s "
        "(expected the emulated sticks to answer the driver; see the log above)"
    )


async def _sleep_or(clock: Clock, seconds: float, event: asyncio.Event) -> None:
    sleep = asyncio.ensure_future(clock.sleep(seconds))
    wait = asyncio.ensure_future(event.wait())
    await asyncio.wait({sleep, wait}, return_when=asyncio.FIRST_COMPLETED)
    for task in (sleep, wait):
        task.cancel()
    await asyncio.gather(sleep, wait, return_exceptions=True)


def read_kpis(
    journal_path: Path, config: Config, clock: Clock, start: float, end: float
) -> tuple[Kpis, int]:
    """The KPIs of ``[start, end]`` from the journal file the daemon left, and how many
    call records it holds."""
    journal = Journal(
        journal_path,
        box_id=config.box_id,
        clock=clock,
        retention=Retention(config.journal.retention_days, max_events=config.journal.max_events),
    )
    try:
        cdrs = journal.cdrs()
        agent_events = [e for e in journal.events(limit=None) if e.kind in AGENT_KINDS]
    finally:
        journal.close()
    kpis = compute(cdrs, agent_events, start=start, end=end + 1.0, sl_threshold_s=SL_THRESHOLD_S)
    return kpis, len(cdrs)
