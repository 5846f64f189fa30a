"""SIGHUP reloads: a good file is applied whole, a bad one refused with the same problems
``hotline config check`` prints, and the running config stays."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from firmware.clock import VirtualClock
from firmware.config import EXAMPLE, Config, ConfigError, load_config
from firmware.journal import ALARM, ALARM_CLEARED, Journal, Retention
from firmware.reloader import ALARM_NAME, Reloader


@pytest.fixture
def rig(tmp_path: Path):
    path = tmp_path / "hotline.toml"
    path.write_text(EXAMPLE.read_text())
    journal = Journal(
        ":memory:", box_id="b", clock=VirtualClock(), retention=Retention(30, max_events=10_000)
    )
    applied: list[tuple[Config, dict]] = []

    async def apply(config: Config, changes: dict) -> None:
        applied.append((config, changes))

    reloader = Reloader(path, load_config(path), apply, journal)
    yield path, reloader, applied, journal
    journal.close()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def alarms(journal: Journal) -> list[tuple[str, str]]:
    kinds = (ALARM, ALARM_CLEARED)
    return [(e.kind, e.fields["name"]) for e in journal.events() if e.kind in kinds]


async def test_sighup_applies_a_changed_queue_and_names_what_changed(rig):
    path, reloader, applied, _ = rig
    edit(path, 'strategy = "longest-idle"', 'strategy = "round-robin"')
    reloader.install()
    try:
        os.kill(os.getpid(), signal.SIGHUP)  # a real signal, handled on the loop
        for _ in range(100):
            if applied:
                break
            await asyncio.sleep(0.01)
    finally:
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    (config, changes), = applied
    assert changes == {"queues": ["sales"]}
    assert config.queues["sales"].strategy == "round-robin"
    assert reloader.current is config


async def test_a_bad_file_is_refused_with_check_s_problems_and_an_alarm(rig):
    path, reloader, applied, journal = rig
    before = reloader.current
    edit(path, 'strategy = "longest-idle"', 'strategy = "rondrobin"')
    with pytest.raises(ConfigError) as check:
        load_config(path)
    result = await reloader.reload()
    assert not result.applied and result.problems == check.value.problems
    assert any("'rondrobin' is not one of" in p for p in result.problems)
    assert applied == [] and reloader.current is before
    assert alarms(journal) == [(ALARM, ALARM_NAME)]
    # Fixed: applied, and the alarm clears.
    edit(path, 'strategy = "rondrobin"', 'strategy = "fewest-calls"')
    assert (await reloader.reload()).applied
    assert alarms(journal)[-1] == (ALARM_CLEARED, ALARM_NAME)


async def test_restart_only_sections_are_refused_whole(rig):
    path, reloader, applied, _ = rig
    edit(path, 'strategy = "longest-idle"', 'strategy = "random"')
    edit(path, 'path = "/var/lib/hotline/journal.sqlite"', 'path = "/tmp/other.sqlite"')
    result = await reloader.reload()
    assert not result.applied and applied == []
    assert result.problems == [
        "journal: changed, and only a restart applies it (systemctl restart hotline)"
    ]


async def test_an_unchanged_file_applies_nothing_and_a_failing_apply_keeps_the_old(rig):
    path, reloader, applied, journal = rig
    assert (await reloader.reload()).applied and applied == []

    async def broken(config: Config, changes: dict) -> None:
        raise RuntimeError("espeak-ng has no voice 'xx'")

    reloader._apply = broken
    edit(path, 'strategy = "longest-idle"', 'strategy = "random"')
    result = await reloader.reload()
    assert not result.applied
    assert result.problems == ["cannot apply: espeak-ng has no voice 'xx'"]
    assert reloader.current.queues["sales"].strategy == "longest-idle"
    assert alarms(journal) == [(ALARM, ALARM_NAME)]


async def test_a_stations_name_and_number_reload_live_its_wiring_needs_a_restart(rig):
    path, reloader, applied, _ = rig
    edit(path, 'label = "Front desk, left"\nnumber = 1', 'label = "Window desk"\nnumber = 7')
    result = await reloader.reload()
    assert result.applied and result.changes == {"stations": ["desk1"]}
    (config, _), = applied
    assert config.stations["desk1"].number == 7
    # Pins and headsets are opened at start: refused, naming each wired key changed.
    edit(path, "buttons = { ready = 5, answer = 6 }", "buttons = { ready = 6, answer = 5 }")
    edit(path, 'headset = "Jabra EVOLVE 20 #1"', 'headset = "Jabra EVOLVE 20 #9"')
    edit(path, 'label = "Window desk"', 'label = "Door desk"')
    result = await reloader.reload()
    assert not result.applied and len(applied) == 1
    assert result.problems == [
        f"stations.desk1.{key}: changed, and only a restart applies it (systemctl restart "
        "hotline)" for key in ("headset", "buttons")
    ]
    assert reloader.current.stations["desk1"].label == "Window desk"  # all or nothing


async def test_adding_a_station_needs_a_restart(rig):
    path, reloader, applied, _ = rig
    path.write_text(path.read_text() + '\n[stations.desk9]\nheadset = "Plantronics"\n')
    result = await reloader.reload()
    assert not result.applied and applied == []
    assert result.problems == [
        "stations.desk9: changed, and only a restart applies it (systemctl restart hotline)"
    ]
