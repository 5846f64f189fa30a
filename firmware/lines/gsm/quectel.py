"""The Quectel dialect: EC25, EG25-G and EC21 LTE modules with voice.

From Quectel's AT commands manual for the EC2x/EG2x family (call related commands,
audio commands) and its "Voice over USB" application note:

* Power-up reports, in this order: ``RDY``, ``+CFUN: 1``, ``+CPIN: READY``,
  ``+QUSIM: 1``, ``+QIND: SMS DONE``, ``+QIND: PB DONE`` (the last two can take
  seconds). ``RDY`` while the line is up means the module restarted under us; the
  rest, and every other ``+QIND``, is chatter.
* ``AT^DSCI=1`` (not saved; set again after every restart) turns on call status
  codes ``^DSCI: <id>,<dir>,<stat>,<type>,<number>,<num_type>[,<tone_info>]`` with
  the number unquoted, ``<dir>`` 0 for our dial and 1 for a caller, ``<type>`` 0
  voice and 1 a PS (data) bearer, and ``<stat>``: 1 held, 2 originated, 3
  connected, 4 incoming, 5 waiting, 6 ended, 7 alerting (ringback). Not +CLCC's
  numbering. ``^DSCI`` carries no cause, and the V.250 result that follows the end
  of a call (``BUSY``, ``NO ANSWER``, ``NO CARRIER``) is the only place "busy"
  shows, so the end of *our* dial is left to that result (and to the +CLCC poll
  when it does not come); a caller's call ends on ``^DSCI`` at once.
* ``AT+QTONEDET=1`` (not saved) makes the module report each key the far end
  presses as ``+QTONEDET: <code>``, the key's ASCII code (48-57 for 0-9, 42 ``*``,
  35 ``#``, 65-68 A-D). When a firmware refuses it the driver's own DSP listens
  instead (``reports_dtmf`` becomes False for that modem).
* ``AT+QPCMV=1,0`` sends call voice to the USB NMEA interface (``if01``) as raw
  8 kHz 16-bit little-endian mono PCM each way, ``AT+QPCMV=0`` stops it; ``1,2``
  is the USB audio class (sound card) variant. A module left in one mode answers
  ``ERROR`` to the other, so a refused ``1,0`` is retried after ``AT+QPCMV=0``.
  ``AT+QPCMV?`` at init tells whether the firmware has voice over USB at all. The
  stream is unframed; the driver cuts it into 20 ms (320-byte) frames.
"""

from __future__ import annotations

from typing import ClassVar

from ..at import AtChannel, AtCommandError, AtError, AtPortClosed
from .clcc import ParseError, split_fields, to_int
from .dialect import (
    GENERIC_URCS,
    Alerting,
    CallSignal,
    Connected,
    Dialect,
    DtmfDigit,
    Ended,
    Originated,
    Quiet,
    log,
    register,
)

#: Reports that say nothing about a call: boot progress, SIM, network indications.
CHATTER = ("+CFUN:", "+QUSIM:", "+QIND:", "+QSIMSTAT:", "+QSTKURC:", "+CTZV:", "+QNITZ:")
CALL_URCS = ("^DSCI:", "+QTONEDET:")

#: ``^DSCI`` ``<stat>`` values (Quectel numbering, not +CLCC's).
HELD, ORIGINATED, CONNECTED, INCOMING, WAITING, ENDED, ALERTING = range(1, 8)

#: ``+QTONEDET`` codes: the key's ASCII value.
DTMF_KEYS = "0123456789*#ABCD"
KEY_OF_CODE = {ord(key): key for key in DTMF_KEYS}


def parse_dsci(line: str) -> CallSignal:
    """One ``^DSCI`` line as a call signal; :class:`ParseError` when it is not one."""
    fields = split_fields(line[len("^DSCI:") :].strip())
    if len(fields) < 6:
        raise ParseError(f"^DSCI needs 6 fields: {line!r}")
    call_id = to_int(fields[0], "^DSCI <id>", 1, 9)
    outgoing = to_int(fields[1], "^DSCI <dir>", 0, 1) == 0
    stat = to_int(fields[2], "^DSCI <stat>", 1, 7)
    voice = to_int(fields[3], "^DSCI <type>", 0, 9) == 0
    to_int(fields[5], "^DSCI <num_type>", 0, 255)
    if not voice:
        return Quiet()  # an LTE data bearer has a call id too
    if stat == ORIGINATED and outgoing:
        return Originated(call_id)
    if stat == ALERTING and outgoing:
        return Alerting(call_id)
    if stat == CONNECTED:
        return Connected(call_id)
    if stat == ENDED and not outgoing:
        return Ended(call_id)
    # Our dial's end waits for BUSY/NO ANSWER/NO CARRIER: they say why, ^DSCI does not.
    return Quiet()


def parse_tonedet(line: str) -> DtmfDigit:
    """``+QTONEDET: <ascii code>`` as the key; :class:`ParseError` otherwise."""
    value = line[len("+QTONEDET:") :].strip()
    code = to_int(value or None, "+QTONEDET <code>", 0, 255)
    if code not in KEY_OF_CODE:
        raise ParseError(f"+QTONEDET code {code} is no DTMF key: {line!r}")
    return DtmfDigit(KEY_OF_CODE[code])


def parse_urc(line: str) -> CallSignal | None:
    """A Quectel URC as a signal; None for lines that are not the dialect's."""
    if line.startswith("^DSCI:"):
        return parse_dsci(line)
    if line.startswith("+QTONEDET:"):
        return parse_tonedet(line)
    if line.startswith(CHATTER):
        return Quiet()
    return None


@register
class Quectel(Dialect):
    """Quectel EC25/EG25-G/EC21: ^DSCI call codes, +QTONEDET keys, PCM over USB."""

    name: ClassVar[str] = "quectel"
    urc_prefixes: ClassVar[tuple[str, ...]] = GENERIC_URCS + CALL_URCS + CHATTER
    reboot_markers: ClassVar[tuple[str, ...]] = ("RDY", "+CPIN: READY")
    reports_dtmf: bool = True  # per modem: False when AT+QTONEDET=1 is refused
    audio_frame_bytes: ClassVar[int] = 320  # 20 ms of 8 kHz 16-bit PCM

    @classmethod
    def matches(cls, manufacturer: str, model: str) -> bool:
        return "quectel" in manufacturer.lower()

    def interpret(self, line: str) -> CallSignal | None:
        return parse_urc(line)

    async def init(self, at: AtChannel) -> str | None:
        """Voice over USB present? Then call codes and DTMF reports on (neither is saved)."""
        try:
            await at.command("AT+QPCMV?", expect="+QPCMV:")
        except AtPortClosed:
            raise
        except AtError as exc:
            log.warning("%s: AT+QPCMV? failed (%s)", at.name, exc)
            return "this Quectel firmware has no voice over USB (AT+QPCMV? failed)"
        try:
            await at.command("AT^DSCI=1")
        except AtPortClosed:
            raise
        except AtError as exc:  # the +CLCC poll still sees every call, only later
            log.warning("%s: AT^DSCI=1 failed (%s); call states from +CLCC only", at.name, exc)
        try:
            await at.command("AT+QTONEDET=1")
            self.reports_dtmf = True
        except AtPortClosed:
            raise
        except AtError as exc:
            log.warning("%s: AT+QTONEDET=1 failed (%s); DTMF from the DSP", at.name, exc)
            self.reports_dtmf = False
        return None

    async def route_audio(self, at: AtChannel) -> None:
        """``AT+QPCMV=1,0``: call voice to the USB NMEA port (out of UAC mode first)."""
        try:
            await at.command("AT+QPCMV=1,0")
        except AtCommandError:
            await at.command("AT+QPCMV=0")
            await at.command("AT+QPCMV=1,0")
