"""``hotline run`` as a real process: a Huawei stick emulated on real pseudo-terminals,
a call answered, keyed through the IVR into a queue, and SIGHUP reloads — a good file
applied and a bad one refused — while that call waits on, undropped."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import sys
from pathlib import Path

import numpy as np
import pytest

from firmware.audio.wav import write_wav
from firmware.emulator.huawei import HuaweiEmulator

CONFIG = """\
box_id = "e2e"

[languages]
available = ["en"]
default = "en"

[lines.gsm1]
kind = "huawei"
port = "{port}"
audio_port = "{audio}"
flow = "main"

[queues.sales]
strategy = "longest-idle"
announce_every_s = 0

[agents.anna]
queues = ["sales"]

[ivr.main]
start = "menu"
silence_after_s = 0

[ivr.main.nodes.menu]
type = "menu"
prompt = "hello"
choices = {{ 1 = "sales" }}
timeout_s = 10
fallback = "sales"

[ivr.main.nodes.sales]
type = "queue"
queue = "sales"

[prompts.hello]
file = "hello.wav"

[journal]
path = "journal.sqlite"

[paths]
voicemail = "voicemail"
prompt_cache = "cache"
"""


class Daemon:
    """The subprocess, its stderr collected line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            self.lines.append(raw.decode(errors="replace").rstrip())

    async def wait_log(self, text: str, timeout: float = 20.0) -> str:
        for _ in range(int(timeout / 0.05)):
            found = [line for line in self.lines if text in line]
            if found:
                return found[-1]
            if self.proc.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise AssertionError(f"no log line with {text!r}; stderr:\n" + "\n".join(self.lines))


def events(db: Path, kind: str | None = None) -> list[dict]:
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT seq, kind, fields FROM events ORDER BY seq").fetchall()
    out = [{"seq": s, "kind": k, **json.loads(f)} for s, k, f in rows]
    return [e for e in out if kind is None or e["kind"] == kind]


async def wait_event(db: Path, kind: str, timeout: float = 20.0, **fields) -> dict:
    for _ in range(int(timeout / 0.05)):
        for e in events(db, kind):
            if all(e.get(k) == v for k, v in fields.items()):
                return e
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {kind} {fields} in the journal; it has: {events(db)}")


@pytest.fixture
async def stick(tmp_path):
    m = HuaweiEmulator(by_id_dir=tmp_path / "by-id", chatter_s=0)
    m.ring_interval_s = 0.3
    await m.start()
    yield m
    await m.stop()


async def test_daemon_answers_queues_and_reloads_without_dropping_the_call(stick, tmp_path):
    hello = (np.sin(np.arange(2400) * 2 * np.pi * 440 / 8000) * 6000).astype(np.int16)
    write_wav(tmp_path / "hello.wav", hello)
    config = tmp_path / "hotline.toml"
    config.write_text(CONFIG.format(port=stick.path, audio=stick.voice.path))
    (tmp_path / "lock").mkdir()
    env = {**os.environ, "HOTLINE_LOCK_DIR": str(tmp_path / "lock")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware.cli", "run", "--config", str(config),
        stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    daemon = Daemon(proc)
    db = tmp_path / "journal.sqlite"
    try:
        await daemon.wait_log("running: 1 line(s)")
        await wait_event(db, "line_up", line="gsm1")

        stick.ring("+380501234567")
        arrived = await wait_event(db, "call_arrived", caller="+380501234567")
        call_id = arrived["call_id"]
        await asyncio.sleep(0.5)  # into the menu prompt: the key barges in
        stick.caller_presses("1")
        await wait_event(db, "ivr_choice", call_id=call_id, choice="1")
        await wait_event(db, "call_queued", call_id=call_id, queue="sales")

        # A good change is applied while the caller waits …
        config.write_text(config.read_text().replace('"longest-idle"', '"round-robin"'))
        proc.send_signal(signal.SIGHUP)
        assert "queues (sales)" in await daemon.wait_log("config reloaded")
        # … and a bad one refused with config check's words, and an alarm.
        config.write_text(config.read_text().replace('"round-robin"', '"rondrobin"'))
        proc.send_signal(signal.SIGHUP)
        await daemon.wait_log("config reload refused")
        await daemon.wait_log("'rondrobin' is not one of")
        alarm = await wait_event(db, "alarm", name="config-reload")
        assert "rondrobin" in alarm["message"]

        # The call lived through both reloads, and ends as the caller's abandon.
        assert not events(db, "call_ended") and stick.calls
        stick.caller_hangs_up()
        ended = await wait_event(db, "call_ended", call_id=call_id)
        assert ended["ended_by"] == "caller"
        await wait_event(db, "call_abandoned", call_id=call_id)
        # The caller heard the prompt: the stick's far end received its tone.
        heard = stick.heard()
        assert len(heard) > 0 and np.abs(heard.astype(np.int32)).max() > 1000
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 20)
    assert code == 0, "\n".join(daemon.lines)
    with sqlite3.connect(db) as conn:
        (disposition,) = conn.execute(
            "SELECT disposition FROM cdrs WHERE call_id = ?", (call_id,)
        ).fetchone()
    assert disposition == "abandoned"
    assert any("stopped" in line for line in daemon.lines)


async def test_a_bad_config_never_starts(tmp_path):
    config = tmp_path / "hotline.toml"
    config.write_text(CONFIG.format(port="/dev/null", audio="/dev/null").replace(
        '"longest-idle"', '"rondrobin"'))  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "firmware.cli", "run", "--config", str(config),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    text = err.decode()
    assert "queues.sales.strategy: 'rondrobin' is not one of" in text
    assert "prompts.hello.file" in text  # hello.wav is missing too: every problem at once
    assert not (tmp_path / "journal.sqlite").exists()


class LifecycleLine:
    """Only records start/stop: this test is about which lines a reload reopens, and a
    real modem per line would only slow it down (the test above uses a real one)."""

    def __init__(self, line_id: str, cfg, log: list) -> None:
        self.line_id, self.cfg, self.log = line_id, cfg, log
        self.on_event = self.on_audio = None

    async def start(self) -> None:
        self.log.append(("start", self.line_id, self.cfg.port))

    async def stop(self) -> None:
        self.log.append(("stop", self.line_id, self.cfg.port))


async def test_reload_reopens_only_lines_whose_hardware_changed(tmp_path):
    from firmware.config import load_config
    from firmware.daemon import Daemon

    write_wav(tmp_path / "hello.wav", np.zeros(800, np.int16))
    config = tmp_path / "hotline.toml"
    text = CONFIG.format(port="/dev/ttyUSB0", audio="/dev/ttyUSB1")
    text += '\n[lines.gsm2]\nkind = "gsm"\nport = "/dev/ttyUSB2"\n'
    config.write_text(text)
    log: list = []
    d = Daemon(config, load_config(config), line_factory=lambda i, c: LifecycleLine(i, c, log))
    await d.start()
    assert sorted(log) == [("start", "gsm1", "/dev/ttyUSB0"), ("start", "gsm2", "/dev/ttyUSB2")]
    log.clear()
    # gsm1: only its label (no reopen); gsm2: removed; gsm3: added.
    text = text.replace('flow = "main"', 'flow = "main"\nlabel = "front"')
    text = text.replace('[lines.gsm2]\nkind = "gsm"\nport = "/dev/ttyUSB2"',
                        '[lines.gsm3]\nkind = "gsm"\nport = "/dev/ttyUSB3"')  # fmt: skip
    config.write_text(text)
    result = await d.reloader.reload()
    assert result.applied and result.changes["lines"] == ["gsm1", "gsm2", "gsm3"]
    assert log == [("stop", "gsm2", "/dev/ttyUSB2"), ("start", "gsm3", "/dev/ttyUSB3")]
    log.clear()
    # gsm1's port changed with no call on it: reopened on the new port.
    config.write_text(text.replace("/dev/ttyUSB0", "/dev/ttyUSB9"))
    assert (await d.reloader.reload()).applied
    for _ in range(50):
        if len(log) == 2:
            break
        await asyncio.sleep(0.01)
    assert log == [("stop", "gsm1", "/dev/ttyUSB0"), ("start", "gsm1", "/dev/ttyUSB9")]
    await d.stop()


async def test_stations_open_before_the_lines_and_log_their_agents_in(tmp_path):
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from firmware.config import load_config
    from firmware.daemon import Daemon

    write_wav(tmp_path / "hello.wav", np.zeros(800, np.int16))
    write_wav(tmp_path / "mic.wav", np.zeros(8000, np.int16))
    config = tmp_path / "hotline.toml"
    text = CONFIG.format(port="/dev/ttyUSB0", audio="/dev/ttyUSB1")
    text = text.replace('[agents.anna]\nqueues = ["sales"]', '[agents.anna]\nqueues = ["sales"]\n'
                        'station = "desk1"')  # fmt: skip
    text += (
        '\n[stations.desk1]\nheadset = "' + str(tmp_path / "mic.wav") + '"\n'
        'headset_backend = "file"\nbuttons = { ready = 5, answer = 6 }\n'
        "leds = { ready = 13, ringing = 19, on_call = 26, paused = 21 }\n"
    )
    config.write_text(text)
    log: list = []
    factory = MockFactory(pin_class=MockPWMPin)
    d = Daemon(
        config, load_config(config), pin_factory=factory,
        line_factory=lambda i, c: LifecycleLine(i, c, log),
    )  # fmt: skip
    await d.start()
    try:
        kinds = [(e.kind, e.fields.get("agent")) for e in d.journal.events()]
        assert ("agent_logged_in", "anna") in kinds
        assert d.stations is not None and d.switchboard.acd.snapshot()["agents"]["anna"][
            "station"] == "desk1"  # fmt: skip
        # The operator's ready button reaches the ACD through the panel.
        factory.pin(5).drive_low()
        await asyncio.sleep(0.3)
        factory.pin(5).drive_high()
        for _ in range(100):
            if d.switchboard.acd.snapshot()["agents"]["anna"]["state"] == "ready":
                break
            await asyncio.sleep(0.02)
        assert d.switchboard.acd.snapshot()["agents"]["anna"]["state"] == "ready"
        assert factory.pin(13).state  # the ready LED follows the journal
    finally:
        await d.stop()


async def test_a_panic_alarm_outlives_a_restart_and_other_alarms_are_checked_afresh(tmp_path):
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from firmware.config import load_config
    from firmware.daemon import Daemon
    from firmware.journal import ALARM, ALARM_CLEARED

    write_wav(tmp_path / "hello.wav", np.zeros(800, np.int16))
    write_wav(tmp_path / "mic.wav", np.zeros(8000, np.int16))
    config = tmp_path / "hotline.toml"
    text = CONFIG.format(port="/dev/ttyUSB0", audio="/dev/ttyUSB1")
    text += (
        '\n[stations.desk1]\nheadset = "' + str(tmp_path / "mic.wav") + '"\n'
        'headset_backend = "file"\nack_button = 27\nleds = { alarm = 16 }\n'
        '\n[panic.desk1]\npin = 4\nhold_s = 0.1\nhold_alarm_s = 0.2\nstations = ["desk1"]\n'
    )
    config.write_text(text)

    async def run(factory: MockFactory) -> Daemon:
        d = Daemon(config, load_config(config), pin_factory=factory,
                   line_factory=lambda i, c: LifecycleLine(i, c, []))  # fmt: skip
        await d.start()
        return d

    async def hold(factory: MockFactory, pin: int, seconds: float) -> None:
        factory.pin(pin).drive_low()
        await asyncio.sleep(seconds)
        factory.pin(pin).drive_high()
        await asyncio.sleep(0.2)

    def alarms(d: Daemon) -> list[tuple[str, str, str | None]]:
        return [(e.kind, e.fields["name"], e.fields.get("by"))
                for e in d.journal.events() if e.kind in (ALARM, ALARM_CLEARED)]  # fmt: skip

    factory = MockFactory(pin_class=MockPWMPin)
    d = await run(factory)
    await hold(factory, 4, 0.5)  # panic held with no call: the alarm
    d.journal.append(ALARM, name="line:gsm1:no-signal", severity="warning", message="no signal")
    assert factory.pin(16).state  # the supervisor's alarm light
    await d.stop()  # the power goes: nobody acknowledged it
    factory.close()

    factory = MockFactory(pin_class=MockPWMPin)
    d = await run(factory)
    try:
        assert factory.pin(16).state  # on again, with nobody having pressed anything
        assert d.stations is not None and set(d.stations.alarms.active) == {"panic:desk1"}
        assert alarms(d)[-1] == (ALARM_CLEARED, "line:gsm1:no-signal", "restart")
        await hold(factory, 27, 0.3)  # the supervisor acknowledges
        assert alarms(d)[-1] == (ALARM_CLEARED, "panic:desk1", "desk1")
        assert not factory.pin(16).state and not d.stations.alarms.active
    finally:
        await d.stop()
        factory.close()
    d = await run(MockFactory(pin_class=MockPWMPin))  # acknowledged: not carried again
    try:
        assert d.stations is not None and not d.stations.alarms.active
    finally:
        await d.stop()
