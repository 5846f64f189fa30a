"""The AT channel's line sorting, fed bytes directly (no port): finals, URCs, echo, splits."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.lines.at import AtChannel, AtCommandError, CmeError, CmsError, final_kind


class FakeWriter:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> None:
        self.data += data

    async def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


def channel(urcs=("+CRING", "+CLIP", "^CEND", "RING")):
    got: list[str] = []
    # the channel does not touch its reader until start(): tests feed bytes directly
    ch = AtChannel(None, FakeWriter(), urc_prefixes=urcs, on_urc=got.append)
    return ch, got


async def run_command(ch: AtChannel, command: str, chunks: list[bytes], **kw):
    task = asyncio.create_task(ch.command(command, timeout=1.0, **kw))
    await asyncio.sleep(0)
    for c in chunks:
        ch.feed(c)
    return await task


async def test_ok_with_info_lines_and_echo():
    ch, urcs = channel()
    resp = await run_command(ch, "AT+CSQ", [b"AT+CSQ\r\r\n+CSQ: 23,99\r\n\r\nOK\r\n"])
    assert resp.ok and resp.lines == ["+CSQ: 23,99"] and urcs == []
    assert resp.lines_with("+CSQ:") == ["23,99"]


async def test_urc_in_the_middle_of_a_response_goes_to_the_urc_handler():
    ch, urcs = channel()
    resp = await run_command(
        ch,
        "AT+CLCC",
        [b'\r\n+CLCC: 1,1,4,0,0,"555",129\r\n', b"\r\n+CRING: VOICE\r\n\r\nOK\r\n"],
        expect="+CLCC:",
    )
    assert resp.lines == ['+CLCC: 1,1,4,0,0,"555",129']
    assert urcs == ["+CRING: VOICE"]


async def test_expected_prefix_wins_over_urc_prefix():
    ch, urcs = channel(urcs=("+CLCC",))
    resp = await run_command(ch, "AT+CLCC", [b"+CLCC: 1,0,0,0,0\r\nOK\r\n"], expect="+CLCC:")
    assert resp.lines == ["+CLCC: 1,0,0,0,0"] and urcs == []


@pytest.mark.parametrize(
    ("line", "exc", "code"),
    [
        (b"ERROR", AtCommandError, None),
        (b"+CME ERROR: 10", CmeError, 10),
        (b"+CME ERROR: SIM not inserted", CmeError, None),
        (b"+CMS ERROR: 500", CmsError, 500),
    ],
)
async def test_error_finals_raise_typed_errors(line, exc, code):
    ch, _ = channel()
    with pytest.raises(exc) as info:
        await run_command(ch, "AT+CPIN?", [b"\r\n" + line + b"\r\n"])
    assert type(info.value) is exc
    if code is not None:
        assert info.value.code == code


async def test_call_results_end_a_dial_but_are_urcs_otherwise():
    ch, urcs = channel()
    resp = await run_command(ch, "ATD5551234;", [b"\r\nBUSY\r\n"])
    assert resp.final == "BUSY" and not resp.ok
    resp = await run_command(ch, "AT+CLCC", [b"\r\nNO CARRIER\r\n\r\nOK\r\n"])
    assert resp.ok and urcs == ["NO CARRIER"]


async def test_bare_cr_and_split_reads():
    ch, urcs = channel()
    data = b'\rRING\r\r+CLIP: "+4930123",145,,,,0\r'
    for i in range(len(data)):
        ch.feed(data[i : i + 1])
    assert urcs == ["RING", '+CLIP: "+4930123",145,,,,0']


async def test_timeout_names_what_arrived_and_next_command_resyncs():
    ch, _ = channel()
    with pytest.raises(TimeoutError) as info:
        await run_command(
            ch,
            "AT+COPS?",
            [b'+COPS: 0,0,"Op'],
        )
    assert b"+COPS" in info.value.received and "AT+COPS?" in str(info.value)
    writer = ch._writer
    task = asyncio.create_task(ch.command("AT+CSQ", timeout=1.0))
    await asyncio.sleep(0.01)
    assert bytes(writer.data).endswith(b"AT\r")  # the resync goes first
    ch.feed(b"\r\nOK\r\n")
    await asyncio.sleep(0.01)
    ch.feed(b"\r\n+CSQ: 10,99\r\n\r\nOK\r\n")
    assert (await task).lines == ["+CSQ: 10,99"]


async def test_data_mode_gives_bytes_to_the_sink_until_it_says_done():
    ch, urcs = channel()
    got = bytearray()

    def sink(data: bytes):
        end = data.find(b"\x10\x03")
        if end < 0:
            got.extend(data)
            return None
        got.extend(data[:end])
        return end + 2

    ch.set_raw_sink(sink)
    resp = await run_command(
        ch, "AT+VRX", [b"\r\nCONNECT\r\n\x01\x02", b"\x03\x10\x03\r\nRING\r\n"], data_mode=True
    )
    await asyncio.sleep(0)
    assert resp.final == "CONNECT" and bytes(got) == b"\x01\x02\x03" and urcs == ["RING"]


def test_final_kinds():
    assert final_kind("OK") == "ok" and final_kind("CONNECT 9600") == "ok"
    assert final_kind("+CME ERROR: 3") == "error" and final_kind("NO DIALTONE") == "call"
    assert final_kind("OKAY") is None


URC_LINES = ["RING", "+CRING: VOICE", '+CLIP: "123",129', "^CEND: 1,0,104,16"]


@settings(max_examples=10_000, deadline=None)
@given(
    noise=st.binary(max_size=40),
    urcs=st.lists(st.sampled_from(URC_LINES), max_size=4),
    cuts=st.lists(st.integers(0, 200), max_size=6),
)
def test_fuzz_garbage_and_splits_never_break_the_parser_or_lose_urcs(noise, urcs, cuts):
    ch, got = channel()
    clean = noise.replace(b"\r", b" ").replace(b"\n", b" ")
    data = b"\r\n" + clean + b"\r\n" + b"".join(b"\r\n" + u.encode() + b"\r\n" for u in urcs)
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    for a, b in itertools.pairwise(bounds):
        ch.feed(data[a:b])
    # every URC arrives, in order, after whatever the garbage line became
    assert got[len(got) - len(urcs) :] == urcs
    assert len(got) - len(urcs) <= 1


async def test_pins_and_callers_keys_never_reach_the_debug_log_or_the_pin_a_trace(caplog):
    import logging

    ch, got = channel(urcs=("^DDTMF", "+DTMF"))
    traced: list[tuple[str, bytes]] = []
    ch.on_trace = lambda direction, data: traced.append((direction, data))
    caplog.set_level(logging.DEBUG, logger="hotline.lines.at")
    await run_command(ch, 'AT+CPIN="4711"', [b"\r\nOK\r\n"])
    ch.feed(b"\r\n^DDTMF: 9\r\n+DTMF:3\r\n")
    assert got == ["^DDTMF: 9", "+DTMF:3"]  # the driver still hears the keys
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "4711" not in logged and '"****"' in logged
    assert "^DDTMF: <key withheld>" in logged and "+DTMF: <key withheld>" in logged
    assert ": 9" not in logged and ":3" not in logged
    sent = b"".join(data for direction, data in traced if direction == ">")
    assert b"4711" not in sent and b'AT+CPIN="****"' in sent
