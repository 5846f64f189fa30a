"""The ``agent_login`` IVR node: an operator keys in a station number and a login code
on a phone and is logged in at that station.

Real parts: the virtual clock, the journal on ":memory:", the call engine, the ACD,
the stations on gpiozero's ``MockFactory`` pins with a file headset and array headsets
(the :class:`Box` of the station tests), the IVR and the real ``LineMedia`` over the
counting line of the IVR tests, with prompts from the espeak-ng stand-in whose text
says how long they last. The operator's keys reach the media as the line reports
them, at set virtual times.

Hardware only (not here): a phone line's own DTMF detection, lgpio pins, a USB headset.
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware.audio.prompts import PromptStore
from firmware.audio.wav import write_wav
from firmware.cdr import IVR_CHOICE
from firmware.config import ConfigError, load_config
from firmware.ivr import Ivr
from firmware.journal import AGENT_LOGGED_IN, AGENT_LOGGED_OUT
from firmware.lines.events import CallEnded, DtmfReceived
from firmware.station import StationError
from firmware.station_login import LOCKOUT_S, MAX_FAILURES
from tests.unit.test_acd_support import BASE, make_config
from tests.unit.test_ivr import MemoryLine, SpyMedia, fake_speak
from tests.unit.test_station_support import SECTIONS, Box

# Six digits each: neither turns up by chance in a call id or a time.
BOB_CODE, WRONG_CODE = "480913", "275364"

LOGIN = {
    "type": "agent_login",
    "prompt": "station-number",
    "code_prompt": "login-code",
    "ok_prompt": "logged-in",
    "failed_prompt": "login-failed",
    "timeout_s": 4,
    "retries": 2,
}


def sections(*, more: dict | None = None, **login: Any) -> dict[str, Any]:
    """The station tests' box, desks numbered 1-3, bob with a code, a 'login' flow
    (the login node with ``login`` changed, and the nodes ``more``)."""
    s = copy.deepcopy(SECTIONS)
    for number, desk in enumerate(("desk1", "desk2", "desk3"), start=1):
        s["stations"][desk]["number"] = number
    s["agents"]["bob"]["login_code"] = BOB_CODE
    nodes = {"login": {**LOGIN, **login}, **(more or {})}
    s["ivr"] = {
        "main": BASE["ivr"]["main"],  # line l1's
        "login": {"start": "login", "silence_after_s": 0, "nodes": nodes},
    }
    # Every prompt lasts 2 s (the stand-in speaks 'words|seconds').
    names = ("station-number", "login-code", "logged-in", "login-failed")
    s["prompts"] = {n: {"text": {"en": f"{n}|2"}} for n in names}
    return s


class Phone:
    """One operator's call into the login flow on a real LineMedia."""

    def __init__(self, box: Box, ivr: Ivr, store: PromptStore) -> None:
        self.box, self.clock = box, box.clock
        self.media = SpyMedia(MemoryLine(), prompts=store, clock=self.clock)
        engine = box.world.engine
        self.call = engine.arrive(
            line="l1", caller="+380501112233", media=self.media, lang="en", flow="login"
        )
        self.ivr = ivr

    def press(self, keys: str, at: float, gap: float = 0.3) -> None:
        """Keys from ``at`` (seconds after now), ``gap`` apart, as the line reports them."""
        for i, key in enumerate(keys):
            ev = DtmfReceived(line="l1", t=0.0, digit=key)
            self.clock.call_later(at + i * gap, self.media.on_line_event, ev)

    async def run(self, limit_s: float = 300.0) -> None:
        """The flow to its end on the virtual clock (the box's line clock keeps ticking)."""
        task = asyncio.ensure_future(self.ivr.run(self.call))
        end = self.clock.now() + limit_s
        while not task.done():
            assert self.clock.now() < end, "the login flow is still running"
            await self.clock.advance(0.05)
        await task


class Rig:
    def __init__(self, box: Box, ivr: Ivr, store: PromptStore) -> None:
        self.box, self.ivr, self.store = box, ivr, store
        self.journal = box.journal

    def phone(self) -> Phone:
        return Phone(self.box, self.ivr, self.store)

    def events(self, kind: str) -> list:
        return [e for e in self.journal.events() if e.kind == kind]

    def logins(self) -> list[dict]:
        return [dict(e.fields) for e in self.events(IVR_CHOICE)]

    def logged_in(self) -> list[tuple[str, str]]:
        return [(e.fields["agent"], e.fields["station"]) for e in self.events(AGENT_LOGGED_IN)]

    def logged_out(self) -> list[str]:
        return [e.fields["agent"] for e in self.events(AGENT_LOGGED_OUT)]


@pytest.fixture
async def make_rig(tmp_path):
    boxes: list[Box] = []

    async def make(*, hook: bool = True, more: dict | None = None, **login: Any) -> Rig:
        box = Box(tmp_path, sections(more=more, **login))
        boxes.append(box)
        await box.start()
        config = box.acd.config
        store = PromptStore(cache_dir=tmp_path / "cache", speak=fake_speak)
        await store.prepare(config)
        ivr = Ivr(
            config, engine=box.world.engine, acd=box.acd, prompts=store, clock=box.clock,
            voicemail_dir=tmp_path / "voicemail",
            on_login=box.stations.login_by_code if hook else None,
            on_logout=box.stations.logout_by_code if hook else None,
        )  # fmt: skip
        return Rig(box, ivr, store)

    yield make
    for box in boxes:
        await box.close()


def secret_shown(code: str, rig: Rig, caplog) -> list[str]:
    """Where ``code`` shows: journal events (any field) and log records (text and args)."""
    seen = [f"event {e.kind}" for e in rig.journal.events() if code in json.dumps(dict(e.fields))]
    for r in caplog.records:
        if code in r.getMessage() or code in repr(r.args) or code in str(r.exc_info):
            seen.append(f"log {r.name}: {r.getMessage()}")
    return seen


# --- logging in ---------------------------------------------------------------------------


async def test_the_right_code_logs_the_agent_in_at_that_station(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig()
    assert rig.box.state("bob") == ("logged_out", None)
    phone = rig.phone()
    # Station 2 after its prompt (2 s), the code after the code prompt (which starts
    # at the '#', about 2.6 s, and lasts 2 s).
    phone.press("2#", at=2.2)
    phone.press(BOB_CODE + "#", at=5.0)
    await phone.run()
    assert rig.logged_in()[-1] == ("bob", "desk2")
    assert rig.box.state("bob") == ("ready", None)
    assert rig.box.stations.stations["desk2"].agent == "bob"
    assert rig.logins() == [
        {"call_id": phone.call.call_id, "node": "login", "choice": "login-ok",
         "station": "desk2", "agent": "bob"},
    ]  # fmt: skip
    assert phone.media.prompts_played == ["station-number", "login-code", "logged-in"]
    assert (phone.call.ended_by, phone.call.end_reason) == ("system", "agent-login")
    assert secret_shown(BOB_CODE, rig, caplog) == []


async def test_keys_typed_ahead_of_the_prompts_are_used(make_rig):
    rig = await make_rig()
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)  # all of it during the first prompt
    await phone.run()
    assert rig.logged_in()[-1] == ("bob", "desk2")
    # Barge-in: each question stopped at the first buffered key.
    assert phone.media.prompts_played == ["station-number", "login-code", "logged-in"]
    assert phone.call.end_reason == "agent-login"


async def test_login_moves_an_agent_from_the_desk_they_were_at(make_rig):
    rig = await make_rig()
    rig.box.stations.login("bob", "desk2")
    phone = rig.phone()
    phone.press("3#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    assert rig.logged_in()[-1] == ("bob", "desk3")
    assert rig.box.stations.stations["desk3"].agent == "bob"
    assert rig.box.stations.stations["desk2"].agent is None


# --- refused ------------------------------------------------------------------------------


async def test_a_wrong_code_is_refused_and_never_shown(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(retries=1)
    phone = rig.phone()
    # Try 1: station 2, a wrong code; the failed prompt; try 2: the same again.
    phone.press("2#" + WRONG_CODE + "#", at=0.5, gap=0.2)
    phone.press("2#" + WRONG_CODE + "#", at=8.0, gap=0.2)
    await phone.run()
    assert rig.logged_in() == [("anna", "desk1"), ("sue", "desk3")]  # the fixed ones only
    assert rig.box.state("bob") == ("logged_out", None)
    choices = rig.logins()
    assert [(c["choice"], c["station"], c["reason"]) for c in choices] == [
        ("login-failed", "desk2", "refused"),
        ("login-failed", "desk2", "refused"),
    ]
    assert "not recognised" in choices[0]["detail"]
    # Not the code, nor its length: no field but these.
    assert {k for c in choices for k in c} == {
        "call_id", "node", "choice", "station", "reason", "detail",
    }  # fmt: skip
    assert phone.media.prompts_played == [
        "station-number", "login-code", "login-failed",
        "station-number", "login-code", "login-failed",
    ]  # fmt: skip
    assert (phone.call.ended_by, phone.call.end_reason) == ("system", "login-failed")
    assert secret_shown(WRONG_CODE, rig, caplog) == []
    assert any("a wrong login code" in r.getMessage() for r in caplog.records)


async def test_five_wrong_codes_lock_the_station_even_for_the_right_one(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(retries=MAX_FAILURES, failed_prompt=None)
    phone = rig.phone()
    t = 0.5
    for _ in range(MAX_FAILURES):
        phone.press("2#" + WRONG_CODE + "#", at=t, gap=0.1)
        t += 4.0  # two barged-in prompts, 9 keys: well within 4 s
    phone.press("2#" + BOB_CODE + "#", at=t, gap=0.1)  # the sixth try: the right code
    await phone.run()
    choices = rig.logins()
    assert [c["choice"] for c in choices] == ["login-failed"] * (MAX_FAILURES + 1)
    assert "too many wrong login codes" in choices[-1]["detail"]
    assert rig.box.state("bob") == ("logged_out", None)
    assert secret_shown(WRONG_CODE, rig, caplog) == []
    assert secret_shown(BOB_CODE, rig, caplog) == []
    # Once the lockout is over, the right code works again.
    await rig.box.clock.advance(LOCKOUT_S)
    again = rig.phone()
    again.press("2#" + BOB_CODE + "#", at=0.5, gap=0.1)
    await again.run()
    assert rig.logged_in()[-1] == ("bob", "desk2")


async def test_an_unknown_station_number_uses_a_try_and_is_not_shown(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig()
    phone = rig.phone()
    # The code where the station number belongs: no such station. The failed prompt,
    # then try 2.
    phone.press(BOB_CODE + "#", at=0.5, gap=0.2)
    phone.press("2#" + BOB_CODE + "#", at=5.0, gap=0.2)
    await phone.run()
    first, second = rig.logins()
    # What was keyed in is not journaled: it may well be the code.
    assert first == {"call_id": phone.call.call_id, "node": "login",
                     "choice": "login-failed", "reason": "unknown-station"}  # fmt: skip
    assert secret_shown(BOB_CODE, rig, caplog) == []
    assert (second["choice"], second["station"]) == ("login-ok", "desk2")
    assert phone.media.prompts_played == [
        "station-number", "login-failed", "station-number", "login-code", "logged-in",
    ]  # fmt: skip


async def test_silence_uses_up_the_tries_and_goes_to_next(make_rig):
    bye = {"bye": {"type": "hangup", "reason": "bye"}}
    rig = await make_rig(retries=1, failed_prompt=None, next="bye", more=bye)
    phone = rig.phone()
    phone.press("2#", at=0.5)  # a station, then no code
    await phone.run()
    assert [(c["choice"], c["reason"]) for c in rig.logins()] == [
        ("login-failed", "no-code"),
        ("login-failed", "no-station"),
    ]
    assert phone.call.end_reason == "bye"
    # Two tries: station prompt, 0.5 s + '#' + code prompt 2 s + 4 s wait; then 2 s + 4 s.
    assert rig.box.clock.now() == pytest.approx(0.5 + 0.3 + 2 + 4 + 2 + 4, abs=0.3)


async def test_without_stations_the_node_refuses_at_once(make_rig, caplog):
    rig = await make_rig(hook=False)
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    assert [(c["choice"], c["reason"]) for c in rig.logins()] == [("login-failed", "no-login")]
    assert phone.media.prompts_played == ["login-failed"]
    assert phone.call.end_reason == "login-failed"
    assert any("has no stations" in r.getMessage() for r in caplog.records)


async def test_the_caller_hanging_up_mid_code_journals_nothing(make_rig):
    rig = await make_rig()
    phone = rig.phone()
    phone.press("2#48", at=0.5, gap=0.2)

    def gone() -> None:
        phone.media.on_line_event(CallEnded(line="l1", t=rig.box.clock.now()))
        rig.box.world.engine.end(phone.call, "caller")

    rig.box.clock.call_later(2.0, gone)
    await phone.run()
    assert rig.logins() == []
    assert phone.call.ended_by == "caller"


# --- config -------------------------------------------------------------------------------


def test_station_numbers_must_be_unique():
    s = sections()
    s["stations"]["desk3"]["number"] = 2
    with pytest.raises(ConfigError) as exc:
        make_config(**s)
    assert exc.value.problems == [
        "stations.desk3.number: 2 is already the number of stations.desk2 "
        "(expected a number of its own)"
    ]


def test_a_login_node_needs_numbered_stations():
    s = sections()
    for desk in s["stations"].values():
        del desk["number"]
    with pytest.raises(ConfigError) as exc:
        make_config(**s)
    (problem,) = exc.value.problems
    assert problem.startswith("ivr.login.nodes.login.type: 'agent_login' needs station numbers")


def test_a_login_node_names_prompts_and_nodes_that_exist():
    s = sections(next="nowhere", ok_prompt="no-such-prompt")
    with pytest.raises(ConfigError) as exc:
        make_config(**s)
    assert sorted(p.split(":")[0] for p in exc.value.problems) == [
        "ivr.login.nodes.login.next",
        "ivr.login.nodes.login.ok_prompt",
    ]


def test_the_example_has_a_login_path():
    example = Path(__file__).parents[2] / "firmware" / "config" / "example.toml"
    cfg = load_config(example)
    numbers = [st.number for st in cfg.stations.values()]
    assert None not in numbers and len(set(numbers)) == len(numbers)
    logins = [
        (flow, name)
        for flow, f in cfg.ivr.items()
        for name, node in f.nodes.items()
        if node.type == "agent_login"
    ]
    assert logins
    # It is reachable: some menu or flow start leads to it.
    for flow, name in logins:
        f = cfg.ivr[flow]
        led_to = {f.start} | {
            n for node in f.nodes.values() for _, kind, n in node.refs() if kind == "node"
        }
        assert name in led_to


# --- the daemon wires it ----------------------------------------------------------------


class IdleLine:
    def __init__(self, line_id: str) -> None:
        self.line_id = line_id
        self.on_event = self.on_audio = None

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def test_the_daemon_gives_the_ivr_its_stations_as_the_login_hook(tmp_path):
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from firmware.daemon import Daemon

    write_wav(tmp_path / "hello.wav", np.zeros(800, np.int16))
    write_wav(tmp_path / "mic.wav", np.zeros(8000, np.int16))
    config = tmp_path / "hotline.toml"
    config.write_text(DAEMON_CONFIG.format(mic=tmp_path / "mic.wav", code=BOB_CODE))
    factory = MockFactory(pin_class=MockPWMPin)
    d = Daemon(config, load_config(config), pin_factory=factory,
               line_factory=lambda i, c: IdleLine(i))  # fmt: skip
    await d.start()
    try:
        assert d.switchboard.ivr.on_login is not None
        assert d.switchboard.ivr.on_login("desk1", BOB_CODE) == "bob"
        assert d.switchboard.acd.snapshot()["agents"]["bob"]["station"] == "desk1"
        assert d.switchboard.ivr.on_logout is not None
        assert d.switchboard.ivr.on_logout("desk1", BOB_CODE) == "bob"
        assert d.switchboard.acd.snapshot()["agents"]["bob"]["state"] == "logged_out"
    finally:
        await d.stop()
        factory.close()
    assert d.switchboard.ivr.on_login is None
    assert d.switchboard.ivr.on_logout is None


DAEMON_CONFIG = """\
box_id = "t1"
[languages]
available = ["en"]
default = "en"
[lines.gsm1]
kind = "huawei"
port = "/dev/null"
flow = "login"
[queues.sales]
strategy = "longest-idle"
announce_every_s = 0
[agents.bob]
queues = ["sales"]
login_code = "{code}"
[stations.desk1]
number = 1
headset = "{mic}"
headset_backend = "file"
[ivr.login]
start = "login"
silence_after_s = 0
[ivr.login.nodes.login]
type = "agent_login"
prompt = "hello"
code_prompt = "hello"
[prompts.hello]
file = "hello.wav"
[journal]
path = "journal.sqlite"
[paths]
voicemail = "voicemail"
prompt_cache = "cache"
"""


async def test_a_pause_ends_each_entry_as_a_hash_does(make_rig):
    rig = await make_rig()
    phone = rig.phone()
    phone.press("2", at=0.5)  # no '#': the entry ends 4 s (timeout_s) later
    phone.press(BOB_CODE, at=7.0, gap=0.2)
    await phone.run()
    assert rig.logged_in()[-1] == ("bob", "desk2")
    (ok,) = rig.logins()
    assert ok["choice"] == "login-ok"


async def test_a_retry_typed_during_the_failed_prompt_is_kept_whole(make_rig):
    rig = await make_rig()
    phone = rig.phone()
    phone.press("2#" + WRONG_CODE + "#", at=0.5, gap=0.1)  # refused at about 1.5 s
    # During the failed prompt: its first key stops it and is the next try's first.
    phone.press("2#" + BOB_CODE + "#", at=2.0, gap=0.1)
    await phone.run()
    assert [c["choice"] for c in rig.logins()] == ["login-failed", "login-ok"]
    assert rig.logged_in()[-1] == ("bob", "desk2")


# --- logging out (logout = true) ----------------------------------------------------------

LOGOUT = {"logout": True, "ok_prompt": "logged-in", "failed_prompt": "login-failed"}


async def test_the_right_code_logs_out_the_agent_at_that_station(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(**LOGOUT)
    rig.box.stations.login("bob", "desk2")
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    assert rig.logged_out() == ["bob"]
    assert rig.box.state("bob") == ("logged_out", None)
    assert rig.box.stations.stations["desk2"].agent is None
    assert rig.logins() == [
        {"call_id": phone.call.call_id, "node": "login", "choice": "logout-ok",
         "station": "desk2", "agent": "bob"},
    ]  # fmt: skip
    assert (phone.call.ended_by, phone.call.end_reason) == ("system", "agent-logout")
    assert secret_shown(BOB_CODE, rig, caplog) == []


async def test_a_wrong_code_does_not_log_out_and_is_never_shown(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(retries=1, **LOGOUT)
    rig.box.stations.login("bob", "desk2")
    phone = rig.phone()
    # Try 1: a code no one has. Try 2: bob's code, but at anna's desk: not hers.
    phone.press("2#" + WRONG_CODE + "#", at=0.5, gap=0.2)
    phone.press("1#" + BOB_CODE + "#", at=8.0, gap=0.2)
    await phone.run()
    assert rig.logged_out() == []
    assert rig.box.state("bob") == ("ready", None)
    assert rig.box.state("anna") == ("paused", "login")
    choices = rig.logins()
    assert [(c["choice"], c["station"], c["reason"]) for c in choices] == [
        ("logout-failed", "desk2", "refused"),
        ("logout-failed", "desk1", "refused"),
    ]
    assert all("not recognised" in c["detail"] for c in choices)
    assert {k for c in choices for k in c} == {
        "call_id", "node", "choice", "station", "reason", "detail",
    }  # fmt: skip
    assert phone.call.end_reason == "logout-failed"
    assert secret_shown(WRONG_CODE, rig, caplog) == []
    assert secret_shown(BOB_CODE, rig, caplog) == []
    assert sum("a wrong login code" in r.getMessage() for r in caplog.records) == 2


async def test_wrong_logout_codes_count_toward_the_login_lockout(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(**LOGOUT)
    stations = rig.box.stations
    stations.login("bob", "desk2")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(StationError, match="not recognised"):
            stations.logout_by_code("desk2", WRONG_CODE)
    # One wrong login code more: the fifth wrong code at desk2, whichever way.
    with pytest.raises(StationError, match="not recognised"):
        stations.login_by_code("desk2", WRONG_CODE)
    # Locked: now even bob's own code is refused, by phone too.
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    (refused,) = [c for c in rig.logins() if c.get("reason") == "refused"]
    assert refused["choice"] == "logout-failed"
    assert "too many wrong login codes" in refused["detail"]
    assert rig.box.state("bob") == ("ready", None)
    assert secret_shown(WRONG_CODE, rig, caplog) == []
    assert secret_shown(BOB_CODE, rig, caplog) == []
    # After the lockout bob's code logs him out.
    await rig.box.clock.advance(LOCKOUT_S)
    assert stations.logout_by_code("desk2", BOB_CODE) == "bob"
    assert rig.logged_out() == ["bob"]


async def test_a_right_logout_code_resets_the_count(make_rig):
    rig = await make_rig(**LOGOUT)
    stations = rig.box.stations
    stations.login("bob", "desk2")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(StationError):
            stations.logout_by_code("desk2", WRONG_CODE)
    assert stations.logout_by_code("desk2", BOB_CODE) == "bob"
    stations.login("bob", "desk2")
    with pytest.raises(StationError, match="not recognised"):  # one, not the fifth
        stations.logout_by_code("desk2", WRONG_CODE)
    assert stations.logout_by_code("desk2", BOB_CODE) == "bob"


async def test_nobody_logged_in_there_is_refused_and_not_counted(make_rig, caplog):
    caplog.set_level(logging.DEBUG)
    rig = await make_rig(retries=0, **LOGOUT)
    assert rig.box.stations.stations["desk2"].agent is None
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    ((choice, station, reason, detail),) = [
        (c["choice"], c["station"], c["reason"], c["detail"]) for c in rig.logins()
    ]
    assert (choice, station, reason) == ("logout-failed", "desk2", "refused")
    assert "nobody is logged in" in detail
    assert rig.logged_out() == []
    assert phone.call.end_reason == "logout-failed"
    assert not any("a wrong login code" in r.getMessage() for r in caplog.records)
    assert secret_shown(BOB_CODE, rig, caplog) == []


async def test_an_agent_on_a_call_is_logged_out_when_it_ends(make_rig):
    rig = await make_rig(**LOGOUT)
    box = rig.box
    box.stations.login("bob", "desk2")  # the only ready agent: the next call is his
    _, task = box.call()
    await box.clock.advance(0.05)
    box.acd.agent_answer("bob")
    await box.clock.advance(0.05)
    assert task.result().agent == "bob"
    assert box.state("bob")[0] == "on_call"
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    assert rig.logins()[-1]["choice"] == "logout-ok"
    assert box.state("bob")[0] == "on_call" and rig.logged_out() == []
    box.acd.agent_hangup("bob")
    await box.clock.advance(0.05)
    assert rig.logged_out() == ["bob"]
    assert box.state("bob") == ("logged_out", None)
    assert box.stations.stations["desk2"].agent is None


async def test_without_stations_a_logout_node_refuses_at_once(make_rig):
    rig = await make_rig(hook=False, **LOGOUT)
    phone = rig.phone()
    phone.press("2#" + BOB_CODE + "#", at=0.5, gap=0.2)
    await phone.run()
    assert [(c["choice"], c["reason"]) for c in rig.logins()] == [("logout-failed", "no-login")]
    assert phone.call.end_reason == "logout-failed"


def test_logout_is_off_by_default_and_the_example_has_a_logout_path():
    assert make_config(**sections()).ivr["login"].nodes["login"].logout is False
    example = Path(__file__).parents[2] / "firmware" / "config" / "example.toml"
    cfg = load_config(example)
    main = cfg.ivr["main"]
    outs = [name for name, node in main.nodes.items()
            if node.type == "agent_login" and node.logout]  # fmt: skip
    assert outs
    menu_targets = {n for node in main.nodes.values() for _, kind, n in node.refs()
                    if kind == "node"}  # fmt: skip
    assert set(outs) <= menu_targets
