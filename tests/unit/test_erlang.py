"""Erlang C against its textbook factorial form, computed exactly with fractions."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from firmware import erlang


def exact_p_wait(agents: int, traffic: Fraction) -> Fraction:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)), exactly."""
    top = traffic**agents / math.factorial(agents) * Fraction(agents) / (agents - traffic)
    below = sum(traffic**k / math.factorial(k) for k in range(agents))
    return top / (below + top)


CASES = [  # (agents, arrivals/h, aht s): small and busy offices, and an idle one
    (14, 200, 180),
    (1, 10, 120),
    (3, 40, 200),
    (25, 1000, 80),
    (8, 1, 300),
]


@pytest.mark.parametrize(("agents", "per_hour", "aht"), CASES)
def test_the_recursion_agrees_with_the_factorial_form(agents, per_hour, aht):
    a = Fraction(per_hour) / 3600 * aht
    c = exact_p_wait(agents, a)
    assert erlang.p_wait(agents, per_hour, aht) == pytest.approx(float(c), rel=1e-12)
    asa = c * aht / (agents - a)
    assert erlang.asa_s(agents, per_hour, aht) == pytest.approx(float(asa), rel=1e-12)
    sl = 1 - float(c) * math.exp(-float(agents - a) * 20 / aht)
    assert erlang.service_level(agents, per_hour, aht, 20) == pytest.approx(sl, rel=1e-12)
    assert erlang.occupancy(agents, per_hour, aht) == pytest.approx(float(a / agents), rel=1e-15)


def test_the_textbook_office_14_agents_200_calls_an_hour_3_minutes_each():
    # The figures quoted for this case: P(wait) ~ 0.174, SL(20 s) ~ 0.888, ASA ~ 7.8 s.
    exact = exact_p_wait(14, Fraction(10))
    assert erlang.p_wait(14, 200, 180) == pytest.approx(float(exact), rel=1e-12)
    assert round(erlang.p_wait(14, 200, 180), 3) == 0.174
    assert round(erlang.service_level(14, 200, 180, 20), 3) == 0.888
    assert round(erlang.asa_s(14, 200, 180), 1) == 7.8
    assert erlang.occupancy(14, 200, 180) == pytest.approx(10 / 14)


def test_large_offices_stay_finite_where_factorials_would_overflow():
    # 1000! and 950^1000 are far beyond a float; the recursion never forms them.
    c = erlang.p_wait(1000, 950 * 3600 / 180, 180)
    assert 0 < c < 1
    assert erlang.p_wait(1000, 990 * 3600 / 180, 180) > c  # busier: more wait


def test_service_level_at_zero_seconds_is_the_share_served_at_once():
    assert erlang.service_level(14, 200, 180, 0) == pytest.approx(1 - erlang.p_wait(14, 200, 180))


def test_no_calls_no_wait():
    assert erlang.p_wait(3, 0, 180) == 0
    assert erlang.asa_s(3, 0, 180) == 0
    assert erlang.service_level(3, 0, 180, 20) == 1
    assert erlang.agents_for(0.8, 20, 0, 180) == 0


@pytest.mark.parametrize(
    ("target", "threshold", "per_hour", "aht"),
    [(0.8, 20, 200, 180), (0.9, 15, 200, 180), (0.5, 60, 30, 240), (0.95, 10, 2000, 60)],
)
def test_agents_for_is_the_fewest_that_meet_the_target(target, threshold, per_hour, aht):
    n = erlang.agents_for(target, threshold, per_hour, aht)
    assert erlang.service_level(n, per_hour, aht, threshold) >= target
    a = erlang.traffic(per_hour, aht)
    if n - 1 > a:
        assert erlang.service_level(n - 1, per_hour, aht, threshold) < target
    else:
        assert n == math.floor(a) + 1


def test_agents_for_the_textbook_office_is_14():
    assert erlang.agents_for(0.8, 20, 200, 180) == 14


@pytest.mark.parametrize("agents", [10, 9, 1])
def test_too_few_agents_is_an_unstable_queue(agents):
    with pytest.raises(ValueError, match=r"cannot keep up with 10 Erlangs.*more than 10 agents"):
        erlang.p_wait(agents, 200, 180)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: erlang.p_wait(0, 200, 180), "agents: 0"),
        (lambda: erlang.p_wait(2.5, 1, 180), "agents: 2.5"),
        (lambda: erlang.p_wait(14, -1, 180), "arrivals_per_hour: -1"),
        (lambda: erlang.p_wait(14, 200, 0), "aht_s: 0"),
        (lambda: erlang.asa_s(14, float("nan"), 180), "arrivals_per_hour: nan"),
        (lambda: erlang.service_level(14, 200, 180, -5), "threshold_s: -5"),
        (lambda: erlang.agents_for(1.0, 20, 200, 180), "target_sl: 1.0"),
        (lambda: erlang.agents_for(0, 20, 200, 180), "target_sl: 0"),
    ],
)
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
