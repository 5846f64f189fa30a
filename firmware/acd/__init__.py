"""Automatic call distribution: queues, agents and the strategies between them.

``Acd`` is the facade the IVR (``enqueue``), the stations and the simulator (agent
actions) and the daemon (``reconfigure``, ``set_night_mode``, ``snapshot``) use.
How it behaves, for an admin: docs/acd.md.
"""

from .acd import Acd
from .api import STATES, AcdError, AgentEndpoint, QueueOutcome
from .ewt import ewt_s

__all__ = ["STATES", "Acd", "AcdError", "AgentEndpoint", "QueueOutcome", "ewt_s"]
