"""The tone table loader: the figures the standards give, and errors for bad tables."""

from __future__ import annotations

import dataclasses
import tomllib

import pytest

from dsp_ext.tonesets import DEFAULT_PATH, KINDS, countries, load_plans, parse_table, plan


def test_required_countries_are_there():
    assert set(countries()) >= {"ITU", "EU", "RU", "UA", "US", "GB", "DE"}


@pytest.mark.parametrize("country", countries())
def test_every_plan_has_every_kind(country):
    assert plan(country).kinds == KINDS


@pytest.mark.parametrize(
    ("country", "kind", "hz", "cadence"),
    [
        # North American precise tone plan.
        ("US", "dial", (350.0, 440.0), ()),
        ("US", "ringback", (440.0, 480.0), (2000.0, 4000.0)),
        ("US", "busy", (480.0, 620.0), (500.0, 500.0)),
        ("US", "congestion", (480.0, 620.0), (250.0, 250.0)),
        # ITU-T E.180 425 Hz plan.
        ("ITU", "dial", (425.0,), ()),
        ("ITU", "busy", (425.0,), (500.0, 500.0)),
        ("RU", "busy", (425.0,), (400.0, 400.0)),
        ("RU", "ringback", (425.0,), (1000.0, 4000.0)),
        ("RU", "congestion", (425.0,), (200.0, 200.0)),
        ("GB", "ringback", (400.0, 450.0), (400.0, 200.0, 400.0, 2000.0)),
        ("DE", "busy", (425.0,), (480.0, 480.0)),
        # ITU-T T.30 fax tones, common to all plans.
        ("RU", "cng", (1100.0,), (500.0, 3000.0)),
        ("US", "ced", (2100.0,), ()),
    ],
)
def test_table_holds_the_documented_tones(country, kind, hz, cadence):
    t = plan(country).tone(kind)
    assert t.freqs_hz == hz
    assert t.cadence_ms == cadence
    assert t.continuous == (cadence == ())


def test_sit_has_three_segments_with_itu_and_bellcore_frequencies():
    steps = plan("ITU").tone("sit").steps
    assert [s.alternatives[0][0] for s in steps[:3]] == [950.0, 1400.0, 1800.0]
    assert {913.8, 985.2} <= {a[0] for a in steps[0].alternatives}
    assert steps[3].is_off
    assert all(s.min_ms <= 274 and s.max_ms >= 380 for s in steps[:3])


def test_inherited_plans_share_the_parent_tones():
    assert plan("UA").tones == plan("RU").tones
    assert plan("EU").tones == plan("ITU").tones
    assert plan("UA").country == "UA"


def test_plans_are_frozen():
    p = plan("ITU")
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.country = "XX"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.tones[0].kind = "busy"  # type: ignore[misc]


def test_unknown_country_names_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown country 'ZZ' \(expected one of DE, EU"):
        plan("ZZ")


def test_lookup_is_case_insensitive():
    assert plan("gb") is plan("GB")


def _table() -> dict:
    return tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))


def _set(doc: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return doc


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "words"),
    [
        (
            "plans.RU.tones.busy.hz",
            [],
            ["plan RU, tone busy", "'hz'", "expected 1-4 distinct frequencies"],
        ),
        ("plans.RU.tones.busy.hz", [5000.0], ["plan RU, tone busy", "'hz'", "50-3900 Hz"]),
        (
            "plans.US.tones.busy.cadence_ms",
            [500, 500, 500],
            ["plan US, tone busy", "'cadence_ms'", "even-length"],
        ),
        (
            "plans.US.tones.busy.tolerance_pct",
            80,
            ["plan US, tone busy", "'tolerance_pct'", "(0, 50)"],
        ),
        (
            "plans.DE.tones.busy.level_dbm0",
            "loud",
            ["plan DE, tone busy", "'level_dbm0'", "-60..0 dBm0"],
        ),
        ("plans.GB.tones.dial.level_dbm0", [-20, -23, -1], ["plan GB, tone dial", "list of 2"]),
        (
            "plans.ITU.tones.dial.detect_after_ms",
            -1,
            ["plan ITU, tone dial", "'detect_after_ms'", "positive"],
        ),
        (
            "plans.ITU.tones.dial.cadence",
            "sometimes",
            ["plan ITU, tone dial", "'cadence'", "continuous"],
        ),
        (
            "plans.ITU.tones.busy.colour",
            "red",
            ["plan ITU, tone busy", "unknown key(s) ['colour']"],
        ),
        ("plans.ITU.tones.hum", {"hz": [50.0]}, ["plan ITU, tone hum", "unknown tone kind"]),
        ("plans.UA.inherit", "SU", ["plan UA", "'inherit'", "expected one of"]),
        (
            "plans.DE.tones.busy.confirm_segments",
            0,
            ["plan DE, tone busy", "'confirm_segments'", ">= 1"],
        ),
        ("common.sit.steps", [], ["common tone sit", "'steps'", "non-empty list"]),
        ("common.cng.tolerance_ms", [10, 10], ["common tone cng", "exactly one of"]),
        ("schema", 2, ["'schema'", "expected 1"]),
        ("plans.RU.name", _DELETE, ["plan RU", "'name'", "non-empty string"]),
        ("plans.RU.tones.dial", _DELETE, ["plan RU", "missing tone(s) ['dial']"]),
    ],
)
def test_bad_tables_name_plan_tone_key_and_expectation(path, value, words):
    with pytest.raises(ValueError) as info:
        parse_table(_set(_table(), path, value), source="t.toml")
    for w in words:
        assert w in str(info.value)


def test_busy_and_congestion_that_cannot_be_told_apart_are_refused():
    doc = _set(_table(), "plans.RU.tones.congestion.cadence_ms", [380, 380])
    with pytest.raises(ValueError, match="plan RU, tones busy and congestion: same frequencies"):
        parse_table(doc, source="t.toml")


def test_dial_confirmed_before_a_ringback_burst_ends_is_refused():
    doc = _set(_table(), "plans.DE.tones.dial.detect_after_ms", 1100)
    with pytest.raises(ValueError, match="plan DE, tone dial: key 'detect_after_ms' is 1100"):
        parse_table(doc, source="t.toml")


def test_inherit_loops_are_refused():
    doc = _set(_table(), "plans.RU.inherit", "UA")
    with pytest.raises(ValueError, match="'inherit' loops"):
        parse_table(doc)


def test_load_plans_reads_a_file_and_reports_bad_toml(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text(DEFAULT_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    assert load_plans(good)["US"] == plan("US")
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"[plans\n\xff\xfe garbage")
    with pytest.raises(ValueError, match=r"bad\.toml"):
        load_plans(bad)
