"""3GPP TS 27.007 information lines, parsed into typed records.

Every parser takes one line as the modem sent it (``+CLCC: 1,1,4,0,0,"+4412",145``,
with or without the space after the colon, as Huawei leaves it out) and returns a
frozen record, or raises :class:`ParseError` naming the line and what was wrong.
Nothing else escapes: modems print truncated lines and garbage, and one bad line
must never take a phone line down (the parsers are fuzzed).

Sources: 27.007 §7.18 (+CLCC), §7.6 (+CLIP), §7.2 (+CREG), §8.5 (+CSQ), §8.3
(+CPIN); call clearing causes from 3GPP TS 24.008 table 10.5.123.
"""

from __future__ import annotations

from dataclasses import dataclass


class ParseError(ValueError):
    """A line that does not follow the format its prefix promises."""


# -- fields -------------------------------------------------------------------------


def split_fields(text: str) -> list[str | None]:
    """Split a 27.007 parameter list on commas outside double quotes.

    Quoted fields come back without their quotes; empty fields as None, so that
    ``"",128,,,,1`` gives ``['', '128', None, None, None, '1']``.
    """
    fields: list[str | None] = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise ParseError(f"unterminated quoted field in {text!r}")
            fields.append(text[i + 1 : end])
            i = end + 1
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] != ",":
                raise ParseError(f"text after a quoted field in {text!r}")
        else:
            end = text.find(",", i)
            raw = (text[i:] if end < 0 else text[i:end]).strip()
            if '"' in raw:
                raise ParseError(f"stray quote in {text!r}")
            fields.append(raw or None)
            i = n if end < 0 else end
        if i >= n:
            return fields
        i += 1  # the comma
        if i >= n:
            fields.append(None)
            return fields


def body_of(line: str, prefix: str) -> str:
    """The text after ``prefix`` (``+CLIP:``), whether or not a space follows it."""
    if not line.startswith(prefix):
        raise ParseError(f"expected {prefix!r}, got {line!r}")
    return line[len(prefix) :].strip()


def to_int(value: str | None, what: str, lo: int = 0, hi: int = 255) -> int:
    if value is None or not value.isascii() or not value.isdigit():
        raise ParseError(f"{what}: expected a number, got {value!r}")
    number = int(value)
    if not lo <= number <= hi:
        raise ParseError(f"{what}: {number} is outside {lo}..{hi}")
    return number


def opt_int(value: str | None, what: str, lo: int = 0, hi: int = 255) -> int | None:
    return None if value is None else to_int(value, what, lo, hi)


# -- +CLCC: the list of current calls -------------------------------------------------

CALL_STATES = ("active", "held", "dialing", "alerting", "incoming", "waiting")


@dataclass(frozen=True)
class CallInfo:
    """One ``+CLCC`` line: a call the modem knows about."""

    call_id: int
    outgoing: bool
    state: str  # one of CALL_STATES
    mode: int  # 0 voice, 1 data, 2 fax, 9 unknown (27.007 §7.18 <mode>)
    multiparty: bool
    number: str | None = None
    number_type: int | None = None
    name: str | None = None

    @property
    def is_voice(self) -> bool:
        return self.mode == 0


def parse_clcc(line: str) -> CallInfo:
    """``+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>[,<alpha>…]]``."""
    f = split_fields(body_of(line, "+CLCC:"))
    if len(f) < 5:
        raise ParseError(f"+CLCC needs at least 5 fields: {line!r}")
    number = f[5] if len(f) > 5 else None
    number_type = opt_int(f[6], "+CLCC <type>") if len(f) > 6 else None
    return CallInfo(
        call_id=to_int(f[0], "+CLCC <id>", 1, 255),
        outgoing=to_int(f[1], "+CLCC <dir>", 0, 1) == 0,
        state=CALL_STATES[to_int(f[2], "+CLCC <stat>", 0, 5)],
        mode=to_int(f[3], "+CLCC <mode>", 0, 9),
        multiparty=to_int(f[4], "+CLCC <mpty>", 0, 1) == 1,
        number=number or None,
        number_type=number_type,
        name=(f[7] or None) if len(f) > 7 else None,
    )


# -- +CLIP: calling line identification ------------------------------------------------

VALIDITY = ("valid", "withheld", "unavailable")


@dataclass(frozen=True)
class CallerInfo:
    """One ``+CLIP`` line. ``validity``: 'valid', 'withheld' or 'unavailable'."""

    number: str | None
    number_type: int | None
    name: str | None
    validity: str


def parse_clip(line: str) -> CallerInfo:
    """``+CLIP: <number>,<type>[,<subaddr>,<satype>[,<alpha>[,<CLI validity>]]]``.

    Without ``<CLI validity>`` (older modems) a number means 'valid' and an empty
    one 'unavailable'. With validity 1 or 2 the number is dropped, as 27.007 says
    it shall be empty then.
    """
    f = split_fields(body_of(line, "+CLIP:"))
    if len(f) < 2 and not f[0]:
        raise ParseError(f"+CLIP without a number: {line!r}")
    number = f[0] or None
    number_type = opt_int(f[1], "+CLIP <type>") if len(f) > 1 else None
    name = (f[4] or None) if len(f) > 4 else None
    code = opt_int(f[5], "+CLIP <CLI validity>", 0, 2) if len(f) > 5 else None
    implied = "valid" if number else "unavailable"
    validity = implied if code is None else VALIDITY[code]
    if validity != "valid":
        number = None
    return CallerInfo(number, number_type, name, validity)


# -- +CREG: network registration ------------------------------------------------------

REG_STATUS = {
    0: "not registered",
    1: "registered (home)",
    2: "searching",
    3: "registration denied",
    4: "unknown",
    5: "registered (roaming)",
}

_REG_DOWN_REASON = {
    0: "not registered: the modem is not searching for a network",
    2: "not registered: searching",
    3: "registration denied by the network",
    4: "not registered: status unknown",
}


@dataclass(frozen=True)
class RegistrationInfo:
    """Network registration state (27.007 §7.2 ``<stat>``) and where."""

    stat: int
    lac: str | None = None
    cell_id: str | None = None
    act: int | None = None

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)

    @property
    def status(self) -> str:
        return REG_STATUS.get(self.stat, f"status {self.stat}")

    @property
    def down_reason(self) -> str | None:
        """Why the line cannot take calls, in words (None when registered)."""
        if self.registered:
            return None
        return _REG_DOWN_REASON.get(self.stat, f"not registered: {self.status}")


def parse_creg(line: str, *, read: bool = False) -> RegistrationInfo:
    """``+CREG: [<n>,]<stat>[,<lac>,<ci>[,<AcT>]]``.

    The answer to ``AT+CREG?`` (``read=True``) starts with ``<n>``; the
    unsolicited code does not.
    """
    f = split_fields(body_of(line, "+CREG:"))
    if read:
        to_int(f[0], "+CREG <n>", 0, 3)
        f = f[1:]
    if not f:
        raise ParseError(f"+CREG without <stat>: {line!r}")
    stat = to_int(f[0], "+CREG <stat>", 0, 10)
    lac = f[1] if len(f) > 1 else None
    cell = f[2] if len(f) > 2 else None
    act = opt_int(f[3], "+CREG <AcT>", 0, 15) if len(f) > 3 else None
    return RegistrationInfo(stat, lac, cell, act)


# -- +CSQ: signal quality ---------------------------------------------------------------


@dataclass(frozen=True)
class SignalQuality:
    """``<rssi>`` 0..31 or 99 (unknown), ``<ber>`` 0..7 or 99 (27.007 §8.5)."""

    rssi: int
    ber: int

    @property
    def dbm(self) -> int | None:
        """-113 dBm for 0, 2 dB a step, -51 dBm or more for 31; None if unknown."""
        return None if self.rssi == 99 else -113 + 2 * self.rssi


def parse_csq(line: str) -> SignalQuality:
    """``+CSQ: <rssi>,<ber>``."""
    f = split_fields(body_of(line, "+CSQ:"))
    if len(f) != 2:
        raise ParseError(f"+CSQ needs 2 fields: {line!r}")
    rssi = to_int(f[0], "+CSQ <rssi>", 0, 99)
    ber = to_int(f[1], "+CSQ <ber>", 0, 99)
    if 31 < rssi < 99 or 7 < ber < 99:
        raise ParseError(f"+CSQ value out of range: {line!r}")
    return SignalQuality(rssi, ber)


# -- +CPIN: SIM state -----------------------------------------------------------------------


def parse_cpin(line: str) -> str:
    """``+CPIN: <code>``: 'READY', 'SIM PIN', 'SIM PUK', … (upper case, trimmed)."""
    code = body_of(line, "+CPIN:").strip().strip('"').upper()
    if not code or not code.isascii() or not code.isprintable():
        raise ParseError(f"+CPIN without a code: {line!r}")
    return code


# -- call clearing causes (3GPP TS 24.008 table 10.5.123) ----------------------------------

CC_CAUSES = {
    1: "unassigned number",
    3: "no route to destination",
    6: "channel unacceptable",
    8: "operator determined barring",
    16: "normal clearing",
    17: "user busy",
    18: "no user responding",
    19: "no answer",
    21: "call rejected",
    22: "number changed",
    25: "pre-emption",
    26: "non-selected user clearing",
    27: "destination out of order",
    28: "invalid number format",
    29: "facility rejected",
    30: "response to status enquiry",
    31: "normal, unspecified",
    34: "no circuit available",
    38: "network out of order",
    41: "temporary failure",
    42: "switching equipment congestion",
    43: "access information discarded",
    44: "requested circuit not available",
    47: "resources unavailable",
    49: "quality of service unavailable",
    50: "requested facility not subscribed",
    55: "incoming calls barred within the closed user group",
    57: "bearer capability not authorised",
    58: "bearer capability not presently available",
    63: "service or option not available",
    65: "bearer service not implemented",
    68: "call credit exhausted (ACM reached ACMmax)",
    69: "requested facility not implemented",
    70: "only restricted digital bearer available",
    79: "service or option not implemented",
    81: "invalid transaction identifier",
    87: "user not member of the closed user group",
    88: "incompatible destination",
    91: "invalid transit network selection",
    95: "semantically incorrect message",
    96: "invalid mandatory information",
    97: "message type non-existent",
    98: "message type not compatible with protocol state",
    99: "information element non-existent",
    100: "conditional information element error",
    101: "message not compatible with protocol state",
    102: "recovery on timer expiry",
    111: "protocol error, unspecified",
    127: "interworking, unspecified",
}


def cause_words(code: int | None) -> str:
    """A 24.008 cause in words ('user busy'); 'normal' when there is none."""
    if code is None:
        return "normal"
    return CC_CAUSES.get(code, f"network cause {code}")


def dial_result_for_cause(code: int | None) -> str:
    """What a call that ended before it was answered means to the dialler."""
    if code in (17, 21):  # busy, or the callee pressed reject (heard as busy)
        return "busy"
    if code in (18, 19):
        return "no_answer"
    return "no_carrier"
