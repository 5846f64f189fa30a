"""Caller ID as V.253 voice modems print it: AT+VCID=1 tag lines and the AT+VCID=2 hex form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.emulator.v253 import Caller, formatted_cid, unformatted_cid
from firmware.lines.vcid import CallerIdCollector, is_caller_id_line, parse_report


def test_formatted_report_as_the_manual_shows_it():
    # USR/Conexant command reference, "Example of Formatted Form Reporting"
    r = parse_report(["DATE = 0321", "TIME = 1405", "NMBR = 5045551234", "NAME = A N OTHER"])
    assert (r.date, r.time, r.number, r.name, r.validity) == (
        "0321",
        "1405",
        "5045551234",
        "A N OTHER",
        "valid",
    )


@pytest.mark.parametrize(
    ("code", "validity"), [("P", "withheld"), ("O", "unavailable"), ("p", "withheld")]
)
def test_private_and_out_of_area_numbers(code, validity):
    r = parse_report(["DATE = 0101", "TIME = 0000", f"NMBR = {code}", f"NAME = {code}"])
    assert r.number is None and r.name is None and r.validity == validity


def test_tags_without_spaces_and_unknown_items_as_mesg():
    r = parse_report(["NMBR=5551234", "MESG = 06034242431"])
    assert r.number == "5551234" and r.messages == ["06034242431"]


def test_ddn_number_only_fills_a_missing_number():
    assert parse_report(["DDN_NMBR = 5551234"]).number == "5551234"
    assert parse_report(["NMBR = 111", "DDN_NMBR = 222"]).number == "111"


def test_unformatted_manual_example_without_checksum():
    # "Example of Unformatted Form Reporting": an SDMF message, the checksum left out
    r = parse_report(["0412303332323234303539313435353132333435"])
    assert r.number == "9145512345"
    assert r.date is None  # 03222405 is no valid time (hour 24): kept out, number still read


@pytest.mark.parametrize(
    ("caller", "number", "name", "validity"),
    [
        (Caller("5045551234", "A N OTHER"), "5045551234", "A N OTHER", "valid"),
        (Caller("P", "P"), None, None, "withheld"),
        (Caller("O", "O"), None, None, "unavailable"),
    ],
)
def test_unformatted_mdmf_with_checksum(caller, number, name, validity):
    r = parse_report([unformatted_cid(caller)])
    assert (r.number, r.name, r.validity, r.date, r.time) == (
        number,
        name,
        validity,
        caller.date,
        caller.time,
    )


def test_formatted_and_unformatted_agree():
    c = Caller("18005551212", "ACME CORP")
    a, b = parse_report(formatted_cid(c)), parse_report([unformatted_cid(c)])
    assert (a.number, a.name, a.date, a.time) == (b.number, b.name, b.date, b.time)


def test_a_broken_hex_message_is_kept_as_mesg_not_raised():
    r = parse_report(["80FF0102"])
    assert r.number is None and r.messages == ["80FF0102"]


def test_other_lines_are_not_caller_id():
    c = CallerIdCollector()
    for line in ("RING", "OK", "VCON", "CONNECT", "NO CARRIER", "12", ""):
        assert not c.feed(line) and not is_caller_id_line(line)
    assert c.report.empty


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=80))
def test_any_line_never_raises(line):
    c = CallerIdCollector()
    c.feed(line)
    assert c.report.validity in ("valid", "withheld", "unavailable")
