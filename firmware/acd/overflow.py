"""Where an overflowing caller goes: the queue's ``overflow`` rule, made safe."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from .queues import QueueState

log = logging.getLogger(__name__)


def overflow_rule(
    q: QueueState, visited: set[str], queues: Mapping[str, QueueState], call_id: str
) -> tuple[str, str | None]:
    """(action, target) for a caller overflowing from ``q``.

    voicemail without a target uses the queue's name as the mailbox. A move to a
    queue the caller was in already (queues overflowing into each other) or to one a
    reload removed becomes a hang-up: the caller would go round for ever.
    """
    ov = q.config.overflow
    if ov is None:  # a validated config has one wherever max_wait_s/max_length is set
        return "hangup", None
    action, target = ov.action, ov.target
    if action == "voicemail":
        return action, target or q.name
    if action == "queue":
        dest = queues.get(target or "")
        if target in visited or dest is None or dest.removed:
            log.warning(
                "call %s: overflow from %s to queue %s would loop or has no queue; hanging up",
                call_id,
                q.name,
                target,
            )
            return "hangup", None
    return action, target
