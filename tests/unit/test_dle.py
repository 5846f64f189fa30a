"""V.253 DLE shielding: the encoder, the stateful decoder, and a fuzz of any bytes in any split."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firmware.lines import dle
from firmware.lines.dle import DleDecoder, DleEvent, shield


def decode_all(chunks: list[bytes], *, audio: bool = True) -> tuple[list, int | None, int]:
    """Feed ``chunks`` in turn: merged items, the end offset in the whole input, bytes fed."""
    dec = DleDecoder(audio=audio)
    items: list = []
    fed = 0
    for chunk in chunks:
        got = dec.feed(chunk)
        for item in got.items:
            if isinstance(item, bytes) and items and isinstance(items[-1], bytes):
                items[-1] += item
            else:
                items.append(item)
        if got.used is not None:
            return items, fed + got.used, fed + len(chunk)
        fed += len(chunk)
    return items, None, fed


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    out, last = [], 0
    for p in [*points, len(data)]:
        out.append(data[last:p])
        last = p
    return out


def test_shield_doubles_dle_and_nothing_else():
    assert shield(b"\x00\x10\x11\x10\x10") == b"\x00\x10\x10\x11\x10\x10\x10\x10"
    assert shield(b"abc") == b"abc"


def test_decoder_splits_audio_and_events_in_order():
    stream = b"ab\x10\x10c\x105\x10ld\x10\x03OK"
    items, used, _ = decode_all([stream])
    assert items == [
        b"ab\x10c",
        DleEvent("5", "dtmf"),
        DleEvent("l", "loop_break"),
        b"d",
        DleEvent("\x03", "end"),
    ]
    assert stream[used:] == b"OK"  # what follows <DLE><ETX> is lines again


def test_a_dle_at_the_end_of_one_read_pairs_with_the_next():
    items, used, _ = decode_all([b"xy\x10", b"bz"])
    assert items == [b"xy", DleEvent("b", "busy"), b"z"] and used is None


def test_conexant_dle_sub_stands_for_two_dle_bytes():
    items, _, _ = decode_all([b"\x10\x1a"])
    assert items == [b"\x10\x10"]


def test_unknown_codes_are_events_not_errors():
    items, _, _ = decode_all([b"\x10Z\x10\x00"])
    assert [i.kind for i in items] == ["unknown", "unknown"]


def test_transmit_state_ends_at_the_first_plain_byte():
    # in VTX the modem sends only events; the OK after <DLE><ETX> must reach the line parser
    stream = b"\x10#\r\nOK\r\n"
    items, used, _ = decode_all([stream], audio=False)
    assert items == [DleEvent("#", "dtmf")] and stream[used:] == b"\r\nOK\r\n"


def test_after_the_end_nothing_more_is_taken():
    dec = DleDecoder()
    assert dec.feed(b"\x10\x03").used == 2
    assert dec.feed(b"more").used == 0


# -- fuzz ---------------------------------------------------------------------------------
# One st.binary() drives each example (splits, mode, pieces are derived from its bytes):
# hypothesis spends most of its time generating, and this keeps 10,000 examples quick.

CODES = [*sorted(set(dle.EVENT_NAMES) - {"\x03"}), "Z", "!"]


def cuts_of(data: bytes) -> list[int]:
    return [b * 7 + i for i, b in enumerate(data[1 : 1 + data[0] % 6])] if data else []


def pieces_of(data: bytes) -> list:
    """Audio chunks and event codes, read off ``data``."""
    out: list = []
    i = 0
    while i < len(data):
        b = data[i]
        if b < 48:
            out.append(CODES[b % len(CODES)])
            i += 1
        else:
            chunk = data[i + 1 : i + 2 + b % 16] or b"\x10"
            out.append(chunk)
            i += 2 + b % 16
    return out


def reference(data: bytes, audio: bool) -> tuple[list, int | None]:
    """The same rules, byte by byte, the plain way: (items, end offset)."""
    items: list = []

    def add(chunk: bytes) -> None:
        if items and isinstance(items[-1], bytes):
            items[-1] += chunk
        else:
            items.append(chunk)

    i = 0
    while i < len(data):
        if data[i] != 0x10:
            if not audio:
                return items, i
            add(data[i : i + 1])
            i += 1
            continue
        if i + 1 == len(data):
            break  # a DLE still waiting for its code
        c = data[i + 1]
        i += 2
        if c == 0x10:
            add(b"\x10")
        elif c == 0x1A:
            add(b"\x10\x10")
        else:
            items.append(dle.event_for(c))
            if c == 0x03:
                return items, i
    return items, None


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=300))
def test_fuzz_any_bytes_any_split(data):
    audio = not data or data[0] & 0x80 == 0
    cut = cuts_of(data)
    # any bytes: never raises, the split changes nothing, the plain rules agree
    whole = decode_all([data], audio=audio)
    assert decode_all(split(data, cut), audio=audio)[:2] == whole[:2]
    assert whole[:2] == reference(data, audio)
    # what the encoder shields comes back, audio and events in order, up to <DLE><ETX>
    seq = pieces_of(data)
    stream = b"".join(shield(p) if isinstance(p, bytes) else dle.code(p) for p in seq)
    stream += dle.END_TX + b"\r\nOK\r\n"
    items, used, _ = decode_all(split(stream, cut))
    expected: list = []
    for p in seq:
        if isinstance(p, bytes) and expected and isinstance(expected[-1], bytes):
            expected[-1] += p
        else:
            expected.append(p if isinstance(p, bytes) else dle.event_for(ord(p)))
    assert items == [*expected, DleEvent("\x03", "end")]
    assert stream[used:] == b"\r\nOK\r\n"
