"""The config schema, its messages, ``hotline config check`` and ``diff_for_reload``."""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import tomllib
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.commands import config as config_command
from firmware.config import (
    EXAMPLE,
    LINE_KINDS,
    Config,
    ConfigError,
    diff_for_reload,
    load_config,
    parse_config,
)
from firmware.lines import factory

SECRET = "s3cr3t-Pa55"


@cache
def _example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def example() -> dict:
    return copy.deepcopy(_example())


def problems(data: dict, base_dir=".") -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=base_dir)
    return info.value.problems


# --- the example ---------------------------------------------------------------------


def test_example_loads():
    cfg = load_config(EXAMPLE)
    assert isinstance(cfg, Config)
    assert (len(cfg.lines), len(cfg.queues), len(cfg.agents)) == (4, 2, 4)
    assert {line.kind for line in cfg.lines.values()} == {"huawei", "sim7600", "quectel", "fxo"}
    assert set(cfg.languages.available) == {"ru", "uk", "en", "fa"}
    assert {n.type for n in cfg.ivr["main"].nodes.values()} >= {
        "play",
        "menu",
        "collect",
        "language",
        "hours",
        "queue",
        "voicemail",
        "callback",
        "hangup",
    }
    assert cfg.hours["office"].ranges(0)[0] == (dt.time(9), dt.time(13))
    assert cfg.is_holiday(dt.date(2026, 3, 21)) and not cfg.is_holiday(dt.date(2026, 3, 22))
    assert cfg.mqtt is not None and cfg.mqtt.password.get_secret_value() == "change-me"


def test_line_kinds_match_the_driver_factory():
    assert set(LINE_KINDS) == set(factory.names()) | {"fxo"}


def test_every_field_has_a_title_and_description():
    seen: set[type] = set()

    def walk(model):
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.title and field.description, f"{model.__name__}.{name}"
        for sub in model.__subclasses__():
            walk(sub)

    from firmware.config.base import Section

    walk(Section)
    assert len(seen) > 15


# --- one problem each: the exact message ---------------------------------------------


def _set(path: str, value):
    def mutate(d: dict) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[p]
        d[last] = value

    return mutate


def _drop(path: str):
    def mutate(d: dict) -> None:
        *parents, last = path.split(".")
        for p in parents:
            d = d[p]
        del d[last]

    return mutate


BROKEN = [
    (
        _set("queues.sales.strategy", "rondrobin"),
        "queues.sales.strategy: 'rondrobin' is not one of ringall, longest-idle, "
        "fewest-calls, round-robin, random, skills",
    ),
    (
        _set("queues.sales.stratgy", "random"),
        "queues.sales.stratgy: unknown key (did you mean 'strategy'?)",
    ),
    (_drop("box_id"), "box_id: missing (required)"),
    (
        _set("box_id", "office/1"),
        "box_id: 'office/1' is not a valid name (expected a letter, "
        "then letters, digits, '-' or '_', at most 40 characters)",
    ),
    (
        _set("lines.gsm1.kind", "nokia"),
        "lines.gsm1.kind: 'nokia' is not one of gsm, huawei, sim800, sim7600, quectel, "
        "v253, usr5637, conexant, fxo",
    ),
    (
        _drop("lines.gsm1.kind"),
        "lines.gsm1.kind: missing (required: it says which kind of entry this is)",
    ),
    (_drop("lines.gsm1.port"), "lines.gsm1.port: missing (required)"),
    (
        _set("lines.gsm1.ring_pin", 5),
        "lines.gsm1.ring_pin: unknown key (expected one of label, enabled, flow, outbound, "
        "kind, port, audio_port, audio_device, sim_pin)",
    ),
    (
        _set("lines.city.ring_pin", 1),
        "lines.city.ring_pin: 1 is a reserved pin (expected 2-27: BCM 0 and 1 belong to the "
        "HAT ID EEPROM)",
    ),
    (
        _set("lines.city.hook_pin", 40),
        "lines.city.hook_pin: 40 is not a BCM GPIO pin (expected 2-27)",
    ),
    (
        _set("lines.city.hook_pin", 5),
        "lines.city.hook_pin: pin 5 is already used by stations.desk1.buttons.ready",
    ),
    (
        _set("stations.desk2.leds.ready", 4),
        "panic.supervisor.pin: pin 4 is already used by stations.desk2.leds.ready",
    ),
    (
        _set("stations.desk2.headset", "jabra evolve 20 #1"),
        "stations.desk2.headset: 'jabra evolve 20 #1' is already the headset of "
        "stations.desk1 (expected a different device)",
    ),
    (
        _set("stations.desk1.buttons.panic", 11),
        "stations.desk1.buttons: 'panic' is not "
        "one of ready, pause, answer, hangup, transfer, mute",
    ),
    (
        _set("stations.desk1.buttons.transfer", 16),
        "stations.desk1.transfer_to: missing: the transfer button needs a queue to hand the "
        "caller to (expected transfer_to = a queue's name)",
    ),
    (
        _set("stations.desk1.transfer_to", "billing"),
        "stations.desk1.transfer_to: 'billing' is not a queue (expected one of sales, support)",
    ),
    (
        _set("lines.city.flow", "night"),
        "lines.city.flow: 'night' is not an IVR flow (expected one of main)",
    ),
    (
        _set("queues.sales.wrapup_s", -1),
        "queues.sales.wrapup_s: -1 is too small (expected at least 0)",
    ),
    (_set("queues.sales.wrapup_s", "15"), "queues.sales.wrapup_s: '15' is not a number"),
    (_set("queues.sales.max_length", 2.5), "queues.sales.max_length: 2.5 is not a whole number"),
    (
        _set("queues.sales.announce_position", "yes"),
        "queues.sales.announce_position: 'yes' is not true or false",
    ),
    (
        _drop("queues.support.overflow"),
        "queues.support.overflow: missing (required when max_wait_s or max_length is set)",
    ),
    (
        _set("queues.support.overflow", {"action": "queue", "target": "support"}),
        "queues.support.overflow.target: 'support' is this queue (expected another queue)",
    ),
    (
        _set("queues.support.overflow", {"action": "queue", "target": "billing"}),
        "queues.support.overflow.target: 'billing' is not a queue (expected one of sales, support)",
    ),
    (
        _set("queues.support.overflow", {"action": "supervisor", "target": "anna"}),
        "queues.support.overflow.target: 'anna' is not a supervisor (expected supervisor = true)",
    ),
    (
        _set("queues.sales.overflow", {"action": "callback", "target": "sales"}),
        "queues.sales.overflow.target: 'sales' is not allowed (action 'callback' takes no target)",
    ),
    (
        _set("queues.sales.overflow", {"action": "transfer"}),
        "queues.sales.overflow.action: 'transfer' is not one of queue, supervisor, voicemail, "
        "callback, hangup",
    ),
    (
        _set("queues.support.skills", {}),
        "queues.support.skills: is empty (expected the skills "
        "this queue needs when strategy is 'skills')",
    ),
    (
        _set("queues.sales.priority", [{"numbers": ["+38 050"], "priority": 1}]),
        "queues.sales.priority[0].numbers[0]: '+38 050' is not a phone number pattern "
        "(expected digits with an optional leading '+' and an optional trailing '*', "
        "e.g. '+38050*')",
    ),
    (
        _set("queues.sales.hours", "weekend"),
        "queues.sales.hours: 'weekend' is not a business-hours schedule (expected one of office)",
    ),
    (
        _set("agents.anna.queues", ["sales", "vip"]),
        "agents.anna.queues[1]: 'vip' is not a queue (expected one of sales, support)",
    ),
    (
        _set("agents.anna.station", "desk9"),
        "agents.anna.station: 'desk9' is not a station "
        "(expected one of desk1, desk2, desk3, desk4)",
    ),
    (
        _set("agents.anna.skills", {"sales": 11}),
        "agents.anna.skills.sales: 11 is too large (expected at most 10)",
    ),
    (
        _set("acd.missed_pause_reason", "nap"),
        "acd.missed_pause_reason: 'nap' is not one of "
        "the pause reasons (expected one of break, lunch, missed-calls, training)",
    ),
    (
        _set("ivr.main.start", "begin"),
        "ivr.main.start: 'begin' is not a node of flow 'main' "
        "(expected one of agent-login, agent-logout, bye, callback, check-hours, "
        "choose-language, closed, holiday, menu, order, sales, support, voicemail, welcome)",
    ),
    (
        _set("ivr.main.nodes.menu.choices", {"1": "sales", "5": "billing"}),
        "ivr.main.nodes.menu.choices.5: 'billing' is not a node of flow 'main' (expected one "
        "of agent-login, agent-logout, bye, callback, check-hours, choose-language, closed, "
        "holiday, menu, order, sales, support, voicemail, welcome)",
    ),
    (
        _set("ivr.main.nodes.menu.choices", {"x": "sales"}),
        "ivr.main.nodes.menu.choices: 'x' is not a DTMF key (expected one of 0-9, *, #, A-D)",
    ),
    (
        _set("ivr.main.nodes.menu.type", "manu"),
        "ivr.main.nodes.menu.type: 'manu' is not one of play, menu, collect, language, hours, "
        "queue, voicemail, callback, hangup, agent_login",
    ),
    (_drop("ivr.main.nodes.menu.fallback"), "ivr.main.nodes.menu.fallback: missing (required)"),
    (
        _set("ivr.main.nodes.sales.queue", "billing"),
        "ivr.main.nodes.sales.queue: 'billing' is not a queue (expected one of sales, support)",
    ),
    (
        _set("ivr.main.nodes.check-hours.schedule", "night"),
        "ivr.main.nodes.check-hours."
        "schedule: 'night' is not a business-hours schedule (expected one of office)",
    ),
    (
        _set("ivr.main.nodes.choose-language.choices", {"1": "ru", "5": "de"}),
        "ivr.main.nodes.choose-language.choices.5: 'de' is not one of the available languages "
        "(expected one of en, fa, ru, uk)",
    ),
    (
        _set("ivr.main.nodes.order.min_digits", 9),
        "ivr.main.nodes.order.min_digits: 9 is more than max_digits (expected at most 8)",
    ),
    (
        _set("ivr.main.nodes.order.pattern", "[0-9"),
        "ivr.main.nodes.order.pattern: '[0-9' is not a regular expression (unterminated "
        "character set at position 0)",
    ),
    (
        _set("ivr.main.nodes.welcome.prompt", "hello"),
        "ivr.main.nodes.welcome.prompt: 'hello' "
        "is not a prompt (expected one of callback-offer, cannot-hear, choose-language, "
        "closed, comfort, enter-order, goodbye, holiday, invalid, leave-message, logged-in, "
        "logged-out, login-code, login-failed, logout-failed, main-menu, station-number, "
        "welcome)",
    ),
    (
        _drop("ivr.main.silence_prompt"),
        "ivr.main.silence_prompt: missing (required when "
        "silence_after_s is more than 0: 'we cannot hear you')",
    ),
    (
        _drop("prompts.welcome.text.fa"),
        "prompts.welcome: has no 'fa' version (expected text.fa, wav.fa or file: 'fa' is in "
        "languages.available and ivr.main.nodes.welcome.prompt plays it)",
    ),
    (
        _set("languages.default", "de"),
        "languages.default: 'de' is not one of the available "
        "languages (expected one of en, fa, ru, uk)",
    ),
    (
        _set("languages.available", ["ru", "EN"]),
        "languages.available[1]: 'EN' is not a "
        "language code (expected ISO 639-1 such as 'en', 'ru', 'uk', 'fa')",
    ),
    (
        _set("hours.office.mon", ["18:00-09:00"]),
        "hours.office.mon[0]: '18:00-09:00' is not a time range (expected 'HH:MM-HH:MM' with "
        "the start before the end; split a range that passes midnight in two)",
    ),
    (
        _set("hours.office.timezone", "Mars/Base"),
        "hours.office.timezone: 'Mars/Base' is not a "
        "time zone (expected an IANA name such as 'Europe/Kyiv' or 'UTC')",
    ),
    (
        _set("hours.office.mnday", []),
        "hours.office.mnday: unknown key (expected one of "
        "timezone, mon, tue, wed, thu, fri, sat, sun)",
    ),
    (
        _set("holidays.new-year", "2026-01-01"),
        "holidays.new-year: '2026-01-01' is not a date "
        "(expected a TOML date such as 2026-01-01, no quotes)",
    ),
    (_set("mqtt.port", 70000), "mqtt.port: 70000 is too large (expected at most 65535)"),
    (_set("mqtt.tls", 1), "mqtt.tls: 1 is not true or false"),
    (_drop("mqtt.username"), "mqtt.username: missing (required when a password is set)"),
    (_set("mqtt.ca_file", "no-such-ca.pem"), "mqtt.ca_file: 'no-such-ca.pem' is not a file"),
    (
        _set("recording.retention_days", 0),
        "recording.retention_days: 0 is too small (expected at least 1)",
    ),
    (
        _set("journal.max_events", 10),
        "journal.max_events: 10 is too small (expected at least 1000)",
    ),
    (_set("journal", 5), "journal: 5 is not a table (expected [section] or { key = value })"),
    (
        _set("queues", {"Sales Q": {"strategy": "random"}}),
        "queues: 'Sales Q' is not a valid "
        "name (expected a letter, then letters, digits, '-' or '_', at most 40 characters)",
    ),
    (_set("qeues", {}), "qeues: unknown section (did you mean 'queues'?)"),
]


@pytest.mark.parametrize(("mutate", "expected"), BROKEN, ids=[b[1][:50] for b in BROKEN])
def test_broken_variant_gives_exact_message(mutate, expected, tmp_path):
    data = example()
    mutate(data)
    found = problems(data, base_dir=tmp_path)
    assert expected in found, "\n".join(found)


def test_one_bad_value_gives_one_problem():
    data = example()
    data["queues"]["sales"]["strategy"] = "rondrobin"
    assert len(problems(data)) == 1


def test_every_problem_at_once():
    data = example()
    data["queues"]["sales"]["strategy"] = "rondrobin"
    data["lines"]["city"]["ring_pin"] = 0
    data["mqtt"]["port"] = "1883"
    data["ivr"]["main"]["nodes"]["order"]["max_digits"] = "8"  # the flow itself fails…
    data["ivr"]["main"]["nodes"]["menu"]["choices"]["9"] = "nowhere"  # …its refs still count
    del data["prompts"]["goodbye"]["text"]["uk"]
    data["stations"]["desk2"]["buttons"]["ready"] = 5
    found = problems(data)
    assert len(found) == 7, "\n".join(found)
    assert [p.split(":")[0] for p in found] == [
        "lines.city.ring_pin",
        "queues.sales.strategy",
        "ivr.main.nodes.order.max_digits",
        "mqtt.port",
        "ivr.main.nodes.menu.choices.9",
        "stations.desk2.buttons.ready",
        "prompts.goodbye",
    ]


def test_a_broken_queue_is_not_also_unknown():
    data = example()
    data["queues"]["sales"]["wrapup_s"] = "long"
    found = problems(data)
    assert found == ["queues.sales.wrapup_s: 'long' is not a number"]


# --- prompts on disk ---------------------------------------------------------------------


def _wav(path):
    import struct

    data = b"\0\0" * 80
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    path.write_bytes(
        b"RIFF"
        + struct.pack("<I", 36 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )


def test_wav_prompts_relative_to_the_config(tmp_path):
    (tmp_path / "music").mkdir()
    _wav(tmp_path / "music" / "hold.wav")
    _wav(tmp_path / "welcome-fa.wav")
    data = example()
    data["prompts"]["music"] = {"file": "music/hold.wav"}
    data["queues"]["sales"]["hold_music"] = "music"
    data["prompts"]["welcome"]["wav"] = {"fa": "welcome-fa.wav"}
    del data["prompts"]["welcome"]["text"]["fa"]  # the recording covers Persian
    cfg = parse_config(data, base_dir=tmp_path)
    assert cfg.queues["sales"].hold_music == "music"


def test_missing_and_non_wav_prompt_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    data = example()
    data["prompts"]["music"] = {"file": "music/hold.wav"}
    data["prompts"]["welcome"]["wav"] = {"fa": "notes.txt"}
    found = problems(data, base_dir=tmp_path)
    assert sorted(found) == [
        f"prompts.music.file: 'music/hold.wav' cannot be read: No such file or directory "
        f"(expected a WAV file at {tmp_path / 'music/hold.wav'})",
        "prompts.welcome.wav.fa: 'notes.txt' is not a WAV file (expected RIFF/WAVE audio)",
    ]


def test_an_unused_prompt_need_not_cover_every_language():
    data = example()
    data["prompts"]["spare"] = {"text": {"en": "Spare."}}
    assert parse_config(data).prompts["spare"].has("en")


# --- files and TOML syntax -------------------------------------------------------------


def test_toml_syntax_error_names_line_and_column(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('box_id = "x"\n[queues.sales]\nstrategy = \n')
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert info.value.problems == ["line 3, column 12: invalid value (expected valid TOML)"]


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(ConfigError, match=r"cannot read .*nope\.toml: No such file"):
        load_config(tmp_path / "nope.toml")
    f = tmp_path / "latin1.toml"
    f.write_bytes(b'box_id = "x"\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as info:
        load_config(f)
    assert info.value.problems == ["line 2: not UTF-8 text (expected a UTF-8 TOML file)"]


def test_not_a_table():
    with pytest.raises(ConfigError, match="not a table of sections"):
        parse_config([1, 2])


# --- secrets ---------------------------------------------------------------------------


def _secret_variants():
    def wrong_type(d):
        d["mqtt"]["password"] = [SECRET]

    def misspelt(d):
        d["mqtt"]["pasword"] = SECRET

    def sim_pin(d):
        d["lines"]["gsm1"]["sim_pin"] = {"pin": SECRET}

    def login_code(d):
        d["agents"]["anna"]["login_code"] = [SECRET, SECRET]

    def whole_section(d):
        d["mqtt"]["port"] = "x"
        d["mqtt"]["password"] = SECRET

    def bad_line(d):
        d["lines"]["gsm1"] = {"kind": "bogus", "sim_pin": SECRET}

    return [wrong_type, misspelt, sim_pin, login_code, whole_section, bad_line]


@pytest.mark.parametrize("mutate", _secret_variants())
def test_secrets_never_in_error_text(mutate):
    data = example()
    mutate(data)
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    text = str(info.value) + repr(info.value) + repr(info.value.problems)
    assert SECRET not in text
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_secrets_never_in_repr():
    data = example()
    data["mqtt"]["password"] = SECRET
    data["lines"]["gsm1"]["sim_pin"] = SECRET
    data["agents"]["anna"]["login_code"] = SECRET
    cfg = parse_config(data)
    for text in (repr(cfg), str(cfg), cfg.model_dump_json(), repr(cfg.model_dump())):
        assert SECRET not in text
    assert cfg.mqtt.password.get_secret_value() == SECRET


# --- reload ----------------------------------------------------------------------------


def test_diff_for_reload():
    old = parse_config(example())
    assert diff_for_reload(old, parse_config(example())) == {}
    data = example()
    data["queues"]["sales"]["wrapup_s"] = 20
    data["mqtt"]["password"] = "new"
    data["agents"]["erin"] = {"queues": ["sales"]}
    del data["agents"]["carol"]
    data["journal"]["retention_days"] = 30
    changed = diff_for_reload(old, parse_config(data))
    assert changed == {
        "queues": ["sales"],
        "agents": ["carol", "erin"],
        "mqtt": [],
        "journal": [],
    }
    assert "new" not in repr(changed)


# --- the command ---------------------------------------------------------------------------


def _run(argv):
    parser = argparse.ArgumentParser()
    config_command.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_config_check_ok(capsys):
    assert _run(["config", "check", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out == f"{EXAMPLE}: OK (4 lines, 2 queues, 4 agents)\n"


def test_config_check_problems(tmp_path, capsys):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('strategy = "longest-idle"', 'strategy = "rondrobin"')
    text = text.replace("ring_pin = 17", "ring_pin = 1")
    f = tmp_path / "office.toml"
    f.write_text(text, encoding="utf-8")
    assert _run(["config", "check", str(f)]) == 2
    assert capsys.readouterr().out.splitlines() == [
        f"{f}: lines.city.ring_pin: 1 is a reserved pin (expected 2-27: BCM 0 and 1 belong "
        "to the HAT ID EEPROM)",
        f"{f}: queues.sales.strategy: 'rondrobin' is not one of ringall, longest-idle, "
        "fewest-calls, round-robin, random, skills",
    ]


# --- fuzz ----------------------------------------------------------------------------------


def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        yield prefix  # the table itself may be replaced too
        for k, v in node.items():
            yield from _leaf_paths(v, (*prefix, k))
    elif isinstance(node, list):
        yield prefix
        for i, v in enumerate(node):
            yield from _leaf_paths(v, (*prefix, i))
    else:
        yield prefix


PATHS = [p for p in _leaf_paths(_example()) if p]

_scalars = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "sales",
            "main",
            "en",
            "fa",
            "09:00-18:00",
            "24:00-24:00",
            "UTC",
            "ringall",
            "fxo",
            "queue",
            "music/hold.wav",
            "/dev/null",
            "..",
            "\0",
        ]
    ),
    st.dates(),
    st.times(),
    st.datetimes(),
)
toml_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    edits=st.lists(
        st.tuples(st.sampled_from(PATHS), toml_values, st.sampled_from(["set", "del", "add"])),
        min_size=1,
        max_size=3,
    )
)
def test_fuzz_only_config_errors(edits):
    data = example()
    for path, value, how in edits:
        node = data
        try:
            for p in path[:-1]:
                node = node[p]
            if how == "set":
                node[path[-1]] = value
            elif how == "del":
                del node[path[-1]]
            elif isinstance(node[path[-1]], dict):
                node[path[-1]]["zz" + str(len(node))] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    try:
        parse_config(data)
    except ConfigError as exc:
        assert exc.problems
        for line in exc.problems:
            assert "\n" not in line and "Input should" not in line, line


def test_docs_describe_every_key():
    from pathlib import Path

    from firmware.config.base import Section

    docs = (Path(__file__).parents[2] / "docs" / "config.md").read_text(encoding="utf-8")
    missing, todo = [], [Section]
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        for key in cls.model_fields:
            # Top-level sections are documented as `[name]` / `[name.<id>]`.
            if f"`{key}`" not in docs and f"`[{key}" not in docs:
                missing.append(f"{cls.__name__}.{key}")
    assert not missing


def test_traffic_section_checks_its_shape():
    data = example()
    data["traffic"]["arrivals_per_hour"] = [1.0] * 23
    data["traffic"]["keys"]["main-menu"] = {"1x": 1.0}
    with pytest.raises(ConfigError) as exc:
        parse_config(data, base_dir=EXAMPLE.parent)
    problems = "\n".join(exc.value.problems)
    assert "traffic.arrivals_per_hour: " in problems and "has 23 values (expected 24" in problems
    assert "traffic.keys.main-menu: '1x' is not a key sequence" in problems


def test_traffic_section_names_prompts_and_hours_that_exist():
    data = example()
    data["traffic"]["keys"]["no-such-prompt"] = {"1": 1.0}
    data["traffic"]["staffed"] = "nights"
    with pytest.raises(ConfigError) as exc:
        parse_config(data, base_dir=EXAMPLE.parent)
    assert sorted(p.split(":")[0] for p in exc.value.problems) == [
        "traffic.keys.no-such-prompt",
        "traffic.staffed",
    ]
    problems = "\n".join(exc.value.problems)
    assert "'no-such-prompt' is not a prompt (expected one of" in problems
    assert "'nights' is not a business-hours schedule (expected one of office)" in problems


def test_two_agents_with_one_login_code_are_named_without_the_code():
    data = example()
    data["agents"]["anna"]["login_code"] = "4711"
    data["agents"]["bohdan"]["login_code"] = "4711"
    with pytest.raises(ConfigError) as exc:
        parse_config(data, base_dir=EXAMPLE.parent)
    assert exc.value.problems == [
        "agents.bohdan.login_code: is the same as agents.anna.login_code "
        "(expected a code of its own: it says who logs in)"
    ]
    assert "4711" not in str(exc.value)


def test_a_key_with_a_newline_is_named_on_one_line():
    # Found by the fuzzer: a quoted key is written with TOML's escapes.
    data = example()
    data["languages"]["\n"] = False
    with pytest.raises(ConfigError) as exc:
        parse_config(data)
    assert 'languages."\\n": unknown key (expected one of available, default, voices)' in (
        exc.value.problems
    )
