"""The SIMCom dialects: SIM800 (2G, analogue audio) and SIM7600 (LTE, PCM over USB).

Both speak 3GPP TS 27.007 plus SIMCom's own reports, from SIMCom's AT command
manuals ("SIM800 Series AT Command Manual" V1.09, "SIM7500_SIM7600 Series AT
Command Manual" V1.x/V2.00):

* ``AT+CLCC=1`` makes the modem report every change of a call as an unsolicited
  ``+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>,<number>,<type>[,<alpha>]``, with the
  27.007 states plus SIMCom's ``<stat>`` 6, "disconnect". These reports carry the
  call id and are what the dialect turns into call signals: stat 2 dialling, 3 the
  far end rings, 0 connected, 6 over. An outgoing call's stat 6 is left to the
  ``BUSY``/``NO ANSWER``/``NO CARRIER`` that follows it (V.250 results, which say
  *why*); an incoming call's stat 6 ends it — the only sign a SIM800 gives of a
  caller who hangs up while it rings.
* Boot: SIM800 prints ``RDY``, ``+CFUN: 1``, ``+CPIN: READY``, then seconds later
  ``Call Ready`` and ``SMS Ready``; SIM7600 prints ``RDY``, ``+CPIN: READY``,
  ``SMS DONE``, ``PB DONE``. ``RDY`` and ``+CPIN: READY`` mean "restarted"; the late
  lines are chatter (they must not look like a second restart after the driver has
  already initialised again).
* SIM800 DTMF: ``AT+DDET=1`` (``<mode>`` 1, ``<reportMode>`` 0) makes the modem
  report each key as ``+DTMF: <key>`` (examples in the manual print ``+DTMF:1``).
  SIM800 audio is analogue (speaker and microphone pins): the host hears the call
  only through a sound card wired to them (``GsmLine(audio_link=…)``).
* SIM800 power reports (``UNDER-VOLTAGE WARNNING`` — SIMCom's spelling —,
  ``… POWER DOWN``, ``NORMAL POWER DOWN``) are logged as warnings: a modem on a
  weak supply drops calls and restarts.
* SIM7600: ``VOICE CALL: BEGIN`` and ``VOICE CALL: END: <hhmmss>`` bracket the
  voice channel, ``MISSED_CALL: <time> <number>`` follows a caller who gave up.
  None carries a call id and BEGIN may come before the answer (early media), so
  the driver uses them only as chatter; the ``+CLCC`` reports decide. Received keys
  arrive as ``+RXDTMF: <key>``.
* SIM7600 audio: ``AT+CPCMFRM=0`` selects 8 kHz (1 is 16 kHz), and once the call
  is connected ``AT+CPCMREG=1`` streams 16-bit little-endian PCM on the module's
  USB "audio" tty (interface 4, ``/dev/ttyUSB4``), 320 bytes per 20 ms each way;
  ``AT+CPCMREG=0`` stops it after the call.
"""

from __future__ import annotations

import re
from typing import ClassVar

from ..at import AtChannel, AtError
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

DTMF_KEYS = "0123456789*#ABCD"
STAT_DISCONNECT = 6  # SIMCom's +CLCC <stat> beyond 27.007's 0..5

SIM800_CHATTER = ("+CFUN:", "Call Ready", "SMS Ready")
SIM800_POWER = (
    "UNDER-VOLTAGE WARNNING",
    "UNDER-VOLTAGE POWER DOWN",
    "OVER-VOLTAGE WARNNING",
    "OVER-VOLTAGE POWER DOWN",
    "NORMAL POWER DOWN",
)
SIM7600_CHATTER = ("SMS DONE", "PB DONE", "VOICE CALL:", "MISSED_CALL:", "+CFUN:")

_SIM800_MODEL = re.compile(r"SIM8\d\d", re.I)
_SIM7600_MODEL = re.compile(r"SIM7[56]\d\d", re.I)


def parse_clcc_report(line: str) -> CallSignal:
    """An unsolicited ``+CLCC`` (after ``AT+CLCC=1``) as a call signal.

    Raises :class:`ParseError` for a line that is not a well-formed report.
    """
    f = split_fields(line[len("+CLCC:") :].strip())
    if len(f) < 5:
        raise ParseError(f"+CLCC needs at least 5 fields: {line!r}")
    call_id = to_int(f[0], "+CLCC <id>", 1, 255)
    outgoing = to_int(f[1], "+CLCC <dir>", 0, 1) == 0
    stat = to_int(f[2], "+CLCC <stat>", 0, STAT_DISCONNECT)
    if to_int(f[3], "+CLCC <mode>", 0, 9) != 0:
        return Quiet()  # a data or fax call: not ours
    if stat == STAT_DISCONNECT:
        # outgoing: the BUSY / NO ANSWER / NO CARRIER that follows says why
        return Quiet() if outgoing else Ended(call_id)
    if outgoing and stat == 2:
        return Originated(call_id)
    if outgoing and stat == 3:
        return Alerting(call_id)
    if stat == 0:
        return Connected(call_id)
    return Quiet()  # incoming (RING and +CLIP tell), held, waiting


def parse_key(line: str, prefix: str) -> DtmfDigit:
    """``+DTMF: <key>[,<last time>]`` or ``+RXDTMF: <key>`` as a key."""
    body = line[len(prefix) :].strip()
    key = body.split(",", 1)[0].strip().strip('"').upper()
    if len(key) != 1 or key not in DTMF_KEYS:
        # SIM800 with <ssdet> 1 also reports single tones (+DTMF: 1400): not a key
        raise ParseError(f"{prefix} without a DTMF key: {line!r}")
    return DtmfDigit(key)


class _SimCom(Dialect):
    """What SIM800 and SIM7600 share: +CLCC reports and a DTMF report."""

    dtmf_prefix: ClassVar[str] = ""
    chatter: ClassVar[tuple[str, ...]] = ()
    model_pattern: ClassVar[re.Pattern[str]] = _SIM800_MODEL

    def __init__(self) -> None:
        # Learned at init (not call state): does this firmware report keys itself?
        self.reports_dtmf = type(self).reports_dtmf

    @classmethod
    def matches(cls, manufacturer: str, model: str) -> bool:
        return "simcom" in manufacturer.lower() and bool(cls.model_pattern.search(model))

    def interpret(self, line: str) -> CallSignal | None:
        if line.startswith("+CLCC:"):
            return parse_clcc_report(line)
        if line.startswith(self.dtmf_prefix):
            return parse_key(line, self.dtmf_prefix)
        if line.startswith(self.chatter):
            return Quiet()
        return None

    async def _enable(self, at: AtChannel, command: str) -> bool:
        """A feature switch; False (logged) when this firmware lacks it."""
        try:
            await at.command(command)
            return True
        except AtError as exc:
            log.warning("%s: %s failed (%s)", at.name, command, exc)
            return False

    async def init(self, at: AtChannel) -> str | None:
        # Without +CLCC reports the driver's +CLCC polls still follow every call.
        await self._enable(at, "AT+CLCC=1")
        return None


@register
class Sim800(_SimCom):
    """SIM800/SIM800L/SIM800C/SIM808: 2G voice, analogue audio, +DTMF keys."""

    name: ClassVar[str] = "sim800"
    urc_prefixes: ClassVar[tuple[str, ...]] = (
        *GENERIC_URCS,
        "+CLCC:",
        "+DTMF:",
        *SIM800_CHATTER,
        *SIM800_POWER,
    )
    reboot_markers: ClassVar[tuple[str, ...]] = ("RDY", "+CPIN: READY")
    reports_dtmf: ClassVar[bool] = True
    audio_frame_bytes: ClassVar[int] = 0  # analogue pins: a sound card brings the audio
    dtmf_prefix: ClassVar[str] = "+DTMF:"
    chatter: ClassVar[tuple[str, ...]] = SIM800_CHATTER
    model_pattern: ClassVar[re.Pattern[str]] = _SIM800_MODEL

    def interpret(self, line: str) -> CallSignal | None:
        if line.startswith(SIM800_POWER):
            log.warning("SIM800 power report: %s", line)
            return Quiet()
        return super().interpret(line)

    async def init(self, at: AtChannel) -> str | None:
        await super().init(at)
        # <mode> 1, <interval> 0, <reportMode> 0: "+DTMF: <key>" per key
        self.reports_dtmf = await self._enable(at, "AT+DDET=1,0,0")
        return None


@register
class Sim7600(_SimCom):
    """SIM7500/SIM7600 (E, A, G, G-H): LTE voice, PCM on the USB audio tty, +RXDTMF."""

    name: ClassVar[str] = "sim7600"
    urc_prefixes: ClassVar[tuple[str, ...]] = (
        *GENERIC_URCS,
        "+CLCC:",
        "+RXDTMF:",
        *SIM7600_CHATTER,
    )
    reboot_markers: ClassVar[tuple[str, ...]] = ("RDY", "+CPIN: READY")
    reports_dtmf: ClassVar[bool] = True
    audio_frame_bytes: ClassVar[int] = 320  # 20 ms of 8 kHz 16-bit PCM (AT+CPCMFRM=0)
    dtmf_prefix: ClassVar[str] = "+RXDTMF:"
    chatter: ClassVar[tuple[str, ...]] = SIM7600_CHATTER
    model_pattern: ClassVar[re.Pattern[str]] = _SIM7600_MODEL

    async def init(self, at: AtChannel) -> str | None:
        await super().init(at)
        # 8 kHz is the default; say so, since a host set up for 16 kHz may have changed it
        await self._enable(at, "AT+CPCMFRM=0")
        # Without DTMF reports the driver runs the DSP on the PCM instead.
        self.reports_dtmf = await self._enable(at, "AT+DDET=1")
        return None

    async def route_audio(self, at: AtChannel) -> None:
        """``AT+CPCMREG=1``: this call's PCM on the audio tty (only once connected)."""
        await at.command("AT+CPCMREG=1")

    async def release_audio(self, at: AtChannel) -> None:
        """``AT+CPCMREG=0`` after the call; a modem that already stopped may refuse it."""
        try:
            await at.command("AT+CPCMREG=0", timeout=2.0)
        except AtError as exc:
            log.info("%s: AT+CPCMREG=0 after the call: %s", at.name, exc)
