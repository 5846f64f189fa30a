"""``hotline simulate``: options, errors, JSON and table output, the progress bar."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from firmware import erlang
from firmware.cli import main
from firmware.commands.simulate import ProgressBar
from firmware.config import EXAMPLE

ROOT = Path(__file__).resolve().parents[2]
MODEL = ["simulate", "--agents", "3", "--arrivals-per-hour", "40", "--aht", "150"]
CALL_KEYS = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "p_wait",
    "asa_s",
    "service_level",
    "aht_s",
    "occupancy",
    "longest_wait_s",
]


def test_json_output_has_the_kpis_and_a_seed_repeats_it(capsys):
    argv = [*MODEL, "--patience", "60", "--hours", "2", "--seed", "4", "--json"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    kpis = json.loads(out)
    assert list(kpis) == [*CALL_KEYS, "queues", "agents"]
    assert kpis["offered"] > 40 and kpis["answered"] + kpis["abandoned"] == kpis["offered"]
    assert list(kpis["agents"]) == ["a1", "a2", "a3"]
    assert err == ""  # no progress bar with --json
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == kpis


def test_the_table_shows_erlang_c_beside_the_simulation_without_patience(capsys):
    assert main([*MODEL, "--hours", "1", "--seed", "1", "--sl-threshold", "30"]) == 0
    out, err = capsys.readouterr()
    assert "Erlang C" in out.splitlines()[0]
    p_wait = next(line for line in out.splitlines() if line.startswith("P(wait)"))
    assert p_wait.split()[-1] == f"{erlang.p_wait(3, 40, 150):.4f}" == "0.2998"
    assert "a1" in out and err == ""  # stderr is not a terminal here: no progress bar


def test_with_patience_there_is_no_formula_column(capsys):
    assert main([*MODEL, "--patience", "30", "--hours", "1", "--seed", "1"]) == 0
    assert "Erlang C" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--agents", "0"], "argument --agents: 0 (expected a whole number >= 1)"),
        (["--agents", "two"], "argument --agents: 'two' is not a number"),
        (["--arrivals-per-hour", "-5"], "argument --arrivals-per-hour: -5 (expected a number > 0)"),
        (["--aht", "0"], "argument --aht: 0 (expected a number > 0 seconds)"),
        (["--hours", "nan"], "argument --hours: nan (expected a number > 0)"),
        (["--patience", "-1"], "argument --patience: -1 (expected a number > 0 seconds)"),
        (["--sl-threshold", "-1"], "argument --sl-threshold: -1 (expected a number >= 0 seconds)"),
    ],
)
def test_bad_numbers_are_refused_by_name(capsys, args, message):
    base = {"--agents": "3", "--arrivals-per-hour": "40", "--aht": "150", "--hours": "1"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = ["simulate", *(x for kv in base.items() for x in kv), "--seed", "1"]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "simulate",
                "--agents",
                "10",
                "--arrivals-per-hour",
                "200",
                "--aht",
                "180",
                "--hours",
                "1",
                "--seed",
                "1",
            ],
            "--agents: 10 cannot keep up with 10 Erlangs",
        ),
        (
            ["simulate", "--agents", "3", "--seed", "1"],
            "missing --arrivals-per-hour, --aht, --hours",
        ),
        ([*MODEL, "--hours", "1", "--days", "2", "--seed", "1"], "--days goes with --config"),
        (
            ["simulate", "--config", str(EXAMPLE), "--agents", "3", "--days", "1", "--seed", "1"],
            "--agents: model mode options do not go with --config",
        ),
        (["simulate", "--config", str(EXAMPLE), "--seed", "1"], "missing --days"),
    ],
)
def test_option_mistakes_exit_2_with_a_clear_message(capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("hotline simulate: ") and message in err


def test_config_mode_names_a_broken_config(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("box_id = 'x'\n")
    code = main(["simulate", "--config", str(bad), "--days", "1", "--seed", "1"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hotline simulate: {bad}: ") and "missing (required)" in err


def test_the_console_command_prints_json():
    cmd = [sys.executable, "-m", "firmware.cli", *MODEL, "--hours", "1", "--seed", "9", "--json"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["queues"]["q"]["offered"] > 0


def test_the_progress_bar_draws_each_percent_once():
    out = io.StringIO()
    bar = ProgressBar(out)
    for done in (0, 36, 36.5, 3600, 7200):
        bar(done, 7200)
    bar.done()
    text = out.getvalue()
    assert text.count("\r") == 3  # 0%, 50%, 100%: 36 s and 36.5 s are both 0%
    assert text.endswith("[" + "#" * 30 + "] 100%  2/2 h\n")
