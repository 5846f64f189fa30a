"""The ``agent_login`` node: an operator logs in at a station from any phone.

The caller keys in the station's number (``stations.<name>.number``), then their
login code, each ended by ``#`` (or by a pause of ``timeout_s``). The node hands the
station and the code to the login hook (``Ivr.on_login``, in the daemon
:meth:`firmware.station.Stations.login_by_code`), which checks the code in constant
time and locks the station after five wrong ones. A refused try plays
``failed_prompt`` and starts again from the station number, up to ``retries`` times.

The code is a secret. It lives in one local variable: it is never journaled, logged,
kept in ``call.vars`` or put in an exception message here, and the journal does not
even get its length. Each try journals ``ivr_choice`` with ``choice`` ``login-ok``
(with ``station`` and ``agent``) or ``login-failed`` (with ``station`` when one was
found, and a ``reason``).

With ``logout = true`` the node logs out instead: the same two entries, handed to the
logout hook (``Ivr.on_logout``, in the daemon
:meth:`firmware.station.Stations.logout_by_code`), which takes only the code of the
agent logged in at that station (same check, same lockout). Its choices are
``logout-ok`` and ``logout-failed``, its end reason ``agent-logout``.

This is a part of :class:`firmware.ivr.Ivr` kept apart for size: it uses the Ivr's
own talking and listening helpers, so barge-in, type-ahead and the silent caller
work here as in every other node.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .config.ivr import AgentLoginNode
from .config.stations import MAX_STATION_NUMBER

if TYPE_CHECKING:
    from .ivr import Ivr, _Walk

log = logging.getLogger(__name__)

#: ``on_login(station, code) -> agent``; raises StationError/ValueError when refused.
OnLogin = Callable[[str, str], str]
#: ``on_logout(station, code) -> agent``; the same contract, for ``logout = true`` nodes.
OnLogout = Callable[[str, str], str]

#: Longest login code read from the keypad (the config does not bound codes).
MAX_CODE_DIGITS = 16
STATION_DIGITS = len(str(MAX_STATION_NUMBER))
TERMINATOR = "#"

#: ``ivr_choice`` choices.
LOGIN_OK = "login-ok"
LOGIN_FAILED = "login-failed"
LOGOUT_OK = "logout-ok"
LOGOUT_FAILED = "logout-failed"
#: The call's end reason when the node has no ``next``: this, or LOGIN_FAILED.
LOGGED_IN = "agent-login"
LOGGED_OUT = "agent-logout"  # or LOGOUT_FAILED
#: ``reason`` of a failed try.
NO_STATION = "no-station"  # nothing keyed in for the station number
UNKNOWN_STATION = "unknown-station"
NO_CODE = "no-code"  # a station, but no code keyed in: not a guess, not counted
REFUSED = "refused"  # the hook said no: wrong code, locked station, agent on a call
NO_LOGIN = "no-login"  # this box has no stations to log in at (no hook)


def station_by_number(stations: dict[str, Any], entry: str) -> str | None:
    """The station whose ``number`` is the digits ``entry``, or None."""
    if not entry.isdigit():
        return None
    number = int(entry)
    for name, cfg in stations.items():
        if cfg.number == number:
            return name
    return None


async def agent_login(ivr: Ivr, walk: _Walk, node: AgentLoginNode) -> str | None:
    """Run the node; returns the next node (None: the call is over)."""
    outcome = LOGOUT_FAILED if node.logout else LOGIN_FAILED
    # Keys from before the node are forgotten; after a failed try, keys typed during
    # the failed prompt are the next try (the whole of it, not just the first key).
    walk.call.media.flush_digits()
    for attempt in range(node.retries + 1):
        ok = await _try(ivr, walk, node)
        if ivr._gone(walk):
            return None
        if ok is None:  # nothing can log in here: retries would not help
            break
        if ok:
            outcome = LOGGED_OUT if node.logout else LOGGED_IN
            if node.ok_prompt is not None:
                await ivr._say(walk, node.ok_prompt, barge_in=False)
            break
        if node.failed_prompt is not None:
            key = await ivr._say(walk, node.failed_prompt, barge_in=attempt < node.retries)
            walk.typeahead = key if attempt < node.retries else None
    else:
        what = "logout" if node.logout else "login"
        log.info("call %s: agent %s failed %d times", walk.call.call_id, what, node.retries + 1)
    return ivr._then(walk, node.next, outcome)


async def _try(ivr: Ivr, walk: _Walk, node: AgentLoginNode) -> bool | None:
    """One try: True done, False refused, None when no login (logout) is possible."""
    failed = LOGOUT_FAILED if node.logout else LOGIN_FAILED
    hook = ivr.on_logout if node.logout else ivr.on_login
    if hook is None:
        log.warning("call %s: agent_login node %r, but this box has no stations",
                    walk.call.call_id, walk.node)  # fmt: skip
        ivr._decide(walk, failed, reason=NO_LOGIN)
        if node.failed_prompt is not None:
            await ivr._say(walk, node.failed_prompt, barge_in=False)
        return None
    stations = ivr.config.stations
    entry = await _digits(ivr, walk, node.prompt, node.timeout_s, STATION_DIGITS)
    if ivr._gone(walk):
        return False
    station = station_by_number(stations, entry)
    if station is None:
        # Not what was keyed in: an operator who mistook the question typed their code.
        ivr._decide(walk, failed, reason=UNKNOWN_STATION if entry else NO_STATION)
        return False
    code = await _digits(ivr, walk, node.code_prompt, node.timeout_s, MAX_CODE_DIGITS)
    if ivr._gone(walk):
        return False
    if not code:
        ivr._decide(walk, failed, station=station, reason=NO_CODE)
        return False
    ok, failed = (LOGOUT_OK, LOGOUT_FAILED) if node.logout else (LOGIN_OK, LOGIN_FAILED)
    return _login(ivr, walk, hook, station, code, ok, failed)


def _login(
    ivr: Ivr, walk: _Walk, hook: OnLogin, station: str, code: str, ok: str, failed: str
) -> bool:
    """Hand the code to ``hook`` (login or logout); journal ``ok`` or ``failed``."""
    what = "logout" if ok == LOGOUT_OK else "login"
    try:
        agent = hook(station, code)
    except (ValueError, RuntimeError) as exc:
        # StationError and AcdError are RuntimeErrors; their messages never hold the code.
        log.info("call %s: %s at station %s refused: %s", walk.call.call_id, what, station, exc)
        ivr._decide(walk, failed, station=station, reason=REFUSED, detail=str(exc))
        return False
    except Exception as exc:  # a hook's bug must not end the call; its text may hold anything
        log.error("call %s: the %s hook failed (%s)", walk.call.call_id, what,
                  type(exc).__name__)  # fmt: skip
        ivr._decide(walk, failed, station=station, reason=REFUSED)
        return False
    ivr._decide(walk, ok, station=station, agent=agent)
    return True


async def _digits(ivr: Ivr, walk: _Walk, prompt: str, timeout_s: float, most: int) -> str:
    """Keys after ``prompt`` (barge-in) until ``#`` or a pause of ``timeout_s``; '' if
    none came. Not at ``most`` keys: the ``#`` after them would be the next answer
    (one more than ``most`` ends it, as an entry too long to be right)."""
    key = await ivr._ask(walk, prompt)
    entry = ""
    while not ivr._gone(walk):
        if key is None:
            key = await ivr._key(walk, timeout_s)
        if key is None or key == TERMINATOR:
            break
        entry += key
        if len(entry) > most:  # too long whatever follows; a '#' here would start the next
            break
        key = None
    return entry
