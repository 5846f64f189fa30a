"""The alarms stations raise: panic (critical, until acknowledged), headset lost and
a silent headset mic (warnings, cleared when they are over).

Panic, as the issue asks: a panic press while a covered station has a call (ringing
or talking) takes the call back (``Acd.take_back(agent, "panic")``: the caller to the
head of the queue or a ready supervisor, the agent paused with reason 'panic') and
raises ``alarm`` ``panic:<station>`` (critical) with the station, agent, call and the
caller's number. A button covering a room takes back every call in it. Held
``hold_alarm_s`` (3 s) with no call, it raises ``panic:<station>`` (a desk's button)
or ``panic:<button>`` (a room's) all the same. A panic alarm lights the alarm LED of
every station with an acknowledge button (the supervisors') until acknowledged, by
that button or :meth:`Alarms.acknowledge` (a command); then ``alarm_cleared`` with
``by``. One still on when the daemon stops is on again when it starts
(:meth:`Alarms.restore`, :mod:`firmware.alarm_carryover`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .acd import AcdError
from .acd.api import OFFERED, ON_CALL
from .acd.takeback import PANIC
from .call import Call
from .journal import ALARM, ALARM_CLEARED, Event
from .panel import PanelInput

if TYPE_CHECKING:
    from .station import Station, Stations

log = logging.getLogger("hotline.station")


def _call_fields(call: Call | None) -> dict[str, Any]:
    if call is None:
        return {"call_id": None, "caller": None}
    return {"call_id": call.call_id, "caller": call.caller or ""}


class Alarms:
    def __init__(self, stations: Stations) -> None:
        self.s = stations
        #: Panic alarms waiting for an acknowledgement: name -> the alarm's fields.
        self.active: dict[str, dict[str, Any]] = {}
        self._press_hit: dict[str, bool] = {}  # button -> its current press took a call
        self._raised: set[str] = set()  # warning alarms raised and not cleared

    # -- panic ---------------------------------------------------------------------------------

    def panic(self, item: PanelInput) -> None:
        covered = item.stations or tuple(self.s.stations)
        button = item.button or item.station or "panel"
        if item.action == "panic":
            hit = False
            for name in covered:
                st = self.s.stations.get(name)
                if st is not None and self._panic_at(st, button):
                    hit = True
            self._press_hit[button] = hit
            return
        if self._press_hit.get(button):  # panic_hold of a press that already alarmed
            return
        desk = item.station or (covered[0] if len(covered) == 1 else None)
        st = self.s.stations.get(desk) if desk else None
        where = desk or ", ".join(covered)
        self._raise_panic(
            f"panic:{desk or button}",
            f"panic button {button} held at {where} (no call)",
            station=desk or where,
            agent=st.agent if st else None,
            call=None,
            button=button,
        )

    def _panic_at(self, st: Station, button: str) -> bool:
        """Take back the call at ``st`` if it has one; True if it did."""
        acd = self.s.acd
        a = acd.roster.agents.get(st.agent) if st.agent else None
        if a is None or a.state not in (OFFERED, ON_CALL):
            return False
        call = st.call or (a.entry.call if a.entry is not None else None)
        try:
            acd.take_back(a.name, PANIC)
            outcome = "the caller is back at the head of the queue"
        except (AcdError, ValueError) as exc:  # still an alarm: a person needs help
            log.error("station %s: panic: could not take the call back: %s", st.name, exc)
            outcome = f"the call could not be taken back ({exc})"
        caller = call.caller if call is not None and call.caller else "a withheld number"
        what = f"call {call.call_id} from {caller}" if call is not None else "a call"
        self._raise_panic(
            f"panic:{st.name}",
            f"panic at station {st.name} (agent {a.name}) during {what}: {outcome}",
            station=st.name,
            agent=a.name,
            call=call,
            button=button,
        )
        return True

    def _raise_panic(self, name: str, message: str, **fields: Any) -> None:
        call = fields.pop("call")
        record = {**fields, **_call_fields(call)}
        self.s.journal.append(ALARM, name=name, severity="critical", message=message, **record)
        log.critical("%s", message)
        self.active[name] = record
        self._show()

    def restore(self, carried: dict[str, Event]) -> None:
        """Panic alarms still unacknowledged when the last run stopped
        (:func:`firmware.alarm_carryover.carry_over`): on again, until acknowledged."""
        for name, event in carried.items():
            fields = {k: v for k, v in event.fields.items() if k not in ("name", "severity")}
            self.active[name] = fields
        self._show()

    def acknowledge(self, alarm: str | None = None, *, by: str = "command") -> list[str]:
        """Acknowledge panic alarm ``alarm`` (None: all); the names acknowledged."""
        from .station import StationError

        if alarm is not None and alarm not in self.active:
            known = ", ".join(sorted(self.active)) or "none is active"
            raise StationError(f"no panic alarm {alarm!r} to acknowledge ({known})")
        names = [alarm] if alarm is not None else list(self.active)
        for name in names:
            del self.active[name]
            self.s.journal.append(ALARM_CLEARED, name=name, by=by)
            log.warning("alarm %s acknowledged by %s", name, by)
        self._show()
        return names

    def _show(self) -> None:
        if self.s.panels is not None:
            self.s.panels.show_alarm(bool(self.active))

    # -- headset -------------------------------------------------------------------------------

    def headset(self, st: Station, message: str, call: Call | None = None) -> None:
        name = f"headset:{st.name}"
        if name in self._raised:
            return
        self._raised.add(name)
        self.s.journal.append(
            ALARM, name=name, severity="warning", message=message, station=st.name,
            agent=st.agent, **_call_fields(call),
        )  # fmt: skip

    def headset_back(self, st: Station) -> None:
        self._clear(f"headset:{st.name}")

    def silent(self, st: Station, detail: str, on: bool) -> None:
        name = f"headset-silent:{st.name}"
        if not on:
            self._clear(name)
        elif name not in self._raised:
            self._raised.add(name)
            message = f"station {st.name}: {detail}"
            self.s.journal.append(ALARM, name=name, severity="warning", message=message,
                                  station=st.name, agent=st.agent)  # fmt: skip

    def _clear(self, name: str) -> None:
        if name in self._raised:
            self._raised.discard(name)
            self.s.journal.append(ALARM_CLEARED, name=name)
