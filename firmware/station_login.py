"""Logging agents in at stations: by name (fixed in the config, or a command) and by
login code (keyed in at the desk).

Login codes are secrets (``SecretStr`` in the config): compared in constant time (both
sides hashed first, so not even the length leaks), every agent's code looked at
whatever matches, and never logged or journaled — a wrong code is logged as "a wrong
code", with a count. After ``MAX_FAILURES`` wrong codes in a row a station refuses
codes for ``LOCKOUT_S`` (a 4-digit code would otherwise fall to a patient caller).

Logging out by code (:meth:`Logins.logout_by_code`, the ``agent_login`` node with
``logout = true``) takes the code of the agent logged in at that station only, checked
the same way and counted toward the same lockout: a station's wrong codes are wrong
codes, whichever way the caller meant them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import SecretStr

from .acd import AcdError
from .acd.api import LOGGED_OUT, ON_CALL

if TYPE_CHECKING:
    from .station import Stations

log = logging.getLogger("hotline.station")

MAX_FAILURES = 5
LOCKOUT_S = 60.0


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()


def _given(code: str | SecretStr) -> bytes:
    return _digest(code.get_secret_value() if isinstance(code, SecretStr) else str(code))


class Logins:
    def __init__(self, stations: Stations) -> None:
        self.s = stations
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}

    def login(self, agent: str, station: str, *, ready: bool = True) -> None:
        """Log ``agent`` in at ``station``: ready (paused 'login' with ``ready=False``,
        or while the station's headset is away). Someone else logged in there is logged
        out first; ``agent`` logged in elsewhere moves here. Refused (StationError,
        AcdError), changing nothing, when either of them is on a call."""
        from .station import StationError

        st = self.s.station(station)
        acd = self.s.acd
        a = acd.roster.get(agent)  # ValueError for an unknown agent
        prev = acd.roster.agents.get(st.agent) if st.agent and st.agent != agent else None
        for who in (a, prev):
            if who is not None and who.state == ON_CALL:
                raise StationError(f"station {station}: agent {who.name} is on a call")
        if a.state != LOGGED_OUT:
            if a.station == station:
                return
            acd.logout(agent)
        if prev is not None and prev.state != LOGGED_OUT:
            acd.logout(prev.name)
        acd.attach(agent, st)
        acd.login(agent, station, ready=ready and not st.headset_lost)

    def by_code(self, station: str, code: str | SecretStr) -> str:
        """Log in the agent whose ``login_code`` is ``code`` at ``station``, ready;
        returns their name. StationError for a wrong code or a locked station."""
        from .station import StationError

        self.s.station(station)
        self._refuse_if_locked(station)
        given = _given(code)
        agent = None
        for name, cfg in self.s.config.agents.items():
            secret: Any = cfg.login_code
            if secret is None:
                continue
            # Look at every code, whatever matched already: time says nothing.
            if hmac.compare_digest(_digest(secret.get_secret_value()), given) and agent is None:
                agent = name
        if agent is None:
            self._wrong_code(station)
        self._failures.pop(station, None)
        try:
            self.login(agent, station)
        except AcdError as exc:
            raise StationError(f"station {station}: {exc}") from exc
        log.info("station %s: agent %s logged in by code", station, agent)
        return agent

    def logout_by_code(self, station: str, code: str | SecretStr) -> str:
        """Log out the agent logged in at ``station`` if ``code`` is their
        ``login_code``; returns their name. On a call, they are logged out when it ends
        (the ACD's logout). StationError when nobody is logged in there (not counted: no
        code could be right), for a wrong code (counted toward the station's lockout)
        and while the station is locked."""
        from .station import StationError

        st = self.s.station(station)
        self._refuse_if_locked(station)
        agent = st.agent
        if agent is None:
            raise StationError(f"station {station}: nobody is logged in here")
        cfg = self.s.config.agents.get(agent)
        secret: Any = cfg.login_code if cfg is not None else None
        # An agent without a code (or gone from the config) cannot log out by code: the
        # comparison still runs, against a value no code hashes to, so time says nothing.
        expected = _digest(secret.get_secret_value()) if secret is not None else b"\0" * 32
        if not (hmac.compare_digest(expected, _given(code)) and secret is not None):
            self._wrong_code(station)
        self._failures.pop(station, None)
        try:
            self.s.acd.logout(agent)
        except AcdError as exc:
            raise StationError(f"station {station}: {exc}") from exc
        log.info("station %s: agent %s logged out by code", station, agent)
        return agent

    def _refuse_if_locked(self, station: str) -> None:
        from .station import StationError

        now = self.s.clock.now()
        until = self._locked_until.get(station)
        if until is not None and now < until:
            raise StationError(
                f"station {station}: too many wrong login codes; try again in {until - now:.0f} s"
            )

    def _wrong_code(self, station: str) -> NoReturn:
        """Count a wrong code at ``station`` (the lockout after MAX_FAILURES) and refuse."""
        from .station import StationError

        n = self._failures.get(station, 0) + 1
        self._failures[station] = n
        log.warning("station %s: a wrong login code (%d of %d)", station, n, MAX_FAILURES)
        if n >= MAX_FAILURES:
            self._failures[station] = 0
            self._locked_until[station] = self.s.clock.now() + LOCKOUT_S
            log.warning("station %s: login codes refused for %.0f s", station, LOCKOUT_S)
        raise StationError(f"station {station}: login code not recognised")
