"""Logging in at a station: fixed in the config, by name, by login code (a secret:
compared in constant time, never logged), moving between desks, lock-out."""

from __future__ import annotations

import copy
import logging

import pytest
from pydantic import SecretStr

from firmware.station import StationError
from firmware.station_login import LOCKOUT_S, MAX_FAILURES
from tests.unit.test_acd_support import make_config
from tests.unit.test_station_support import (
    ANSWER_BTN,
    READY_BTN,
    SECTIONS,
    box,  # noqa: F401  (fixture)
)


async def test_login_by_code_at_a_free_station(box, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    assert box.stations.login_by_code("desk2", "1234") == "bob"
    assert box.state("bob") == ("ready", None)
    assert box.acd.snapshot()["agents"]["bob"]["station"] == "desk2"
    desk2 = box.stations.stations["desk2"]
    assert desk2.agent == "bob" and desk2.panel.state == "ready"
    # bob's calls now ring desk2 (the endpoint is the station, not the test recorder)
    box.call()
    await box.clock.advance(0.05)
    assert desk2.panel.state == "offered" and desk2.call is not None
    assert "1234" not in caplog.text


async def test_a_wrong_code_is_refused_without_being_logged(box, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StationError, match="not recognised") as info:
        box.stations.login_by_code("desk2", SecretStr("9999"))
    assert "9999" not in str(info.value) and "9999" not in caplog.text
    assert "9999" not in str(box.world.events())
    assert box.state("bob") == ("logged_out", None)
    assert box.stations.login_by_code("desk2", SecretStr("1234")) == "bob"


async def test_too_many_wrong_codes_lock_the_station_for_a_while(box):  # noqa: F811
    for _ in range(MAX_FAILURES):
        with pytest.raises(StationError, match="not recognised"):
            box.stations.login_by_code("desk2", "0000")
    with pytest.raises(StationError, match="too many"):
        box.stations.login_by_code("desk2", "1234")  # even the right one
    await box.clock.advance(LOCKOUT_S)
    assert box.stations.login_by_code("desk2", "1234") == "bob"


async def test_a_new_agent_at_a_desk_logs_the_previous_one_out(box):  # noqa: F811
    assert box.stations.login_by_code("desk1", "1234") == "bob"
    assert box.state("anna") == ("logged_out", None)
    assert box.stations.stations["desk1"].agent == "bob"
    # and moving: anna logs in at desk2 by code, then moves to desk1? bob is there, idle
    assert box.stations.login_by_code("desk2", "4711") == "anna"
    box.stations.login("anna", "desk1")  # moves anna; bob logged out
    assert box.state("bob") == ("logged_out", None)
    assert box.stations.stations["desk1"].agent == "anna"
    assert box.stations.stations["desk2"].agent is None


async def test_no_login_over_a_call(box):  # noqa: F811
    await box.press(READY_BTN)
    box.call()
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    with pytest.raises(StationError, match="on a call"):
        box.stations.login_by_code("desk1", "1234")
    assert box.state("anna")[0] == "on_call" and box.state("bob")[0] == "logged_out"


async def test_unknown_station(box):  # noqa: F811
    with pytest.raises(StationError, match="desk1, desk2, desk3"):
        box.stations.login_by_code("desk9", "1234")


async def test_a_reloaded_login_code_is_the_one_that_works(box):  # noqa: F811
    sections = copy.deepcopy(SECTIONS)
    sections["agents"]["bob"]["login_code"] = "9876"
    box.stations.reconfigure(make_config(**sections))
    with pytest.raises(StationError):
        box.stations.login_by_code("desk2", "1234")  # the old code no longer works
    assert box.stations.login_by_code("desk2", "9876") == "bob"
