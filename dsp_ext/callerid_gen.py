"""Caller ID generators for tests and the demo: FSK bursts (Bell 202, V.23) and DTMF.

``callerid_burst`` builds what an exchange sends in the silent interval: a channel
seizure of alternating bits, a mark signal, then the message (type, length, payload,
checksum) as asynchronous characters (start bit 0, 8 data bits LSB first, stop bit 1),
all on one phase-continuous FSK carrier.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .callerid import (
    MSG_MDMF,
    MSG_SDMF,
    PARAM_DATE_TIME,
    PARAM_NAME,
    PARAM_NAME_ABSENT,
    PARAM_NUMBER,
    PARAM_NUMBER_ABSENT,
    CallDateTime,
    CallerId,
    checksum,
)
from .generate import dtmf, to_pcm16
from .levels import sine_peak

#: standard -> (mark Hz, space Hz, baud); the same table as the demodulator's
FSK_STANDARDS = {"bell202": (1200.0, 2200.0, 1200.0), "v23": (1300.0, 2100.0, 1200.0)}
#: mark signal before the message, in bits: GR-30 130 ms, EN 300 659-1 180 bits
MARK_BITS = {"bell202": 156, "v23": 180}
_ABSENCE_CHAR = {"unavailable": b"O", "private": b"P"}


def _standard(standard: str) -> tuple[float, float, float]:
    try:
        return FSK_STANDARDS[standard]
    except KeyError:
        raise ValueError(
            f"unknown FSK standard {standard!r} (expected one of {sorted(FSK_STANDARDS)})"
        ) from None


def bits_of(data: bytes, stop_bits: int = 1) -> list[int]:
    """Asynchronous framing of each byte: 0, the 8 data bits LSB first, then stop 1s."""
    out: list[int] = []
    for byte in data:
        out.append(0)
        out.extend((byte >> k) & 1 for k in range(8))
        out.extend([1] * stop_bits)
    return out


def fsk_modulate(
    bits: Sequence[int] | bytes,
    standard: str = "bell202",
    sample_rate: int = 8000,
    level_dbm0: float = -13.0,
    baud_error: float = 0.0,
    freq_error_hz: float = 0.0,
    phase: float = 0.0,
) -> np.ndarray:
    """int16 PCM of a phase-continuous FSK signal.

    ``bits`` is a sequence of 0/1 (1 = mark), or ``bytes``, which are framed as
    asynchronous characters first. ``baud_error`` is a fraction (0.01 = 1 % fast);
    ``freq_error_hz`` shifts both tones.
    """
    if isinstance(bits, (bytes, bytearray)):
        bits = bits_of(bytes(bits))
    mark, space, baud = _standard(standard)
    samples_per_bit = sample_rate / (baud * (1.0 + baud_error))
    n = math.ceil(len(bits) * samples_per_bit)
    if n == 0:
        return np.zeros(0, dtype=np.int16)
    index = np.minimum((np.arange(n) / samples_per_bit).astype(np.int64), len(bits) - 1)
    freq = np.where(np.asarray(bits, dtype=np.int8)[index] == 1, mark, space) + freq_error_hz
    # Phase of sample k is the sum of the steps before it: continuous across bit changes.
    steps = 2.0 * np.pi * freq / sample_rate
    theta = phase + np.concatenate([[0.0], np.cumsum(steps[:-1])])
    return to_pcm16(sine_peak(level_dbm0) * np.sin(theta))


def _date_digits(when: CallDateTime | None) -> bytes:
    if when is None:
        return b""
    return f"{when.month:02d}{when.day:02d}{when.hour:02d}{when.minute:02d}".encode("ascii")


def with_checksum(body: bytes) -> bytes:
    """``body`` (type, length, payload) followed by its checksum byte."""
    return body + bytes([checksum(body)])


def sdmf_message(
    number: str | None,
    when: CallDateTime,
    number_absence: str | None = None,
) -> bytes:
    """A GR-30 SDMF message (type 0x04), checksum included.

    The payload is MMDDHHMM then the number, or ``O`` / ``P`` when it is absent.
    """
    payload = _date_digits(when)
    if number is not None:
        payload += number.encode("ascii")
    else:
        payload += _ABSENCE_CHAR[number_absence or "unavailable"]
    return with_checksum(bytes([MSG_SDMF, len(payload)]) + payload)


def mdmf_message(
    number: str | None = None,
    name: str | None = None,
    when: CallDateTime | None = None,
    number_absence: str | None = None,
    name_absence: str | None = None,
    extra: Sequence[tuple[int, bytes]] = (),
) -> bytes:
    """An MDMF / ETSI call-setup message (type 0x80), checksum included.

    Parameters in the usual order: date/time, number (or reason for its absence),
    name (or reason for its absence), then any ``extra`` (type, value) pairs.
    """
    params: list[tuple[int, bytes]] = []
    if when is not None:
        params.append((PARAM_DATE_TIME, _date_digits(when)))
    if number is not None:
        params.append((PARAM_NUMBER, number.encode("ascii")))
    if number_absence is not None:
        params.append((PARAM_NUMBER_ABSENT, _ABSENCE_CHAR[number_absence]))
    if name is not None:
        params.append((PARAM_NAME, name.encode("latin-1")))
    if name_absence is not None:
        params.append((PARAM_NAME_ABSENT, _ABSENCE_CHAR[name_absence]))
    params.extend(extra)
    payload = b"".join(bytes([t, len(v)]) + v for t, v in params)
    if len(payload) > 255:
        raise ValueError(f"MDMF payload of {len(payload)} bytes is too long (at most 255)")
    return with_checksum(bytes([MSG_MDMF, len(payload)]) + payload)


def message_for(cid: CallerId) -> bytes:
    """SDMF when the caller ID has only a number (or its absence) and a date, else MDMF."""
    simple = cid.name is None and cid.name_absence is None and cid.date_time is not None
    if simple:
        return sdmf_message(cid.number, cid.date_time, cid.number_absence)
    return mdmf_message(cid.number, cid.name, cid.date_time, cid.number_absence, cid.name_absence)


def callerid_burst(
    message: CallerId | bytes,
    standard: str = "bell202",
    sample_rate: int = 8000,
    level_dbm0: float = -13.0,
    seizure_bits: int = 300,
    mark_bits: int | None = None,
    trailing_mark_bits: int = 4,
    lead_ms: float = 50.0,
    tail_ms: float = 50.0,
    baud_error: float = 0.0,
    freq_error_hz: float = 0.0,
    gap_bits: Sequence[int] = (),
) -> np.ndarray:
    """int16 PCM of a whole caller ID burst, with silence before and after.

    ``message`` is a :class:`CallerId` (sent as SDMF or MDMF, see :func:`message_for`)
    or the raw message bytes (type, length, payload, checksum). ``gap_bits[i]`` extra
    mark bits follow byte ``i`` (GR-30 lets an exchange pause between characters).
    """
    data = message_for(message) if isinstance(message, CallerId) else bytes(message)
    _standard(standard)
    mark_bits = MARK_BITS[standard] if mark_bits is None else mark_bits
    bits = [k % 2 for k in range(seizure_bits)] + [1] * mark_bits
    for i, byte in enumerate(data):
        bits += bits_of(bytes([byte]))
        if i < len(gap_bits):
            bits += [1] * gap_bits[i]
    bits += [1] * trailing_mark_bits
    fsk = fsk_modulate(bits, standard, sample_rate, level_dbm0, baud_error, freq_error_hz)
    lead = np.zeros(round(lead_ms * sample_rate / 1000.0), dtype=np.int16)
    tail = np.zeros(round(tail_ms * sample_rate / 1000.0), dtype=np.int16)
    return np.concatenate([lead, fsk, tail])


def message_start_sample(
    standard: str = "bell202",
    sample_rate: int = 8000,
    seizure_bits: int = 300,
    mark_bits: int | None = None,
    lead_ms: float = 50.0,
    baud_error: float = 0.0,
) -> float:
    """Where :func:`callerid_burst` puts the message type's start bit (a sample index)."""
    _, _, baud = _standard(standard)
    mark_bits = MARK_BITS[standard] if mark_bits is None else mark_bits
    samples_per_bit = sample_rate / (baud * (1.0 + baud_error))
    return round(lead_ms * sample_rate / 1000.0) + (seizure_bits + mark_bits) * samples_per_bit


DTMF_STYLES = ("A-C", "D-C", "A-#", "D-#")


def dtmf_digits(number: str | None, style: str = "A-C", number_absence: str | None = None) -> str:
    """The DTMF string an exchange sends for caller ID in ``style``.

    ``A-C`` (ETSI EN 300 659-1 annex, e.g. Sweden, Finland, Brazil): ``A<number>C``, or
    ``B00C`` (number unavailable) / ``B10C`` (private). ``D-C``: ``D<number>C``.
    ``A-#`` and ``D-#`` (Denmark): ``A<number>#`` / ``D<number>#``, or ``D1#``
    (private) / ``D3#`` (unavailable).
    """
    if style not in DTMF_STYLES:
        raise ValueError(f"unknown DTMF caller ID style {style!r} (expected one of {DTMF_STYLES})")
    start, end = style.split("-")
    if number is None:
        reason = number_absence or "unavailable"
        if end == "C":
            return "B10C" if reason == "private" else "B00C"
        return "D1#" if reason == "private" else "D3#"
    if not number or not number.isdigit():
        raise ValueError(f"a DTMF caller ID number must be digits only, got {number!r}")
    return f"{start}{number}{end}"


def dtmf_callerid(
    number: str | None,
    style: str = "A-C",
    number_absence: str | None = None,
    sample_rate: int = 8000,
    level_dbm0: float = -7.0,
    on_ms: float = 70.0,
    off_ms: float = 70.0,
    lead_ms: float = 50.0,
) -> np.ndarray:
    """int16 PCM of a DTMF caller ID (see :func:`dtmf_digits` for the styles)."""
    digits = dtmf_digits(number, style, number_absence)
    return dtmf(
        digits, sample_rate, level_dbm0=level_dbm0, on_ms=on_ms, off_ms=off_ms, lead_ms=lead_ms
    )
