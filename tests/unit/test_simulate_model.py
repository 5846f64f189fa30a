"""Model mode through the real engine, ACD and journal, against queueing theory."""

from __future__ import annotations

import asyncio
import heapq
import math
import random
import statistics
from collections import deque

import pytest

from firmware import erlang
from firmware.simulate import model_config, run_model, simulate_model
from firmware.simulate.model import WARM_UP_S

N, PER_HOUR, AHT, THRESHOLD = 14, 200.0, 180.0, 20.0


def bare_mmc(agents, per_hour, aht, hours, seed):
    """The same model with only a heap and the same draws in the same order (next
    arrival gap when a call arrives, talk time when it is answered): the waits of
    the calls after the warm-up."""
    rng = random.Random(seed)
    rate, stop = per_hour / 3600, WARM_UP_S + hours * 3600
    idle, waiting, waits = agents, deque(), []
    events = [(rng.expovariate(rate), 0)]  # (time, 0 arrival | 1 agent free)

    def serve(now, arrived):
        if WARM_UP_S <= arrived < stop:
            waits.append(now - arrived)
        heapq.heappush(events, (now + rng.expovariate(1 / aht), 1))

    while events:
        now, kind = heapq.heappop(events)
        if kind == 0:
            gap = rng.expovariate(rate)
            if now + gap < stop:
                heapq.heappush(events, (now + gap, 0))
            if idle:
                idle -= 1
                serve(now, now)
            else:
                waiting.append(now)
        elif waiting:
            serve(now, waiting.popleft())
        else:
            idle += 1
    return waits


async def test_the_engine_waits_exactly_as_a_bare_mmc_simulation_draw_for_draw():
    # Same seed, same draws: any wait the engine, ACD, journal or KPIs got wrong
    # (a missed offer, a late answer, a wrong field) shows as a difference.
    k = await run_model(N, PER_HOUR, AHT, hours=20, seed=11)
    waits = bare_mmc(N, PER_HOUR, AHT, 20, seed=11)
    assert k.offered == k.answered == len(waits) > 3000
    assert k.p_wait == pytest.approx(sum(w > 0 for w in waits) / len(waits), abs=1e-12)
    assert k.asa_s == pytest.approx(statistics.fmean(waits), abs=1e-5)
    assert k.service_level == pytest.approx(sum(w <= 20 for w in waits) / len(waits), abs=1e-12)
    assert k.longest_wait_s == pytest.approx(max(waits), abs=1e-5)
    assert k.abandoned == 0


# --- agreement with Erlang C --------------------------------------------------------
# The issue asks for P(wait), ASA and SL within 2% of the formula over 2,000 simulated
# hours (~400,000 calls). That run takes minutes here, so bench/simulate.py prints it;
# this test runs 200 hours (~40,000 calls) and allows what that sample honestly
# supports. Waits of successive calls are strongly correlated (a busy spell delays
# many), so the error is judged by batch means: the 200 hours are cut into 20 batches
# of 10 hours (each much longer than a busy spell), their KPIs taken as nearly
# independent, and the standard error of the whole is stdev(batches) / sqrt(20). The
# run must be within 4 standard errors of the formula (for t with 19 degrees of
# freedom a chance miss is ~1 in 1,000) — and the band must be narrow enough to tell
# 14 agents from 13 or 15, or the check would prove nothing.
HOURS, BATCHES, Z = 200, 20, 4.0
KEYS = ("p_wait", "asa_s", "service_level", "occupancy")


def formula(agents):
    return {
        "p_wait": erlang.p_wait(agents, PER_HOUR, AHT),
        "asa_s": erlang.asa_s(agents, PER_HOUR, AHT),
        "service_level": erlang.service_level(agents, PER_HOUR, AHT, THRESHOLD),
        "occupancy": erlang.occupancy(agents, PER_HOUR, AHT),
    }


@pytest.fixture(scope="module")
def long_run():
    return asyncio.run(simulate_model(N, PER_HOUR, AHT, HOURS, seed=2026, batches=BATCHES))


def standard_error(run, key):
    parts = [getattr(b, key) for b in run.batches]
    return statistics.stdev(parts) / math.sqrt(len(parts))


@pytest.mark.parametrize("key", KEYS)
def test_200_hours_agree_with_erlang_c_within_the_batch_means_error(long_run, key):
    assert len(long_run.batches) == BATCHES
    got, want, se = getattr(long_run.kpis, key), formula(N)[key], standard_error(long_run, key)
    assert abs(got - want) <= Z * se, f"{key}: {got} vs {want} (SE {se})"


@pytest.mark.parametrize("key", ("p_wait", "asa_s", "service_level"))
def test_the_tolerance_tells_14_agents_from_13_or_15(long_run, key):
    got, se = getattr(long_run.kpis, key), standard_error(long_run, key)
    for other in (13, 15):
        assert abs(got - formula(other)[key]) > Z * se


def test_the_run_offers_the_calls_poisson_promises(long_run):
    # 200 h x 200/h = 40,000 expected; Poisson sd = 200.
    assert abs(long_run.kpis.offered - 40_000) < 4 * 200
    assert long_run.kpis.aht_s == pytest.approx(AHT, rel=0.03)  # sd of the mean ~0.5%


# --- patience, seeds, arguments -------------------------------------------------------
async def test_patience_gives_abandons_and_every_call_is_answered_or_abandoned():
    patient = await run_model(10, PER_HOUR, AHT, hours=4, seed=5, patience_s=60)
    assert patient.abandoned > 0.05 * patient.offered
    assert patient.answered + patient.abandoned == patient.offered
    assert 0 < patient.short_abandoned < patient.abandoned
    assert patient.service_level < 0.8
    less = await run_model(12, PER_HOUR, AHT, hours=4, seed=5, patience_s=60)
    assert less.abandoned < patient.abandoned  # two more agents, fewer give up


async def test_a_seed_reproduces_a_run_exactly_and_another_seed_does_not():
    a = await run_model(4, 60, 120, hours=3, seed=7, patience_s=90)
    b = await run_model(4, 60, 120, hours=3, seed=7, patience_s=90)
    c = await run_model(4, 60, 120, hours=3, seed=8, patience_s=90)
    assert a.as_dict() == b.as_dict()
    assert a.as_dict() != c.as_dict()


async def test_progress_is_reported_up_to_the_whole_run():
    seen = []
    await run_model(2, 10, 60, hours=2.5, seed=1, progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1] == (WARM_UP_S + 2.5 * 3600, WARM_UP_S + 2.5 * 3600)


async def test_agents_are_listed_with_their_time():
    k = await run_model(3, 30, 120, hours=2, seed=3)
    assert sorted(k.agents) == ["a1", "a2", "a3"]
    assert all(a.staffed_s == pytest.approx(7200) and a.paused_s == 0 for a in k.agents.values())
    assert sum(a.answered for a in k.agents.values()) == k.answered
    assert list(k.queues) == ["q"]


def test_the_model_config_is_a_valid_config():
    config = model_config(12)
    assert list(config.agents)[:2] == ["a01", "a02"] and len(config.agents) == 12
    q = config.queues["q"]
    assert (q.strategy, q.wrapup_s, q.announce_every_s) == ("longest-idle", 0, 0)
    assert q.max_wait_s is None and q.max_length is None and q.hours is None


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"agents": 0}, "agents: 0"),
        ({"agents": 2.0}, "agents: 2.0"),
        ({"arrivals_per_hour": -1}, "arrivals_per_hour: -1"),
        ({"aht_s": 0}, "aht_s: 0"),
        ({"hours": float("inf")}, "hours: inf"),
        ({"patience_s": 0}, "patience_s: 0"),
        ({"sl_threshold_s": -1}, "sl_threshold_s: -1"),
        ({"seed": "x"}, "seed: 'x'"),
        ({"agents": 10}, "agents: 10 cannot keep up with 10 Erlangs.*or a patience"),
    ],
)
async def test_bad_arguments_are_named(kw, match):
    args = {"agents": N, "arrivals_per_hour": PER_HOUR, "aht_s": AHT, "hours": 1, "seed": 1}
    with pytest.raises(ValueError, match=match):
        await run_model(**{**args, **kw})


async def test_too_few_agents_run_when_callers_give_up():
    k = await run_model(1, 60, 120, hours=1, seed=1, patience_s=30)
    assert k.abandoned > 0 and k.answered > 0
