"""Config mode: the example office's [traffic] through its own IVR, queues and agents."""

from __future__ import annotations

import json
import tomllib

import pytest

from firmware.cli import main
from firmware.config import EXAMPLE, load_config, parse_config
from firmware.simulate.config_mode import prompt_seconds, run_config


def example_data() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def config_with(**traffic) -> object:
    data = example_data()
    data["traffic"] = {**data["traffic"], **traffic}
    return parse_config(data, base_dir=EXAMPLE.parent)


async def test_two_working_days_of_the_example_office():
    k = await run_config(load_config(EXAMPLE), days=2, seed=1)
    # ~549 callers a weekday; some end in the IVR (closed hours, callbacks, silent).
    assert 600 < k.offered < 1098
    assert k.answered + k.abandoned <= k.offered and k.abandoned > 0  # patience 180 s
    assert set(k.queues) == {"sales", "support"}
    assert set(k.agents) == {"anna", "bohdan", "carol", "darius"}
    for agent in k.agents.values():
        # Logged in while [hours.office] is open: 8 h a day (a call may run over).
        assert 16 * 3600 <= agent.staffed_s < 16 * 3600 + 1800
        assert agent.answered > 0
    assert k.aht_s > 150  # talk (mean 150 s) plus the queues' wrap-up


async def test_a_seed_reproduces_a_run():
    config = load_config(EXAMPLE)
    a = await run_config(config, days=0.5, seed=3)
    b = await run_config(config, days=0.5, seed=3)
    c = await run_config(config, days=0.5, seed=4)
    assert a.as_dict() == b.as_dict() != c.as_dict()


async def test_no_callers_in_closed_hours_and_weekend_rates_on_weekends():
    # Only the hour 10:00-11:00 has callers: on weekdays 40 of them, at weekends none.
    day = [0.0] * 24
    weekday, weekend = day.copy(), day.copy()
    weekday[10] = 40.0
    config = config_with(arrivals_per_hour=weekday, weekend_arrivals_per_hour=weekend)
    k = await run_config(config, days=7, seed=5)
    # The IVR sends some to voicemail or callbacks; 5 x 40 = 200 expected arrivals.
    assert 100 < k.offered < 260
    busy = await run_config(config_with(arrivals_per_hour=day), days=2, seed=5)
    assert busy.offered == 0 and busy.agents["anna"].answered == 0


async def test_without_patience_nobody_abandons_in_a_queue():
    k = await run_config(config_with(patience_s=None, silent_share=0.0), days=1, seed=2)
    assert k.offered > 0 and k.abandoned == 0


async def test_a_config_without_traffic_is_refused():
    data = example_data()
    del data["traffic"]
    with pytest.raises(ValueError, match=r"\[traffic\]: missing"):
        await run_config(parse_config(data, base_dir=EXAMPLE.parent), days=1, seed=1)


async def test_bad_days_are_named():
    with pytest.raises(ValueError, match="days: 0"):
        await run_config(load_config(EXAMPLE), days=0, seed=1)


def test_prompts_take_the_time_their_text_takes():
    seconds = prompt_seconds(load_config(EXAMPLE))
    text = load_config(EXAMPLE).prompts["welcome"].text["en"]
    assert seconds("welcome", "en") == pytest.approx(0.5 + len(text) / 14)
    assert seconds("no-such-prompt", "en") == 0.5


def test_the_command_prints_json(capsys):
    argv = ["simulate", "--config", str(EXAMPLE), "--days", "1", "--seed", "1", "--json"]
    assert main(argv) == 0
    kpis = json.loads(capsys.readouterr().out)
    assert kpis["offered"] > 0 and set(kpis["queues"]) == {"sales", "support"}


async def test_a_line_carries_one_call_and_callers_finding_all_busy_are_blocked():
    data = example_data()
    data["lines"] = {"gsm1": data["lines"]["gsm1"]}  # one line for four agents
    config = parse_config(data, base_dir=EXAMPLE.parent)
    k = await run_config(config, days=1, seed=3)
    assert k.blocked > 0
    # With one line, at most one caller at a time: nobody ever waits for an agent.
    assert k.p_wait == 0.0 and k.offered > 0
    full = await run_config(load_config(EXAMPLE), days=1, seed=3)
    assert full.blocked < k.blocked and full.offered > k.offered
    assert "blocked" in k.as_dict()
