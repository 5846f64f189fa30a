"""The caller ID a V.253 voice modem reports between the rings (``AT+VCID``).

Formatted presentation (``AT+VCID=1``): one ``<tag> = <value>`` line per item,
spaces on both sides of the equal sign (IS-101 / V.253, the Conexant and USR
command references, 3GPP TS 27.007 Annex C.2.3)::

    RING
    DATE = 0321          MMDD
    TIME = 1405          HHMM
    NMBR = 5045551234    or P (private) or O (out of area / unavailable)
    NAME = A N OTHER     or P / O
    MESG = 06034242431   an item the modem has no tag for, in ASCII hex
    RING

Some parts also report ``DDN_NMBR`` (the dialable directory number). Unformatted
presentation (``AT+VCID=2``): the whole message (type, length, parameters and,
usually, the checksum; the modem does not check it) as one line of ASCII hex.

:class:`CallerIdCollector` takes the lines one at a time and says which are its;
it never raises on anything a modem prints.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from dsp_ext.callerid import checksum, parse_message

log = logging.getLogger("hotline.lines.vcid")

TAGS = ("DATE", "TIME", "NMBR", "NAME", "MESG", "DDN_NMBR")
_TAGGED = re.compile(r"^(DATE|TIME|NMBR|NAME|MESG|DDN_NMBR)\s*=\s*(.*)$")
_HEX = re.compile(r"^(?:[0-9A-Fa-f]{2}){3,}$")
_ABSENT = {"P": "withheld", "O": "unavailable"}


@dataclass
class CallerIdReport:
    """What the modem said about one call. ``validity``: 'valid', 'withheld', 'unavailable'."""

    date: str | None = None  # MMDD
    time: str | None = None  # HHMM
    number: str | None = None
    name: str | None = None
    validity: str = "unavailable"
    messages: list[str] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.raw


def is_caller_id_line(line: str) -> bool:
    """True for a line a modem prints as caller ID (formatted or unformatted)."""
    text = line.strip()
    return bool(_TAGGED.match(text) or _HEX.match(text))


class CallerIdCollector:
    """Gathers the caller ID lines of one ring sequence into a :class:`CallerIdReport`."""

    def __init__(self) -> None:
        self.report = CallerIdReport()

    def reset(self) -> None:
        self.report = CallerIdReport()

    def feed(self, line: str) -> bool:
        """Take ``line`` if it is caller ID; False (and no change) if it is not."""
        text = line.strip()
        m = _TAGGED.match(text)
        if m:
            self._tagged(m.group(1), m.group(2).strip())
            self.report.raw.append(text)
            return True
        if _HEX.match(text):
            self._unformatted(text)
            self.report.raw.append(text)
            return True
        return False

    def _tagged(self, tag: str, value: str) -> None:
        r = self.report
        if tag == "DATE":
            r.date = value or None
        elif tag == "TIME":
            r.time = value or None
        elif tag == "NMBR":
            self._number(value)
        elif tag == "DDN_NMBR":
            if r.number is None and r.validity != "withheld":
                self._number(value)
        elif tag == "NAME":
            if value and value.upper() not in _ABSENT:
                r.name = value
        elif tag == "MESG":
            r.messages.append(value)

    def _number(self, value: str) -> None:
        r = self.report
        if value.upper() in _ABSENT:
            r.number = None
            r.validity = _ABSENT[value.upper()]
        elif value:
            r.number = value
            r.validity = "valid"

    def _unformatted(self, text: str) -> None:
        data = bytes.fromhex(text)
        if len(data) >= 2 and len(data) == data[1] + 2:
            data += bytes((checksum(data),))  # the modem left the checksum out
        cid, error = parse_message(data)
        if cid is None:
            log.warning("unformatted caller ID not understood (%s): %r", error, text)
            self.report.messages.append(text)
            return
        r = self.report
        if cid.date_time is not None:
            dt = cid.date_time
            r.date = f"{dt.month:02d}{dt.day:02d}"
            r.time = f"{dt.hour:02d}{dt.minute:02d}"
        if cid.number:
            r.number = cid.number
            r.validity = "valid"
        elif cid.number_absence:
            r.validity = "withheld" if cid.number_absence == "private" else "unavailable"
        if cid.name:
            r.name = cid.name


def parse_report(lines: list[str]) -> CallerIdReport:
    """All the caller ID among ``lines`` (other lines are ignored)."""
    c = CallerIdCollector()
    for line in lines:
        c.feed(line)
    return c.report
