"""Erlang C: the M/M/c queue's waiting figures, and the staffing forecast built on them.

The model: calls arrive at random (Poisson, ``arrivals_per_hour``), handle times are
exponential with mean ``aht_s``, ``agents`` serve one queue in order of arrival, and
nobody hangs up while waiting. With traffic ``A = arrivals_per_second * aht_s``
(Erlangs) and ``N`` agents:

- ``P(wait) = C(N, A) = N·B / (N − A·(1 − B))`` where ``B`` is Erlang B, computed by
  the recursion ``B(0) = 1, B(k) = A·B(k−1) / (k + A·B(k−1))``: no factorials or powers,
  so it neither overflows nor loses digits for hundreds of agents;
- ``ASA = C · aht_s / (N − A)`` (mean wait over all calls, those served at once too);
- ``SL(t) = 1 − C · exp(−(N − A) · t / aht_s)`` (share of calls answered within ``t``);
- ``occupancy = A / N``.

The queue is stable only for ``N > A``; with fewer agents it grows without end and the
functions raise ValueError saying so. ``hotline simulate`` (model mode) reproduces
these figures through the real engine; see docs/kpis.md.
"""

from __future__ import annotations

import math


def traffic(arrivals_per_hour: float, aht_s: float) -> float:
    """Offered traffic in Erlangs: the mean number of calls in progress."""
    _check_rates(arrivals_per_hour, aht_s)
    return arrivals_per_hour / 3600.0 * aht_s


def p_wait(agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """The probability that a call has to wait (Erlang C)."""
    a = _stable(agents, arrivals_per_hour, aht_s)
    if a == 0:
        return 0.0
    b = 1.0
    for k in range(1, agents + 1):
        b = a * b / (k + a * b)
    return agents * b / (agents - a * (1.0 - b))


def asa_s(agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """Average speed of answer: the mean wait in seconds over all calls."""
    a = _stable(agents, arrivals_per_hour, aht_s)
    return p_wait(agents, arrivals_per_hour, aht_s) * aht_s / (agents - a)


def service_level(agents: int, arrivals_per_hour: float, aht_s: float, threshold_s: float) -> float:
    """The share of calls answered within ``threshold_s`` seconds."""
    if not threshold_s >= 0 or math.isinf(threshold_s):
        raise ValueError(f"threshold_s: {threshold_s!r} (expected a finite number >= 0)")
    a = _stable(agents, arrivals_per_hour, aht_s)
    c = p_wait(agents, arrivals_per_hour, aht_s)
    return 1.0 - c * math.exp(-(agents - a) * threshold_s / aht_s)


def occupancy(agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """The share of the agents' time spent handling calls."""
    return _stable(agents, arrivals_per_hour, aht_s) / agents


def agents_for(target_sl: float, threshold_s: float, arrivals_per_hour: float, aht_s: float) -> int:
    """The fewest agents that answer ``target_sl`` of calls within ``threshold_s``
    (the staffing forecast). No calls need no agents."""
    if not 0 < target_sl < 1:
        raise ValueError(f"target_sl: {target_sl!r} (expected a share between 0 and 1, e.g. 0.8)")
    a = traffic(arrivals_per_hour, aht_s)
    if a == 0:
        return 0
    # Fewer than A agents never keep up; the service level rises with every agent
    # after that and tends to 1, so the loop ends (a few dozen steps in practice).
    n = math.floor(a) + 1
    while service_level(n, arrivals_per_hour, aht_s, threshold_s) < target_sl:
        n += 1
    return n


def _check_rates(arrivals_per_hour: float, aht_s: float) -> None:
    if not (arrivals_per_hour >= 0 and math.isfinite(arrivals_per_hour)):
        raise ValueError(
            f"arrivals_per_hour: {arrivals_per_hour!r} (expected a finite number >= 0)"
        )
    if not (aht_s > 0 and math.isfinite(aht_s)):
        raise ValueError(f"aht_s: {aht_s!r} (expected a finite number of seconds > 0)")


def _stable(agents: int, arrivals_per_hour: float, aht_s: float) -> float:
    """The traffic, after checking the queue with ``agents`` is stable."""
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents: {agents!r} (expected a whole number >= 1)")
    a = traffic(arrivals_per_hour, aht_s)
    if agents <= a:
        raise ValueError(
            f"agents: {agents} cannot keep up with {a:g} Erlangs of traffic "
            f"({arrivals_per_hour:g} calls/h x {aht_s:g} s): the queue grows without end "
            f"(expected more than {a:g} agents)"
        )
    return a
