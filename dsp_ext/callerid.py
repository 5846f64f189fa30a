"""Caller ID from line audio: FSK messages (Bell 202 / V.23) and DTMF caller ID.

Formats (the codes are checked against the published formats; tests in
``tests/conformance/test_callerid_formats.py``):

* Telcordia GR-30 *SDMF*: message type 0x04, length, ``MMDDHHMM`` then the number
  (or ``O`` out of area / unavailable, ``P`` private), checksum.
* GR-30 *MDMF* and ETSI EN 300 659-3 *call setup* (both type 0x80): length, then
  parameters (type, length, value): 0x01 date and time ``MMDDHHMM``, 0x02 calling
  number, 0x04 reason for absence of number (``O`` / ``P``), 0x07 calling name,
  0x08 reason for absence of name. Unknown parameters are skipped.
* The checksum byte is the two's complement of the sum of all other bytes, modulo 256:
  a good message sums to 0.
* On the line (GR-30 and EN 300 659-1): a channel seizure of alternating bits, a mark
  signal of about 130-180 ms, the message as asynchronous characters, at 1200 baud.
* DTMF caller ID (ETSI EN 300 659-1 annex; Denmark, Netherlands, Sweden, Finland,
  Iceland, India, Brazil...): ``A<number>C`` or ``D<number>C``; ``B00C`` number
  unavailable, ``B10C`` private; ``#``-terminated (Denmark): ``A<number>#`` or
  ``D<number>#``, with ``D1#`` private, ``D2#`` / ``D3#`` unavailable.

A message is found after a mark gap of at least ``MIN_LEAD_MARK_BITS``; its bytes may be
paused by at most ``MAX_GAP_BITS`` mark bits each. Bad checksums, truncated messages
and garbage give an event with ``error`` set (and no caller ID), or nothing; parsing
never raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

log = logging.getLogger(__name__)

MSG_SDMF = 0x04
MSG_MDMF = 0x80
MESSAGE_TYPES = (MSG_SDMF, MSG_MDMF)
PARAM_DATE_TIME = 0x01
PARAM_NUMBER = 0x02
PARAM_NUMBER_ABSENT = 0x04
PARAM_NAME = 0x07
PARAM_NAME_ABSENT = 0x08
_ABSENCE = {ord("O"): "unavailable", ord("P"): "private"}

FSK_STANDARDS = ("bell202", "v23")
BAUD = 1200.0
MIN_LEAD_MARK_BITS = 20  # mark before a message type (GR-30: 130 ms, ETSI: 80-180 bits)
MAX_GAP_BITS = 25  # mark allowed between two characters of one message
DTMF_MAX_GAP_MS = 300.0  # digits closer than this belong to one DTMF message


@dataclass(frozen=True)
class CallDateTime:
    """Month, day, hour and minute of the call, as the exchange sent them."""

    month: int
    day: int
    hour: int
    minute: int


@dataclass(frozen=True)
class CallerId:
    """What one caller ID message says.

    ``number_absence`` / ``name_absence`` are ``'private'`` or ``'unavailable'`` when
    the exchange said why the number / name is missing. ``checksum_ok`` is None for
    DTMF caller ID, which has no checksum.
    """

    number: str | None = None
    name: str | None = None
    date_time: CallDateTime | None = None
    number_absence: str | None = None
    name_absence: str | None = None
    standard: str = "bell202"
    raw: bytes = b""
    checksum_ok: bool | None = True


@dataclass(frozen=True)
class CallerIdEvent:
    """A caller ID message heard on the line, good or bad.

    ``start`` and ``end`` are sample indices (the message type's start bit, and the
    sample after the checksum's stop bit; for DTMF the first and last digit). When
    ``error`` is set, ``caller_id`` is None and ``raw`` holds the bytes received.
    """

    caller_id: CallerId | None
    start: int
    end: int
    standard: str
    raw: bytes
    checksum_ok: bool | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def checksum(body: bytes) -> int:
    """The GR-30 / ETSI checksum of ``body``: two's complement of its sum, mod 256."""
    return (-sum(body)) & 0xFF


def _date_time(value: bytes) -> CallDateTime | None:
    """``MMDDHHMM`` as a CallDateTime, or None when it is not a plausible date."""
    if len(value) != 8 or not all(0x30 <= b <= 0x39 for b in value):
        return None
    month, day, hour, minute = (int(value[i : i + 2]) for i in range(0, 8, 2))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59):
        return None
    return CallDateTime(month, day, hour, minute)


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def _absence(value: bytes) -> str:
    return _ABSENCE.get(value[0], "unavailable") if value else "unavailable"


def parse_message(data: bytes, standard: str = "bell202") -> tuple[CallerId | None, str | None]:
    """Decode one whole message (type, length, payload, checksum).

    Returns ``(caller_id, None)``, or ``(None, error text)`` for a message that is too
    short, of an unknown type, of the wrong length, with a bad checksum or with
    parameters that overrun it. Never raises.
    """
    data = bytes(data)
    if len(data) < 3:
        return None, f"message of {len(data)} bytes is too short (type, length, checksum at least)"
    kind, length = data[0], data[1]
    if kind not in MESSAGE_TYPES:
        return None, f"unknown message type 0x{kind:02x} (expected 0x04 SDMF or 0x80 MDMF)"
    if len(data) != length + 3:
        return None, f"message of {len(data)} bytes, but its length byte says {length + 3}"
    if sum(data) & 0xFF:
        return None, (
            f"checksum mismatch: got 0x{data[-1]:02x}, expected 0x{checksum(data[:-1]):02x}"
        )
    payload = data[2:-1]
    fields: dict = {}
    if kind == MSG_SDMF:
        fields["date_time"] = _date_time(payload[:8])
        rest = payload[8:]
        if len(rest) == 1 and rest[0] in _ABSENCE:
            fields["number_absence"] = _ABSENCE[rest[0]]
        elif rest:
            fields["number"] = _text(rest)
    else:
        i = 0
        while i < len(payload):
            if i + 2 > len(payload):
                return None, f"MDMF parameter at byte {i} has no length"
            ptype, plen = payload[i], payload[i + 1]
            value = payload[i + 2 : i + 2 + plen]
            if len(value) != plen:
                return None, f"MDMF parameter 0x{ptype:02x} overruns the message"
            if ptype == PARAM_DATE_TIME:
                fields["date_time"] = _date_time(value)
            elif ptype == PARAM_NUMBER:
                fields["number"] = _text(value)
            elif ptype == PARAM_NUMBER_ABSENT:
                fields["number_absence"] = _absence(value)
            elif ptype == PARAM_NAME:
                fields["name"] = _text(value)
            elif ptype == PARAM_NAME_ABSENT:
                fields["name_absence"] = _absence(value)
            i += 2 + plen
    return CallerId(standard=standard, raw=data, checksum_ok=True, **fields), None


class MessageFramer:
    """Cuts one demodulator's bytes into messages.

    A message starts with a message type byte after at least ``MIN_LEAD_MARK_BITS`` of
    mark; its length byte says how many bytes follow. :meth:`feed` returns each
    finished ``(raw, start, end, error)``; :meth:`expire` closes a message whose next
    byte can no longer come (``now`` is the number of samples the demodulator has seen).
    """

    def __init__(self, sample_rate: int = 8000) -> None:
        bit = sample_rate / BAUD
        self.char = 10.0 * bit
        self.min_lead = MIN_LEAD_MARK_BITS * bit
        self.max_gap = MAX_GAP_BITS * bit
        self.reset()

    def reset(self) -> None:
        self._bytes: list = []
        self._prev_end: float | None = None

    def feed(self, value: int, start: int) -> list[tuple[bytes, int, int, str | None]]:
        out = []
        gap = float("inf") if self._prev_end is None else start - self._prev_end
        if self._bytes and gap > self.max_gap:
            out.append(self._close("truncated: the line went quiet"))
        if self._bytes:
            self._bytes.append((value, start))
            if len(self._bytes) >= 2 and len(self._bytes) == self._bytes[1][0] + 3:
                out.append(self._close(None))
        elif value in MESSAGE_TYPES and gap >= self.min_lead:
            self._bytes = [(value, start)]
        self._prev_end = start + self.char
        return out

    def expire(self, now: int) -> list[tuple[bytes, int, int, str | None]]:
        if self._bytes and now > self._prev_end + self.max_gap + 2.0 * self.char:
            return [self._close("truncated: the line went quiet")]
        return []

    def _close(self, error: str | None) -> tuple[bytes, int, int, str | None]:
        raw = bytes(v for v, _ in self._bytes)
        start = self._bytes[0][1]
        end = round(self._bytes[-1][1] + self.char)
        self._bytes = []
        if error is not None:
            want = f"{raw[1] + 3}" if len(raw) >= 2 else "?"
            error = f"{error} after {len(raw)} of {want} bytes"
        return raw, start, end, error


def parse_dtmf_callerid(digits: str) -> CallerId | None:
    """The caller ID in a DTMF digit string, or None when it is not one.

    Accepts ``A<number>C``, ``D<number>C``, ``<number>C``, ``B00C`` (unavailable),
    ``B10C`` (private), ``A<number>D<redirect>C``, and the ``#``-terminated forms
    ``A<number>#``, ``D<number>#``, ``D1#`` (private), ``D2#`` / ``D3#`` (unavailable).
    """
    s = str(digits).strip().upper()
    if len(s) < 2 or s[-1] not in "C#" or any(c not in "0123456789ABD" for c in s[:-1]):
        return None
    term = s[-1]
    fields: dict[str, str] = {}
    key = ""
    for c in s[:-1]:
        if c in "ABD":
            if c in fields:
                return None
            key = c
            fields[key] = ""
        else:
            fields[key] = fields.get(key, "") + c
    number = absence = None
    if "A" in fields:
        number = fields["A"]
    elif "" in fields:
        # A bare number only with the C terminator: "<digits>#" is what callers key
        # into an IVR, and must not be taken for caller ID.
        if term != "C":
            return None
        number = fields[""]
    elif "D" in fields:
        d = fields["D"]
        if term == "#" and len(d) == 1:
            absence = {"1": "private", "2": "unavailable", "3": "unavailable"}.get(d)
            if absence is None:
                return None
        else:
            number = d
    if "B" in fields:
        code = fields["B"]
        if term != "C" or len(code) != 2 or number is not None:
            return None
        absence = "private" if code == "10" else "unavailable"
    if number is not None and not number:
        return None
    if number is None and absence is None:
        return None
    return CallerId(
        number=number, number_absence=absence, standard="dtmf", raw=s.encode(), checksum_ok=None
    )


class DtmfCallerIdAssembler:
    """Groups DTMF digit events into caller ID messages.

    Digits less than ``max_gap_ms`` apart belong together; a ``C`` or ``#`` ends the
    message at once. A group that starts with ``A``, ``B`` or ``D`` but does not parse
    gives an error event; any other group is ordinary digits and gives nothing.
    """

    def __init__(self, sample_rate: int = 8000, max_gap_ms: float = DTMF_MAX_GAP_MS) -> None:
        self.max_gap = max_gap_ms * sample_rate / 1000.0
        self._digits: list[tuple[str, int, int]] = []

    def push(self, digit: str, start: int, end: int) -> list[CallerIdEvent]:
        out = []
        if self._digits and start - self._digits[-1][2] > self.max_gap:
            out += self._close()
        self._digits.append((str(digit).upper(), int(start), int(end)))
        if self._digits[-1][0] in "C#":
            out += self._close()
        return out

    def feed(self, events: Iterable) -> list[CallerIdEvent]:
        """Push (digit, start, end) tuples or events with those attributes."""
        out = []
        for e in events:
            digit, start, end = (e.digit, e.start, e.end) if hasattr(e, "digit") else e
            out += self.push(digit, start, end)
        return out

    def expire(self, now: int, guard: float = 0.0) -> list[CallerIdEvent]:
        """Close the group when no digit came for ``max_gap`` (+ ``guard``) samples."""
        if self._digits and now - self._digits[-1][2] > self.max_gap + guard:
            return self._close()
        return []

    def flush(self) -> list[CallerIdEvent]:
        return self._close() if self._digits else []

    def _close(self) -> list[CallerIdEvent]:
        digits, self._digits = self._digits, []
        text = "".join(d for d, _, _ in digits)
        start, end = digits[0][1], digits[-1][2]
        cid = parse_dtmf_callerid(text)
        if cid is not None:
            return [CallerIdEvent(cid, start, end, "dtmf", cid.raw, None)]
        if text[0] in "ABD":
            error = f"not a DTMF caller ID: {text!r}"
            return [CallerIdEvent(None, start, end, "dtmf", text.encode(), None, error)]
        return []


class CallerIdDecoder:
    """Caller ID from line audio, for one line.

    ``standards`` names the FSK demodulators to run (``'bell202'``, ``'v23'``) and
    ``'dtmf'`` for DTMF caller ID (needs ``dsp_ext.dtmf.DtmfDetector``). When several
    FSK demodulators hear the same message, one event is reported, its standard told
    by the mark tone just before the message. Events are released a little after
    the message ends (``hold``), so 20 ms frames and one long array give the same list.
    """

    def __init__(
        self, sample_rate: int = 8000, standards: Iterable[str] = ("bell202", "v23")
    ) -> None:
        standards = tuple(standards)
        bad = [s for s in standards if s not in (*FSK_STANDARDS, "dtmf")]
        if bad or not standards:
            raise ValueError(
                f"CallerIdDecoder: unknown standards {bad or standards!r} "
                f"(expected some of {(*FSK_STANDARDS, 'dtmf')})"
            )
        from .fsk import FskDemodulator

        self.sample_rate = sample_rate
        self.standards = standards
        self._fsk = {s: FskDemodulator(s, sample_rate) for s in standards if s != "dtmf"}
        self._framers = {s: MessageFramer(sample_rate) for s in self._fsk}
        char = 10.0 * sample_rate / BAUD
        # Longer than any message's lag between its end and its last byte reaching a framer.
        self._hold = round(MAX_GAP_BITS * sample_rate / BAUD + 4 * char)
        self._dtmf = None
        if "dtmf" in standards:
            try:
                from .dtmf import DtmfDetector
            except ImportError as exc:
                raise NotImplementedError(
                    "DTMF caller ID needs dsp_ext.dtmf.DtmfDetector, which is not available "
                    f"({exc}); use standards without 'dtmf', or feed digits to feed_dtmf()"
                ) from exc
            self._dtmf = DtmfDetector(sample_rate)
        self._assembler = DtmfCallerIdAssembler(sample_rate)
        self._dtmf_guard = 0.1 * sample_rate
        self._dtmf_hold = round(self._assembler.max_gap + 2 * self._dtmf_guard)
        # Audio kept for telling Bell 202 from V.23 by the mark tone: a longest message back.
        self._keep = round(3.0 * sample_rate)
        self.reset()

    def reset(self) -> None:
        """Forget everything heard: the next sample is sample 0 again."""
        for demod in self._fsk.values():
            demod.reset()
        for framer in self._framers.values():
            framer.reset()
        if self._dtmf is not None:
            self._dtmf.reset()
        self._assembler = DtmfCallerIdAssembler(self.sample_rate)
        self._seen = 0
        self._history = np.zeros(0, dtype=np.int16)
        self._pending: list[tuple[int, CallerIdEvent, str]] = []
        self._emitted_end = -1

    @property
    def samples_seen(self) -> int:
        return self._seen

    def process(self, samples: np.ndarray) -> list[CallerIdEvent]:
        """Feed int16 samples; return the caller ID events that are now certain."""
        arr = np.asarray(samples)
        if arr.ndim != 1:
            raise ValueError(f"expected a 1-D array of int16 samples, got {arr.ndim}-D")
        if arr.dtype != np.int16:
            raise TypeError(f"expected int16 samples, got dtype {arr.dtype}")
        self._seen += len(arr)
        if len(self._fsk) > 1:
            # The whole chunk stays until the end of the call: messages in it are judged.
            self._history = np.concatenate([self._history, arr])
        for standard, demod in self._fsk.items():
            framer = self._framers[standard]
            for b in demod.process(arr):
                self._add_frames(standard, framer.feed(b.value, b.start))
            self._add_frames(standard, framer.expire(self._seen))
        if self._dtmf is not None:
            for e in self._dtmf.process(arr):
                self._add_dtmf(self._assembler.push(e.digit, e.start, e.end))
            if self._dtmf.current is None:
                self._add_dtmf(self._assembler.expire(self._seen, self._dtmf_guard))
        self._history = self._history[-self._keep :]
        return self._release(self._seen)

    def feed_dtmf(self, digits: Iterable) -> list[CallerIdEvent]:
        """DTMF path without audio: (digit, start, end) tuples or detector events.

        Returns the messages these digits closed (by a terminator or a gap) at once;
        :meth:`flush` closes the last one.
        """
        return self._assembler.feed(digits)

    def flush(self) -> list[CallerIdEvent]:
        """End of input: close what is open and return every event still held."""
        for standard, framer in self._framers.items():
            self._add_frames(standard, framer.expire(2**62))
        if self._dtmf is not None:
            for e in self._dtmf.flush():
                self._add_dtmf(self._assembler.push(e.digit, e.start, e.end))
        self._add_dtmf(self._assembler.flush())
        return self._release(2**62)

    def _add_frames(self, standard: str, frames: list) -> None:
        for raw, start, end, error in frames:
            if error is not None and len(raw) < 3:
                # a lone type byte (or type and length) is no evidence of a message
                log.debug("%s: dropped a %d-byte fragment at sample %d", standard, len(raw), start)
                continue
            cid = None
            if error is None:
                cid, error = parse_message(raw, standard)
            ok = None if len(raw) < 3 else (sum(raw) & 0xFF) == 0
            event = CallerIdEvent(cid, start, end, standard, raw, ok, error)
            heard = self._mark_standard(start) if len(self._fsk) > 1 else standard
            self._pending.append((end + self._hold, event, heard))

    def _add_dtmf(self, events: list[CallerIdEvent]) -> None:
        self._pending += [(e.end + self._dtmf_hold, e, "dtmf") for e in events]

    def _release(self, now: int) -> list[CallerIdEvent]:
        """Events due by ``now``, in the order of their due times (so chunking can't matter).

        An FSK event is due ``hold`` after its message ends, then waits ``hold`` more
        for the other demodulators' copies of the same message (each of those is known
        by its own due time), and is reported once for all of them.
        """
        out: list[CallerIdEvent] = []
        while True:
            due = [p for p in self._pending if p[0] + self._hold <= now]
            if not due:
                return out
            first = min(due, key=lambda p: (p[0], p[1].start, p[1].standard))
            self._pending.remove(first)
            due_at, event, heard = first
            if event.standard == "dtmf":
                out.append(event)
                continue
            if event.start < self._emitted_end:
                continue  # another demodulator's copy of a message already reported
            copies = [
                p
                for p in self._pending
                if p[1].standard != "dtmf" and p[0] <= due_at + self._hold and _overlap(p[1], event)
            ]
            for p in copies:
                self._pending.remove(p)
            group = [event] + [p[1] for p in copies]
            out.append(self._choose(group, heard))
            self._emitted_end = max(e.end for e in group)

    def _choose(self, group: list[CallerIdEvent], heard: str) -> CallerIdEvent:
        """One event for one message heard by several demodulators, labelled ``heard``."""
        best = min(group, key=lambda e: (not e.ok, e.standard != heard))
        if best.standard == heard:
            return best
        cid = None if best.caller_id is None else replace(best.caller_id, standard=heard)
        return replace(best, caller_id=cid, standard=heard)

    def _mark_standard(self, start: int) -> str:
        """The standard whose mark tone is strongest in the 40 ms before ``start``."""
        offset = self._seen - len(self._history)
        hi = start - round(0.002 * self.sample_rate) - offset
        lo = max(0, hi - round(0.04 * self.sample_rate))
        seg = self._history[lo : max(lo, hi)].astype(np.float64)
        if len(seg) < round(0.01 * self.sample_rate):
            return next(iter(self._fsk))
        t = np.arange(len(seg)) / self.sample_rate
        power = {
            s: abs(np.dot(seg, np.exp(-2j * np.pi * demod.mark_hz * t)))
            for s, demod in self._fsk.items()
        }
        return max(power, key=power.get)


def _overlap(a: CallerIdEvent, b: CallerIdEvent) -> bool:
    return a.start < b.end and b.start < a.end
