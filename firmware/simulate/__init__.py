"""``hotline simulate``: virtual-time traffic through the real call engine and ACD.

Model mode (:func:`run_model`) checks the engine against queueing theory: Poisson
callers, exponential handle times, one queue, N agents; its KPIs should match
Erlang C (:mod:`firmware.erlang`). Config mode (:mod:`.config_mode`) sends a
config's ``[traffic]`` through its own IVR flows, queues and agents.

Nothing here takes a shortcut the box would not: every call is journaled (in
memory) and routed by :class:`firmware.acd.Acd`; only the people are simulated
(:mod:`.people`), and time is a :class:`firmware.clock.VirtualClock`.
"""

from .model import ModelRun, model_config, run_model, simulate_model

__all__ = ["ModelRun", "model_config", "run_model", "simulate_model"]
