"""What the ACD promises the IVR, the stations and the simulator: the outcome of a
queued call, the agent endpoint interface, the agent states and the error type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from firmware.call import Call

# Agent states. "offered" is ringing; "paused" carries a reason.
LOGGED_OUT = "logged_out"
READY = "ready"
OFFERED = "offered"
ON_CALL = "on_call"
WRAP_UP = "wrap_up"
PAUSED = "paused"
STATES = (LOGGED_OUT, READY, OFFERED, ON_CALL, WRAP_UP, PAUSED)
#: States in which an agent staffs their queues (counted by the expected wait).
STAFFED = (READY, OFFERED, ON_CALL, WRAP_UP)

# QueueOutcome.result values.
ANSWERED = "answered"
OVERFLOW = "overflow"
CLOSED = "closed"
ENDED = "ended"


class AcdError(RuntimeError):
    """An action that does not fit the agent's or call's state (answering with no offer,
    logging in twice …). Raised before anything changed."""


@dataclass(frozen=True)
class QueueOutcome:
    """How a call left its queue (what :meth:`Acd.enqueue` returns)."""

    result: str  # "answered" | "overflow" | "closed" | "ended"
    agent: str | None = None  # answered: who
    action: str | None = None  # overflow/closed: "voicemail" | "callback" | "hangup"
    target: str | None = None  # overflow voicemail: mailbox


class AgentEndpoint(Protocol):
    """A station (headset and panel) or a simulated agent: how the ACD reaches a person.

    Calls come from the event loop and must not block. An endpoint may call back into
    the ACD (``acd.agent_answer(agent)``) from inside ``offer``: the ACD is ready for it.
    """

    def offer(self, call: Call) -> None:
        """Start ringing; the agent accepts via ``acd.agent_answer(agent)``."""
        ...

    def cancel_offer(self, call: Call) -> None:
        """Stop ringing (ring timeout, caller gone, taken by another agent)."""
        ...

    def connect(self, call: Call) -> None:
        """The agent now talks to the caller."""
        ...

    def disconnect(self, call: Call) -> None:
        """That call ended."""
        ...
