"""A caller's priority in a queue: the call's own, the queue's number rules, callbacks."""

from __future__ import annotations

from firmware.call import Call
from firmware.config.queues import Queue as QueueConfig


def matches(pattern: str, number: str | None) -> bool:
    """Whether a ``[[queues.q.priority]]`` pattern matches a caller number: exact, or a
    prefix ending in '*' ('*' alone matches every caller, withheld numbers too)."""
    if pattern == "*":
        return True
    if number is None:
        return False
    if pattern.endswith("*"):
        return number.startswith(pattern[:-1])
    return number == pattern


def call_priority(call: Call, queue: QueueConfig) -> int:
    """The highest of: the call's own priority, every rule matching the caller's number,
    and the queue's ``callback_priority`` for a callback (``vars["callback"]`` set)."""
    best = call.priority
    if call.vars.get("callback"):
        best = max(best, queue.callback_priority)
    for rule in queue.priority:
        if rule.priority > best and any(matches(p, call.caller) for p in rule.numbers):
            best = rule.priority
    return best
