"""``hotline demo``: the live office as a user runs it (a subprocess over real ptys), and
its parts on a virtual clock: the operators' break, the board, events in words."""

from __future__ import annotations

import asyncio
import json
import random
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from firmware.acd import Acd
from firmware.audio import tts
from firmware.audio.wav import read_wav
from firmware.clock import VirtualClock
from firmware.config import load_config
from firmware.demo.desk import RobotHand, lights_in_words
from firmware.demo.office import LINES, write_config
from firmware.demo.operators import Office, simulated_operators
from firmware.demo.voice import HEADSET_RATE, speech_frames, write_voice
from firmware.demo.wallboard import View, render, status_line
from firmware.demo.words import in_words
from firmware.engine import CallEngine
from firmware.journal import Journal, Retention

needs_espeak = pytest.mark.skipif(not tts.available(), reason="espeak-ng is not installed")


def hotline(
    *argv: str, env: dict | None = None, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "firmware.cli", *argv],
        capture_output=True, text=True, timeout=timeout, env=env,
    )  # fmt: skip


def journal_rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory) -> tuple[str, Path]:
    """One 20 s run of the live demo (its output and directory), shared by the tests."""
    if not tts.available():
        pytest.skip("espeak-ng is not installed")
    out_dir = tmp_path_factory.mktemp("live") / "demo"
    done = hotline("demo", "--seconds", "20", "--seed", "3", "--dir", str(out_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, out_dir


@needs_espeak
def test_live_demo_answers_calls_prints_kpis_and_leaves_a_journal(live_demo):
    out, out_dir = live_demo

    # The closing figures, from firmware.kpis over the demo's journal.
    m = re.search(r"Calls offered (\d+), answered (\d+), abandoned (\d+)\.", out)
    assert m, out
    offered, answered, _ = map(int, m.groups())
    assert answered >= 1 and offered >= answered
    assert re.search(
        r"ASA [\d.]+ s, service level \d+% \(answered within 20 s\), AHT [\d.]+ s", out
    )

    # The journal is where it says, and holds the calls as CDRs.
    db = out_dir / "journal.sqlite"
    assert f"Journal: {db}" in out
    dispositions = [d for (d,) in journal_rows(db, "SELECT disposition FROM cdrs")]
    assert dispositions.count("answered") == answered
    assert all(d is not None for d in dispositions)  # every call ended before the box stopped

    # The keys each caller pressed down the line audio are the keys the box heard.
    pressed: dict[str, list[str]] = {}
    for number, key in re.findall(r"\((\+\d+) presses (\S)\)", out):
        pressed.setdefault(number, []).append(key)
    assert pressed, out
    heard: dict[str, list[str]] = {}
    rows = journal_rows(db, "SELECT call_id, caller, enqueue FROM cdrs")
    callers = {call_id: caller for call_id, caller, _ in rows}
    for (fields,) in journal_rows(db, "SELECT fields FROM events WHERE kind = 'ivr_choice'"):
        f = json.loads(fields)
        heard.setdefault(callers[f["call_id"]], []).append(f["choice"])
    queued = {caller for _, caller, enqueue in rows if enqueue is not None}
    assert queued and {n: heard.get(n) for n in queued} == {n: pressed[n] for n in queued}
    # A caller cut off by the demo's end may have a key still on the wire: a prefix.
    for number, keys in pressed.items():
        assert keys[: len(heard.get(number, []))] == heard.get(number, []), number

    # The pointer at the end works: a week of the demo office's [traffic].
    config = out_dir / "hotline-demo.toml"
    assert f"try: hotline simulate --config {config} --days 7" in out
    sim = hotline("simulate", "--config", str(config), "--days", "1", "--seed", "1", "--json")
    assert sim.returncode == 0, sim.stderr
    assert json.loads(sim.stdout)["offered"] > 0


@needs_espeak
def test_the_real_desk_answers_by_its_button_and_the_caller_hears_the_operator(live_demo):
    out, out_dir = live_demo
    db = out_dir / "journal.sqlite"
    events = [
        (kind, json.loads(fields))
        for kind, fields in journal_rows(db, "SELECT kind, fields FROM events ORDER BY rowid")
    ]
    # anna is logged in at desk1 by the daemon, paused until the hand presses ready.
    assert ("agent_logged_in", "desk1") in [(k, f.get("station")) for k, f in events]
    assert [(k, f.get("reason")) for k, f in events if f.get("agent") == "anna"][:3] == [
        ("agent_logged_in", None), ("agent_paused", "login"), ("agent_ready", None),
    ]  # fmt: skip
    # Answered at the desk: the ACD heard the answer button (nobody else answers for her).
    answered = [f["call_id"] for k, f in events if k == "call_answered" and f["agent"] == "anna"]
    assert answered, out
    m = re.search(r"Desk desk1 \(anna.*\): answered (\d+) call\(s\) by the answer button", out)
    assert m and int(m.group(1)) == len(answered), out
    # Her break, taken by holding ready: the first pause reason.
    assert ("agent_paused", "break") in [
        (k, f.get("reason")) for k, f in events if f.get("agent") == "anna"
    ], out
    # The headset's voice went down the line, and the caller's stick heard it.
    m = re.search(r"headset audio sent to the line: (\d+) frames \([\d.]+ s, ([\d.]+) s", out)
    assert m and int(m.group(1)) > 0 and float(m.group(2)) > 1.0, out
    m = re.search(r"caller heard the operator: yes \(([\d.]+) s of speech", out)
    assert m and float(m.group(1)) > 1.0, out
    # The board showed the desk's lights and its bridge's figures.
    assert re.search(r"desk1 \(anna\) +\[ready [●○◐]\] \[ringing [●○◐]\]", out), out
    assert "bridge: line->ear" in out and "underruns ear" in out


def test_without_espeak_the_demo_says_so_and_stops(tmp_path):
    done = hotline("demo", "--seconds", "5", "--dir", str(tmp_path), env={"PATH": str(tmp_path)})
    assert done.returncode == 2
    assert "espeak-ng is not installed" in done.stderr
    assert not (tmp_path / "journal.sqlite").exists()


def test_seconds_must_be_positive():
    done = hotline("demo", "--seconds", "0")
    assert done.returncode == 2 and "--seconds: 0.0 (expected" in done.stderr


def test_dsp_demo_is_still_there(tmp_path):
    done = hotline("demo", "--dsp", "--keep", str(tmp_path / "call.wav"))
    assert done.returncode == 0 and "All heard correctly." in done.stdout


# -- the parts, on a virtual clock --------------------------------------------------------


@pytest.fixture
def office(tmp_path):
    path = write_config(tmp_path, {line: ("/dev/null", "/dev/null") for line in LINES})
    config = load_config(path)
    clock = VirtualClock()
    journal = Journal(
        ":memory:", box_id="demo", clock=clock, retention=Retention(30, max_events=1_000_000)
    )
    acd = Acd(config, engine=CallEngine(journal=journal, clock=clock), clock=clock)
    make = simulated_operators(acd, clock, random.Random(1))
    return config, clock, journal, acd, make


def test_config_template_names_every_line_and_refuses_a_missing_one(tmp_path):
    with pytest.raises(ValueError, match="no stick for gsm3"):
        write_config(tmp_path, {"gsm1": ("a", "b"), "gsm2": ("c", "d")})


async def test_operators_log_in_and_one_takes_a_break(office):
    config, clock, journal, acd, make = office
    o = Office(acd, clock, list(config.agents), make, on_break="carol", break_at=(10, 20))
    o.start()

    def states() -> dict[str, str]:
        return {n: a["state"] for n, a in acd.snapshot()["agents"].items()}

    assert states() == {"anna": "ready", "bohdan": "ready", "carol": "ready"}
    await clock.run_until(10.5)
    assert states()["carol"] == "paused"
    assert acd.snapshot()["agents"]["carol"]["reason"] == "break"
    await clock.run_until(20.5)
    assert states()["carol"] == "ready"
    kinds = [(e.kind, e.fields.get("agent")) for e in journal.events(limit=None)]
    assert ("agent_paused", "carol") in kinds and kinds[-1] == ("agent_ready", "carol")
    o.stop()


def test_break_for_an_unknown_agent_is_refused(office):
    config, clock, _, acd, make = office
    with pytest.raises(ValueError, match="on_break: 'zoe' is not one of the agents"):
        Office(acd, clock, list(config.agents), make, on_break="zoe")


async def test_board_shows_lines_queues_agents_and_events(office):
    config, clock, _, acd, make = office
    Office(acd, clock, list(config.agents), make, on_break="carol", break_at=(1, 99)).start()
    await clock.run_until(65)
    view = View(
        wall=clock.wall(),
        elapsed_s=65,
        lines=[("gsm1", "in call", "demo-10"), ("gsm2", "idle", None), ("gsm3", "ringing", None)],
        snapshot=acd.snapshot(),
        events=[(clock.wall(), in_words("call_queued", {"call_id": "demo-10", "queue": "sales"}))],
        desks=[
            "desk1 (anna)  "
            + lights_in_words({"ready": "off", "ringing": "blink", "on_call": "on"}),
            "  bridge: line->ear 44 ms",
        ],
    )
    text = "\n".join(render(view))
    assert "DESK\n  desk1 (anna)  [ready ○] [ringing ◐] [on_call ●]\n    bridge: line->ear" in text
    assert "running 1m05s" in text
    assert re.search(r"gsm1 +in call +demo-10", text)
    assert re.search(r"sales +0 +0s", text) and "support" in text
    assert re.search(r"carol +paused \(break\) +1m04s +0", text)
    assert "call demo-10 waits in sales" in text
    line = status_line(view)
    assert "lines 2/3 busy" in line and "carol paused (break)" in line
    assert line.endswith(
        "| desk1 (anna)  [ready ○] [ringing ◐] [on_call ●] | bridge: line->ear 44 ms"
    )


def test_events_in_words():
    assert in_words("call_arrived", {"call_id": "c1", "line": "gsm1", "caller": None}) == (
        "call c1 from a withheld number arrived on gsm1"
    )
    assert in_words("call_ended", {"call_id": "c1", "ended_by": "agent"}) == (
        "call c1 ended by the agent"
    )
    assert in_words("position_changed", {"call_id": "c1", "queue": "q", "position": 1}) is None
    # an event missing its usual fields is still said, plainly
    assert in_words("call_answered", {"call_id": "c1"}) == "call_answered call_id=c1"


# -- the real desk's parts, on a virtual clock --------------------------------------------


async def test_robot_hand_works_a_real_station_by_its_lights_and_buttons(tmp_path):
    """The station tests' box (real Stations, panel on MockFactory pins, bridge, ACD, on
    a virtual clock) with the robot hand at desk1 instead of the test pressing buttons."""
    from tests.unit.test_station_support import Box

    box = Box(tmp_path)
    await box.start()
    try:
        cfg = box.stations.stations["desk1"].config
        hand = RobotHand(
            "desk1", cfg, box.factory, box.clock, random.Random(1), pause_at_s=25, pause_for_s=3
        )
        assert box.state("anna") == ("paused", "login")
        sitting = asyncio.ensure_future(hand.sit_down())
        await box.clock.advance(1.0)
        assert sitting.result() is True and box.state("anna") == ("ready", None)
        hand.start()

        call, _ = box.call()
        await box.clock.advance(1.0)
        assert box.state("anna")[0] == "offered" and hand.did.presses[-1][1] == "ready"
        await box.clock.advance(2.0)  # ~2 s after the ring, the answer button
        assert box.state("anna")[0] == "on_call" and hand.did.answered == 1
        await box.clock.advance(21.0)  # talk is at most 20 s; then answer again hangs up
        assert call.ended and call.ended_by == "agent" and hand.did.hung_up == 1

        await box.clock.advance(3.5)  # after pause_at_s, not on a call: ready held
        assert box.state("anna") == ("paused", "break") and hand.did.paused == 1
        assert hand.did.presses[-1][1].startswith("ready (held")
        await box.clock.advance(4.0)  # pause_for_s later: ready again
        assert box.state("anna") == ("ready", None)
        assert [what for _, what in hand.did.presses][:3] == ["ready", "answer", "answer"]
        await hand.stop()
    finally:
        await box.close()


def test_robot_hand_needs_ready_and_answer_buttons(tmp_path):
    path = write_config(tmp_path, {line: ("/dev/null", "/dev/null") for line in LINES})
    cfg = load_config(path).stations["desk1"].model_copy(update={"buttons": {"ready": 5}})
    with pytest.raises(ValueError, match="no answer button"):
        RobotHand("desk1", cfg, MockFactory(), VirtualClock(), random.Random(1),
                  pause_at_s=1, pause_for_s=1)  # fmt: skip


@needs_espeak
def test_operator_voice_speaks_all_through_and_is_measured_as_speech(tmp_path):
    path = write_voice(tmp_path / "voice.wav", seconds=12)
    samples, info = read_wav(path)
    assert info.sample_rate == HEADSET_RATE and len(samples) >= 12 * HEADSET_RATE
    line = samples[:: HEADSET_RATE // 8000]  # near enough 8 kHz to count frames
    # Speech in every 3 s, never a gap the bridge's silent-mic alarm (10 s) would notice.
    for start in range(0, 12 * 8000, 3 * 8000):
        assert speech_frames(line[start : start + 3 * 8000]) > 20, start
    assert speech_frames(np.zeros(8000, np.int16)) == 0
