"""Alarms across a restart: which ones outlive the process that raised them.

An alarm is on from its ``alarm`` event until an ``alarm_cleared`` of the same name.
When the daemon stops with alarms on, the next one starts from the journal's view:

* **Panic alarms** (``panic:*``) wait for a person: a supervisor must acknowledge that
  someone who needed help got it, and a restart (a power cut, an upgrade) does not do
  that. They are handed to the stations, which light the supervisors' alarm LEDs
  again and accept the acknowledgement as if the alarm had been raised now.
* **Every other alarm** describes a condition (a line down, a headset away, a config
  refused, an agent stuck) that the new process checks afresh and raises again if it
  still holds. Carried over unchecked it would stay on for ever, because its clearing
  belonged to the process that is gone; so it is cleared with ``by = "restart"``.
"""

from __future__ import annotations

import logging

from .journal import ALARM_CLEARED, Event, Journal

log = logging.getLogger("hotline.alarms")

#: Alarms named with this prefix stay on across a restart until acknowledged.
PANIC_PREFIX = "panic:"
RESTART = "restart"


def carry_over(journal: Journal) -> dict[str, Event]:
    """Clear every alarm left on by the last run except panic alarms, which are
    returned (name -> the ``alarm`` event) for the stations to show again."""
    kept: dict[str, Event] = {}
    for name, event in journal.active_alarms().items():
        if name.startswith(PANIC_PREFIX):
            kept[name] = event
            log.critical("panic alarm %s from before the restart is still not acknowledged: %s",
                         name, event.fields.get("message", ""))  # fmt: skip
        else:
            journal.append(ALARM_CLEARED, name=name, by=RESTART)
            log.info("alarm %s from before the restart cleared: it is checked afresh", name)
    return kept
