"""Modem logs played back: the log format and the stand-in port."""

from __future__ import annotations

import asyncio

import pytest

from firmware.lines.at import AtChannel
from firmware.lines.factory import dialect_of_log, make_line
from firmware.lines.replay import LogError, LogReplay, parse_log

LOG = """\
# a tiny session
> ATE0
< OK
> AT+CSQ
< +CSQ: 20,99
< OK
< RING
= wait 0.05
> AT+CLCC
< +CLCC: 1,1,4,0,0,"5550123",129
< OK
"""


def test_parse_log_kinds_and_bad_directive():
    entries = parse_log(LOG)
    assert [e.kind for e in entries][:3] == [">", "<", ">"]
    assert entries[0].text == "ATE0" and entries[0].lineno == 2
    assert any(e.kind == "=" and e.text == "0.05" for e in entries)
    with pytest.raises(LogError, match=r"x\.log:2: '= sleep 1'"):
        parse_log("> AT\n= sleep 1\n", "x.log")


async def test_replay_answers_in_order_and_from_history():
    rep = LogReplay(parse_log(LOG))
    reader, writer, _ = await rep.opener()
    urcs: list[str] = []
    ch = AtChannel(reader, writer, urc_prefixes=("RING",), on_urc=urcs.append)
    ch.start()
    assert (await ch.command("ATE0")).ok
    assert (await ch.command("AT+CSQ")).lines == ["+CSQ: 20,99"]
    # a poll while the log is idle, which the log has only later: answered as it is there
    extra = await ch.command("AT+CLCC", expect="+CLCC:")
    assert extra.lines == ['+CLCC: 1,1,4,0,0,"5550123",129']
    await asyncio.sleep(0.1)  # the log's '= wait 0.05' is over: now AT+CLCC is the log's own
    clcc = await ch.command("AT+CLCC", expect="+CLCC:")
    assert clcc.lines == extra.lines
    with pytest.raises(Exception, match="ERROR"):
        await ch.command("AT+NEVER")
    await asyncio.wait_for(rep.done.wait(), 5)
    assert urcs == ["RING"]
    assert rep.report.unanswered == ["AT+NEVER"]
    assert any("AT+CLCC" in m for m in rep.report.mismatches)
    await ch.close()


def test_dialect_of_log_from_header_or_identity():
    assert dialect_of_log(parse_log("> AT+CGMI\n< huawei\n< OK\n")) == "huawei"
    assert dialect_of_log(parse_log("> ATI\n< SIM7600E-H\n")) == "sim7600"
    assert dialect_of_log(parse_log("> ATI\n< Quectel\n< EC25\n")) == "quectel"
    assert dialect_of_log([], "# dialect: sim800\n") == "sim800"
    assert dialect_of_log(parse_log("> AT\n< OK\n")) == "gsm"


def test_unknown_dialect_is_named():
    with pytest.raises(ValueError, match="unknown dialect 'nokia'"):
        make_line("nokia", "l1")


def test_bytes_and_actions_in_a_log():
    entries = parse_log("= answer\n= dial 5551234\n<x 10 6c ff\n= dtmf 1#\n")
    assert [(e.kind, e.text) for e in entries] == [
        ("!", "answer"),
        ("!", "dial 5551234"),
        ("x", "106cff"),
        ("!", "dtmf 1#"),
    ]
    with pytest.raises(LogError, match="expected hex bytes"):
        parse_log("<x 1g\n")
    with pytest.raises(LogError, match="'= dial NUMBER'"):
        parse_log("= dial\n")


async def test_actions_reach_the_driver_and_bytes_reach_the_reader():
    rep = LogReplay(parse_log("= answer\n<x 10 6c\n"))
    called: list[tuple[str, str]] = []

    async def act(name: str, arg: str) -> None:
        called.append((name, arg))

    rep.on_action = act
    reader, _, _ = await rep.opener()
    assert await asyncio.wait_for(reader.readexactly(2), 2) == b"\x10\x6c"
    await asyncio.wait_for(rep.done.wait(), 5)
    assert called == [("answer", "")]
