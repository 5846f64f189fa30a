"""The Huawei dialect: E1550, E173, E1752 and their family of USB sticks.

From Huawei's "AT Command Interface Specification" for these sticks (the same call
control chapter appears in the MU509 and MC509 module manuals):

* ``AT^CVOICE?`` → ``^CVOICE:<mode>,<sampling_rate>,<data_bit>,<frame_period>``,
  e.g. ``^CVOICE:0,8000,16,20``: mode 0 means voice is enabled in the firmware
  (many operator firmwares ship it disabled), then 8 kHz, 16 bit, 20 ms frames.
* ``AT^DDSETEX=2`` once a call is connected routes its audio to the second tty
  (the "voice" port, ``if01`` on the E1550), as raw 16-bit little-endian PCM in
  320-byte frames each way.
* Call control URCs (no space after the colon, Huawei style):
  ``^ORIG:<call_x>,<call_type>`` dialling started; ``^CONF:<call_x>`` ringback;
  ``^CONN:<call_x>,<call_type>`` connected;
  ``^CEND:<call_x>,<duration>,<end_status>[,<cc_cause>]`` ended, where
  ``<cc_cause>`` is the 3GPP TS 24.008 cause and is absent when the call ended
  before the network answered.
* Received DTMF: HiSilicon-based Huawei firmware prints ``^DDTMF: <key>``; the
  E1550/E173/E1752 manuals document no such code (their DTMF stays in the audio),
  so ``reports_dtmf`` is False and the driver runs the DSP on the voice port. A
  ``^DDTMF`` that does arrive is still reported (the driver then stops its own
  detection for that call so no key is reported twice).
* Chatter that arrives constantly and at awkward moments — ``^RSSI``, ``^BOOT``,
  ``^MODE``, ``^SRVST``, ``^SIMST``, ``^DSFLOWRPT``, ``^CSNR``, ``^HCSQ`` — is
  dropped quietly. ``^BOOT`` is a periodic report, not a boot notice.
* A USB stick that restarts disappears from the bus and comes back, which the
  driver sees as an unplug; modules on a UART print ``^SYSSTART`` instead.
"""

from __future__ import annotations

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

CHATTER = ("^RSSI:", "^BOOT:", "^MODE:", "^SRVST:", "^SIMST:", "^DSFLOWRPT:", "^CSNR:", "^HCSQ:")
CALL_URCS = ("^ORIG:", "^CONF:", "^CONN:", "^CEND:", "^DDTMF:")

#: ``<end_status>`` words for when a call ends without a network cause.
END_STATUS = {
    0: "modem offline",
    21: "no network service",
    22: "signal lost",
    29: "ended by this side",
}

DTMF_KEYS = "0123456789*#ABCD"


def _fields(line: str, prefix: str, at_least: int) -> list[str | None]:
    fields = split_fields(line[len(prefix) :].strip())
    if len(fields) < at_least:
        raise ParseError(f"{prefix} needs {at_least} fields: {line!r}")
    return fields


def parse_call_urc(line: str) -> CallSignal | None:
    """A Huawei call-control URC as a signal; None for lines that are not one.

    Raises :class:`ParseError` for a line with the right prefix and a wrong body.
    """
    if line.startswith(CHATTER) or line == "^SYSSTART":
        return Quiet()
    if line.startswith("^ORIG:"):
        f = _fields(line, "^ORIG:", 2)
        return Originated(to_int(f[0], "^ORIG <call_x>", 1, 9))
    if line.startswith("^CONF:"):
        f = _fields(line, "^CONF:", 1)
        return Alerting(to_int(f[0], "^CONF <call_x>", 1, 9))
    if line.startswith("^CONN:"):
        f = _fields(line, "^CONN:", 1)
        return Connected(to_int(f[0], "^CONN <call_x>", 1, 9))
    if line.startswith("^CEND:"):
        f = _fields(line, "^CEND:", 3)
        call_id = to_int(f[0], "^CEND <call_x>", 1, 9)
        duration = to_int(f[1], "^CEND <duration>", 0, 10**7) if f[1] is not None else None
        status = to_int(f[2], "^CEND <end_status>", 0, 65535) if f[2] is not None else None
        cause = None
        if len(f) > 3 and f[3] is not None:
            cause = to_int(f[3], "^CEND <cc_cause>", 0, 65535)
        detail = None
        if cause is None and status is not None:
            detail = END_STATUS.get(status, f"ended (end status {status})")
        return Ended(call_id, duration, cause, detail)
    if line.startswith("^DDTMF:"):
        key = line[len("^DDTMF:") :].strip().strip('"').upper()
        if len(key) != 1 or key not in DTMF_KEYS:
            raise ParseError(f"^DDTMF without a key: {line!r}")
        return DtmfDigit(key)
    return None


@register
class Huawei(Dialect):
    """Huawei USB sticks with voice: call URCs and a PCM voice tty."""

    name: ClassVar[str] = "huawei"
    urc_prefixes: ClassVar[tuple[str, ...]] = GENERIC_URCS + CALL_URCS + CHATTER + ("^SYSSTART",)
    reboot_markers: ClassVar[tuple[str, ...]] = ("^SYSSTART", "+CPIN: READY")
    reports_dtmf: ClassVar[bool] = False
    audio_frame_bytes: ClassVar[int] = 320  # 20 ms of 8 kHz 16-bit PCM

    @classmethod
    def matches(cls, manufacturer: str, model: str) -> bool:
        return "huawei" in manufacturer.lower()

    def interpret(self, line: str) -> CallSignal | None:
        return parse_call_urc(line)

    async def init(self, at: AtChannel) -> str | None:
        """``AT^CVOICE?``: is voice enabled, and in the format we read?"""
        try:
            response = await at.command("AT^CVOICE?", expect="^CVOICE:")
        except AtError as exc:
            log.warning("%s: AT^CVOICE? failed (%s)", at.name, exc)
            return "this Huawei firmware has no voice support (AT^CVOICE? failed)"
        values = response.lines_with("^CVOICE:")
        try:
            f = split_fields(values[0]) if values else []
            mode = to_int(f[0] if f else None, "^CVOICE <mode>", 0, 9)
        except ParseError as exc:
            log.warning("%s: unreadable ^CVOICE answer %r (%s)", at.name, values, exc)
            return "this Huawei modem gave an unreadable answer to AT^CVOICE?"
        if mode != 0:
            return "voice is disabled in this Huawei modem's firmware (AT^CVOICE reports mode 1)"
        rate = f[1] if len(f) > 1 else None
        bits = f[2] if len(f) > 2 else None
        if (rate, bits) not in (("8000", "16"), (None, None)):
            return f"this Huawei modem sends {rate} Hz {bits}-bit audio; only 8000 Hz 16-bit works"
        return None

    async def route_audio(self, at: AtChannel) -> None:
        """``AT^DDSETEX=2``: this call's audio to the voice tty."""
        await at.command("AT^DDSETEX=2")
