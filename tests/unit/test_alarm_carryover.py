"""Alarms across a restart: the journal's view of what is on, and what the next run
keeps (panic, until acknowledged) or clears (everything it checks afresh)."""

from __future__ import annotations

from firmware.alarm_carryover import carry_over
from firmware.clock import VirtualClock
from firmware.journal import ALARM, ALARM_CLEARED, Journal, Retention

RET = Retention(max_age_days=30, max_events=10_000)


def _raise(j: Journal, name: str, severity: str = "warning", **extra) -> None:
    j.append(ALARM, name=name, severity=severity, message=f"{name} is on", **extra)


def test_active_alarms_are_those_raised_and_not_cleared_since(tmp_path):
    with Journal(tmp_path / "j", box_id="b", clock=VirtualClock(), retention=RET) as j:
        _raise(j, "line:gsm1:no-signal")
        _raise(j, "headset:desk2")
        j.append(ALARM_CLEARED, name="line:gsm1:no-signal")
        _raise(j, "panic:desk1", "critical", station="desk1")
        _raise(j, "line:gsm1:no-signal")  # on again after being cleared
        j.append("agent_ready", agent="anna")
        active = j.active_alarms()
        assert list(active) == ["headset:desk2", "panic:desk1", "line:gsm1:no-signal"]
        assert active["line:gsm1:no-signal"].seq == 5  # the newest raise
        assert active["panic:desk1"].fields["station"] == "desk1"


def test_a_restart_keeps_panic_alarms_and_clears_the_rest_once(tmp_path):
    path = tmp_path / "j"
    with Journal(path, box_id="b", clock=VirtualClock(), retention=RET) as j:
        _raise(j, "panic:desk1", "critical", station="desk1", call_id="b-7", caller="+3805")
        _raise(j, "config-reload")
        _raise(j, "headset-silent:desk2")
    with Journal(path, box_id="b", clock=VirtualClock(), retention=RET) as j:  # next run
        kept = carry_over(j)
        assert list(kept) == ["panic:desk1"] and kept["panic:desk1"].fields["call_id"] == "b-7"
        cleared = [(e.fields["name"], e.fields["by"]) for e in j.events(after_seq=3)]
        assert cleared == [("config-reload", "restart"), ("headset-silent:desk2", "restart")]
        assert list(carry_over(j)) == ["panic:desk1"] and j.last_seq == 5  # nothing twice
