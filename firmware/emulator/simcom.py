"""SIMCom modems on ptys: SIM800 (AT port only) and SIM7600 (AT port + USB audio port).

What they print follows SIMCom's AT command manuals (SIM800 Series V1.09,
SIM7500_SIM7600 Series V1.x/V2.00), byte for byte where the driver can tell:
``\\r\\n`` framing, echo on after power-up, ``+CLIP``/``+CLCC`` with a space after
the colon, and:

* Boot (``reboot()``, same tty): SIM800 ``RDY``, ``+CFUN: 1``, ``+CPIN: READY`` at
  once, ``Call Ready`` and ``SMS Ready`` ``late_boot_s`` later; SIM7600 ``RDY``,
  ``+CPIN: READY``, then ``SMS DONE`` and ``PB DONE``.
* ``AT+CLCC=1``: every call change is reported as ``+CLCC: <id>,<dir>,<stat>,0,0,
  "<number>",<type>,""`` — stat 4 before the first ``RING``, 2 after ``ATD``'s
  ``OK``, 3 when the far end rings, 0 when connected, 6 when the call is gone —
  then ``NO CARRIER``/``BUSY``/``NO ANSWER`` as V.250 says (nothing more for a
  caller who gives up while it rings).
* SIM800 ``AT+DDET=1[,<interval>[,<reportMode>]]``: ``caller_presses("12")`` gives
  ``+DTMF: 1``, ``+DTMF: 2`` (with ``,<ms>`` in report mode 1). Its audio is analogue:
  tests give the driver an ``ArrayAudioLink`` as the "sound card on its pins".
* SIM7600: ``VOICE CALL: BEGIN`` when a call connects, ``VOICE CALL: END: <hhmmss>``
  when a connected call ends (before the ``OK`` of a hang-up), ``MISSED_CALL: <h:mm>AM
  <number>`` for a caller who gave up; ``+RXDTMF: <key>`` after ``AT+DDET=1`` (the
  keys are also in the PCM, as on the real module). ``AT+CPCMFRM=0|1`` picks 8 or
  16 kHz; ``AT+CPCMREG=1`` during a connected call streams 320 (640) bytes of
  16-bit little-endian PCM per 20 ms on ``modem.audio`` and takes the host's;
  ``AT+CPCMREG=0`` stops it, as does the end of the call.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import numpy as np

from dsp_ext import generate

from .gsm import EmuCall, GsmModemEmulator
from .huawei import VoicePort
from .pty_modem import Reply

FRAME_S = 0.020


class SimComEmulator(GsmModemEmulator):
    """What SIM800 and SIM7600 share: +CLCC reports, DTMF reports, late boot lines."""

    manufacturer = "SIMCOM_Ltd"
    #: Boot lines after the first ones, ``late_boot_s`` later.
    late_boot_lines: tuple[str, ...] = ()
    #: The key report ``AT+DDET`` turns on.
    dtmf_format = "+DTMF: {key}"

    def __init__(self, *, by_id_dir: Path | None = None, late_boot_s: float = 0.3, **kw) -> None:
        self.late_boot_s = late_boot_s
        self.has_ddet = True  # False: a firmware without AT+DDET (ERROR)
        super().__init__(by_id_dir=by_id_dir, **kw)

    def power_on(self) -> None:
        super().power_on()
        self.clcc_reports = False
        self.ddet = False
        self.ddet_report_mode = 0

    async def _boot(self) -> None:
        await super()._boot()
        await asyncio.sleep(self.late_boot_s)
        for line in self.late_boot_lines:
            self.send_line(line)
            await asyncio.sleep(0.02)

    # -- commands ------------------------------------------------------------------------

    def answer(self, command: str) -> Reply:
        up = command.upper()
        if up.startswith("AT+CLCC="):
            value = up[len("AT+CLCC=") :]
            if value not in ("0", "1"):
                return ["ERROR"]
            self.clcc_reports = value == "1"
            return ["OK"]
        if up.startswith("AT+DDET="):
            return self._ddet(up[len("AT+DDET=") :])
        return super().answer(command)

    def _ddet(self, args: str) -> list[str]:
        fields = args.split(",")
        if not self.has_ddet or fields[0] not in ("0", "1"):
            return ["ERROR"]
        self.ddet = fields[0] == "1"
        if len(fields) > 2 and fields[2] in ("0", "1"):
            self.ddet_report_mode = int(fields[2])
        return ["OK"]

    def _clcc(self, command: str) -> list[str]:
        if command.upper() != "AT+CLCC":
            return ["ERROR"]
        if self.sim_state() != "READY":
            return [self.cme(11 if self.sim_state() == "SIM PIN" else 10)]
        return [*(self.clcc_line(c) for c in self.calls), "OK"]

    def clcc_line(self, call: EmuCall, stat: int | None = None) -> str:
        stat = call.stat if stat is None else stat
        return (
            f"+CLCC: {call.call_id},{int(not call.outgoing)},{stat},0,0,"
            f'"{call.number}",{call.number_type},""'
        )

    def clip_line(self, call: EmuCall) -> str:
        name = call.name or ""
        return f'+CLIP: "{call.number}",{call.number_type},"",0,"{name}",{call.validity}'

    def _report(self, call: EmuCall, stat: int | None = None) -> list[str]:
        return [self.clcc_line(call, stat)] if self.clcc_reports else []

    # -- the call model's hooks ------------------------------------------------------------

    def ring(self, number, name=None, validity=0, rings=10) -> EmuCall:
        call = super().ring(number, name, validity, rings)
        for line in self._report(call):  # before the first RING (its task runs next)
            self.send_line(line)
        return call

    def on_remote_release(self, call: EmuCall, cause: int) -> None:
        for line in self._report(call, 6):
            self.send_line(line)
        super().on_remote_release(call, cause)

    def after_dial(self, call: EmuCall) -> list[str]:
        return self._report(call)

    def on_alerting(self, call: EmuCall) -> None:
        for line in self._report(call):
            self.send_line(line)

    def on_connected(self, call: EmuCall) -> None:
        for line in self._report(call):
            self.send_line(line)

    def after_answer(self, call: EmuCall) -> list[str]:
        return self._report(call)

    def _hangup(self, command: str) -> list[str]:
        gone, self.calls = self.calls, []
        before = [line for c in gone for line in self._local_release(c)]
        return [*before, "OK"]

    def _local_release(self, call: EmuCall) -> list[str]:
        return self._report(call, 6)

    # -- the far end ----------------------------------------------------------------------

    def caller_presses(self, digits: str) -> None:
        """The caller presses keys: reported by the modem when AT+DDET is on."""
        if not self.ddet or not any(c.stat == 0 for c in self.calls):
            return
        for key in digits:
            line = self.dtmf_format.format(key=key)
            self.send_line(line + (",100" if self.ddet_report_mode == 1 else ""))


class Sim800Emulator(SimComEmulator):
    """SIM800L on a USB-serial adapter: one AT tty; audio on its analogue pins."""

    by_id_name = "usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0"
    model = "SIMCOM_SIM800L"
    revision = "Revision:1418B04SIM800L24"
    imei = "868000000000001"
    boot_lines = ("RDY", "+CFUN: 1", "+CPIN: READY")
    late_boot_lines = ("Call Ready", "SMS Ready")


class Sim7600Emulator(SimComEmulator):
    """SIM7600G-H on USB: the AT tty (if02) and the PCM audio tty (if04)."""

    by_id_name = "usb-SimTech__Incorporated_SimTech__Incorporated_0123456789ABCDEF-if02-port0"
    manufacturer = "SIMCOM INCORPORATED"
    revision = "LE20B04SIM7600G22"
    imei = "862000000000001"
    boot_lines = ("RDY", "+CPIN: READY")
    late_boot_lines = ("SMS DONE", "PB DONE")
    dtmf_format = "+RXDTMF: {key}"
    clip_line = GsmModemEmulator.clip_line  # +CLIP: "<number>",<type>,,,[<alpha>],<validity>

    def __init__(
        self, *, by_id_dir: Path | None = None, model: str = "SIMCOM_SIM7600G-H", **kw
    ) -> None:
        self.model = model
        self.audio = VoicePort(by_id_dir=by_id_dir)
        self.audio.by_id_name = (
            "usb-SimTech__Incorporated_SimTech__Incorporated_0123456789ABCDEF-if04-port0"
        )
        self._to_host: list[bytes] = []
        self._streaming: asyncio.Task | None = None
        super().__init__(by_id_dir=by_id_dir, **kw)

    async def start(self) -> None:
        await super().start()
        await self.audio.start()

    def unplug(self) -> None:
        super().unplug()
        self.audio.unplug()

    def power_on(self) -> None:
        super().power_on()
        self.pcm_frame_bytes = 320  # AT+CPCMFRM=0, the default
        self.pcm_on = False
        self._to_host = []

    # -- commands ------------------------------------------------------------------------

    def answer(self, command: str) -> Reply:
        up = command.upper()
        if up.startswith("AT+CPCMFRM="):
            value = up[len("AT+CPCMFRM=") :]
            if value not in ("0", "1"):
                return ["ERROR"]
            self.pcm_frame_bytes = 640 if value == "1" else 320
            return ["OK"]
        if up.startswith("AT+CPCMREG="):
            return self._cpcmreg(up[len("AT+CPCMREG=") :])
        return super().answer(command)

    def _cpcmreg(self, value: str) -> list[str]:
        if value == "0":
            self.pcm_on = False
            return ["OK"]
        call = next((c for c in self.calls if c.stat == 0), None)
        if value != "1" or call is None:
            return ["ERROR"]  # only once a call is connected
        self.pcm_on = True
        if self._streaming is None or self._streaming.done():
            self._streaming = self._spawn(self._stream(call))
        return ["OK"]

    # -- call reports ----------------------------------------------------------------------

    @staticmethod
    def _hhmmss(seconds: float) -> str:
        s = int(seconds)
        return f"{s // 3600:02d}{s % 3600 // 60:02d}{s % 60:02d}"

    def _voice_end(self, call: EmuCall) -> list[str]:
        if call.connected_at is None:
            return []
        return [f"VOICE CALL: END: {self._hhmmss(self._now() - call.connected_at)}"]

    def on_remote_release(self, call: EmuCall, cause: int) -> None:
        for line in self._report(call, 6) + self._voice_end(call):
            self.send_line(line)
        if not call.outgoing and call.stat != 0:
            self.send_line(f"MISSED_CALL: {time.strftime('%I:%M%p')} {call.number}")
        GsmModemEmulator.on_remote_release(self, call, cause)

    def on_connected(self, call: EmuCall) -> None:
        self.send_line("VOICE CALL: BEGIN")
        super().on_connected(call)

    def _ata(self, command: str) -> list[str]:
        reply = super()._ata(command)
        if reply[0] == "OK":  # the voice channel opens before ATA's OK
            reply = ["VOICE CALL: BEGIN", *reply]
        return reply

    def _local_release(self, call: EmuCall) -> list[str]:
        return super()._local_release(call) + self._voice_end(call)

    # -- the audio port ----------------------------------------------------------------------

    def caller_presses(self, digits: str) -> None:
        """Keys in the PCM (as the network carries them) and, after AT+DDET=1, +RXDTMF."""
        self.caller_sends(generate.dtmf(digits, on_ms=80, off_ms=80, lead_ms=40))
        super().caller_presses(digits)

    def caller_sends(self, samples: np.ndarray) -> None:
        """Audio the far end speaks, queued onto the audio port a frame at a time."""
        data = np.asarray(samples, dtype="<i2").tobytes()
        n = self.pcm_frame_bytes
        for i in range(0, len(data), n):
            chunk = data[i : i + n]
            self._to_host.append(chunk + bytes(n - len(chunk)))

    def heard(self) -> np.ndarray:
        """Everything the host sent on the audio port, as samples."""
        data = bytes(self.audio.received)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)

    async def _stream(self, call: EmuCall) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while self.pcm_on and call in self.calls and self.audio.plugged:
            frame = self._to_host.pop(0) if self._to_host else bytes(self.pcm_frame_bytes)
            self.audio.write(frame)
            next_at += FRAME_S
            await asyncio.sleep(max(0.0, next_at - loop.time()))
        self.pcm_on = False
