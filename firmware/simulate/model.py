"""Model mode: an M/M/N(+M) queue run through the real engine, ACD and journal.

Poisson arrivals at ``arrivals_per_hour``; each call goes straight into one queue
(no IVR) served longest-idle by ``agents`` agents who are always ready, answer at
once and talk for an exponential time of mean ``aht_s`` with no wrap-up; with
``patience_s`` each caller hangs up after an exponential wait of that mean unless
answered first. That is exactly Erlang C's model (Erlang A with patience), so the
KPIs can be held against :mod:`firmware.erlang`.

One ``random.Random(seed)`` draws everything (arrivals, talk and patience times,
the ACD's own choices), in the order events happen; the virtual clock orders
events deterministically, so a seed gives the same KPIs to the last digit.

Warm-up: the run starts with every agent idle and nobody waiting, which a busy
office never is; calls arriving in the first hour (:data:`WARM_UP_S`) are run but
left out of the KPIs, which cover the ``hours`` after it.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass

from ..acd import Acd
from ..call import Call
from ..clock import VirtualClock, settle
from ..config import Config, parse_config
from ..engine import CallEngine
from ..journal import Event, Journal, Retention
from ..kpis import AGENT_KINDS, Kpis, compute
from .arrivals import ArrivalStream
from .people import SILENT, SimAgent

#: Calls arriving in this first stretch are simulated but not counted.
WARM_UP_S = 3600.0
QUEUE = "q"
LINE = "sim"
#: ``progress(done_s, total_s)`` is called about this often (simulated seconds).
PROGRESS_STEP_S = 3600.0


def model_config(agents: int) -> Config:
    """The config model mode runs: one queue (longest-idle, no wrap-up, no
    announcements, no limits), ``agents`` agents in it, one line whose flow only
    queues. Built as TOML data and validated like any config file."""
    data = {
        "box_id": "sim",
        "languages": {"available": ["en"], "default": "en"},
        "lines": {LINE: {"kind": "gsm", "port": "simulated", "flow": "model"}},
        "queues": {
            QUEUE: {
                "label": "Model queue",
                "strategy": "longest-idle",
                "wrapup_s": 0,
                "announce_every_s": 0,
            }
        },
        "agents": {f"a{i:0{len(str(agents))}d}": {"queues": [QUEUE]} for i in range(1, agents + 1)},
        "ivr": {
            "model": {
                "start": "queue",
                "silence_after_s": 0,
                "nodes": {"queue": {"type": "queue", "queue": QUEUE}},
            }
        },
    }
    return parse_config(data)


@dataclass(frozen=True)
class ModelRun:
    """What one model run measured, and how much it simulated."""

    kpis: Kpis
    #: The same KPIs over ``batches`` equal consecutive parts of the measured hours,
    #: for batch-means error bars (their spread shows how much the total can be off).
    batches: tuple[Kpis, ...]
    calls: int  # every call simulated, warm-up and drain included
    events: int  # journal events written
    simulated_s: float  # virtual seconds, warm-up and drain included


async def run_model(
    agents: int,
    arrivals_per_hour: float,
    aht_s: float,
    hours: float,
    seed: int,
    patience_s: float | None = None,
    sl_threshold_s: float = 20,
    progress: Callable[[float, float], None] | None = None,
) -> Kpis:
    """The KPIs of ``hours`` (after a warm-up hour) of the model office."""
    run = await simulate_model(
        agents, arrivals_per_hour, aht_s, hours, seed, patience_s, sl_threshold_s, progress
    )
    return run.kpis


async def simulate_model(
    agents: int,
    arrivals_per_hour: float,
    aht_s: float,
    hours: float,
    seed: int,
    patience_s: float | None = None,
    sl_threshold_s: float = 20,
    progress: Callable[[float, float], None] | None = None,
    *,
    batches: int = 0,
) -> ModelRun:
    """:func:`run_model`, with the run's size and, if ``batches`` > 0, the KPIs of
    that many equal parts of the measured hours. ValueError names a bad argument."""
    check_model_args(agents, arrivals_per_hour, aht_s, hours, seed, patience_s, sl_threshold_s)
    if isinstance(batches, bool) or not isinstance(batches, int) or batches < 0:
        raise ValueError(f"batches: {batches!r} (expected a whole number >= 0)")
    rng = random.Random(seed)
    clock = VirtualClock()
    # Appends never prune, so the retention only has to be valid.
    retention = Retention(365, max_events=10**12)
    journal = Journal(":memory:", box_id="sim", clock=clock, retention=retention)
    agent_events: list[Event] = []

    def keep_agent_event(ev: Event) -> None:
        if ev.kind in AGENT_KINDS:
            agent_events.append(ev)

    journal.subscribe(keep_agent_event)
    engine = CallEngine(journal=journal, clock=clock)
    config = model_config(agents)
    acd = Acd(config, engine=engine, clock=clock, rng=rng)
    callers = _Callers(engine, acd, clock, rng, arrivals_per_hour / 3600.0, patience_s)
    for name in config.agents:
        talk = _draw(rng, 1.0 / aht_s)
        acd.attach(name, SimAgent(name, acd, clock, talk, on_connect=callers.answered))
        acd.login(name, None)

    t0, wall0 = clock.now(), clock.wall()
    stop = t0 + WARM_UP_S + hours * 3600.0
    try:
        callers.start(until=stop)
        total = stop - t0
        while clock.now() < stop:
            await clock.run_until(min(stop, clock.now() + PROGRESS_STEP_S))
            if progress is not None:
                progress(clock.now() - t0, total)
        # Drain: arrivals stopped; let every call still in progress finish.
        while engine.calls and clock.next_wakeup is not None:
            await clock.run_until(clock.now() + PROGRESS_STEP_S)
        await settle()
        if engine.calls or callers.tasks:
            raise RuntimeError(
                f"model run: {len(engine.calls)} calls still in progress after the drain "
                "(an ACD that never served or released them?)"
            )
        cdrs = journal.cdrs()  # by arrival
        start, end = wall0 + WARM_UP_S, wall0 + (stop - t0)
        kpis = compute(cdrs, agent_events, start=start, end=end, sl_threshold_s=sl_threshold_s)
        parts = []
        if batches:
            # A call that arrived this long before a batch may still talk into it.
            longest = max((c.end - c.arrival for c in cdrs), default=0.0)
            arrivals = [c.arrival for c in cdrs]
            width = (end - start) / batches
            for i in range(batches):
                b0, b1 = start + i * width, start + (i + 1) * width
                some = cdrs[bisect_left(arrivals, b0 - longest) : bisect_left(arrivals, b1)]
                parts.append(
                    compute(some, agent_events, start=b0, end=b1, sl_threshold_s=sl_threshold_s)
                )
        return ModelRun(kpis, tuple(parts), callers.count, journal.last_seq, clock.now() - t0)
    finally:
        callers.stop()
        journal.close()


def check_model_args(
    agents: int,
    arrivals_per_hour: float,
    aht_s: float,
    hours: float,
    seed: int,
    patience_s: float | None,
    sl_threshold_s: float,
) -> None:
    """ValueError naming the first argument that cannot be simulated."""
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents: {agents!r} (expected a whole number >= 1)")
    for name, value in (
        ("arrivals_per_hour", arrivals_per_hour),
        ("aht_s", aht_s),
        ("hours", hours),
    ):
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name}: {value!r} (expected a finite number > 0)")
    if patience_s is not None and not (math.isfinite(patience_s) and patience_s > 0):
        raise ValueError(f"patience_s: {patience_s!r} (expected seconds > 0, or None: never)")
    if not (math.isfinite(sl_threshold_s) and sl_threshold_s >= 0):
        raise ValueError(f"sl_threshold_s: {sl_threshold_s!r} (expected seconds >= 0)")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: {seed!r} (expected a whole number)")
    load = arrivals_per_hour / 3600.0 * aht_s
    if patience_s is None and agents <= load:
        raise ValueError(
            f"agents: {agents} cannot keep up with {load:g} Erlangs ({arrivals_per_hour:g} "
            f"calls/h x {aht_s:g} s) and callers never give up, so the queue grows without end "
            f"(expected more than {load:g} agents, or a patience)"
        )


def _draw(rng: random.Random, rate: float) -> Callable[[], float]:
    return lambda: rng.expovariate(rate)


class _Callers(ArrivalStream):
    """Poisson arrivals, each call run straight into the queue; optional patience."""

    def __init__(
        self,
        engine: CallEngine,
        acd: Acd,
        clock: VirtualClock,
        rng: random.Random,
        rate_per_s: float,
        patience_s: float | None,
    ) -> None:
        super().__init__(engine, clock, rng)
        self._acd = acd
        self._rate = rate_per_s
        self._patience_s = patience_s
        self.count = 0

    def _schedule(self) -> None:
        gap = self._rng.expovariate(self._rate)
        if self._clock.now() + gap < self._until:
            self._next = self._clock.call_later(gap, self._arrive)
        else:
            self._next = None

    def _arrive(self) -> None:
        self._schedule()
        self.count += 1
        call = self._engine.arrive(line=LINE, caller=None, media=SILENT, lang="en")
        if self._patience_s is not None:
            self._patience(call, self._patience_s)
            call.on_end(self.answered)  # forget the timer however the call ends
        self._run(call, self._queue)

    async def _queue(self, call: Call) -> None:
        outcome = await self._acd.enqueue(call, QUEUE)
        if outcome.result not in ("answered", "ended"):
            # The model queue has no limits and is never closed; say so if it was.
            self._engine.end(call, "system", f"model-{outcome.result}")

    def answered(self, call: Call) -> None:
        """The caller is through (or gone): they no longer give up."""
        self._forget(call.call_id)
