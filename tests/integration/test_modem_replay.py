"""Every modem log in tests/data/modem_logs through ``hotline modem replay`` and the real driver.

Each log says in a ``# expect: …`` comment which line events it must produce, in
order; the replay must also go exactly as the log says (no notes on stderr).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

LOGS = sorted((Path(__file__).parent.parent / "data" / "modem_logs").glob("*.log"))


def expected(log: Path) -> list[str]:
    m = re.search(r"^#\s*expect:\s*(.+)$", log.read_text(), re.M)
    assert m, f"{log.name} has no '# expect:' comment"
    return m.group(1).split()


@pytest.mark.parametrize("log", LOGS, ids=[p.stem for p in LOGS])
def test_log_replays_through_the_driver(log):
    run = subprocess.run(
        [sys.executable, "-m", "firmware.cli", "modem", "replay", str(log), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    events = json.loads(run.stdout)
    kinds = [e["event"] for e in events]
    want = expected(log)
    it = iter(kinds)
    assert all(k in it for k in want), f"expected {want} in order, got {kinds}"
    assert "note:" not in run.stderr, run.stderr
    assert all(e["line"] == "replay" and e["t"] >= 0 for e in events)


def test_there_are_logs_for_every_dialect():
    names = " ".join(p.stem for p in LOGS)
    for dialect in (
        "gsm_generic",
        "huawei",
        "sim800",
        "sim7600",
        "quectel",
        "v253_usr5637",
        "v253_conexant",
    ):
        assert dialect in names
