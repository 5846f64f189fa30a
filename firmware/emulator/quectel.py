"""A Quectel EC25/EG25-G/EC21 on two ptys: the AT port (``if02``) and the NMEA port (``if01``).

Follows Quectel's EC2x/EG2x AT commands manual and its "Voice over USB" note where
the driver can tell: ``\\r\\n`` framing, echo on after power-up, ``: `` after every
colon, and:

* Power-up prints ``RDY``, ``+CFUN: 1``, ``+CPIN: READY``, ``+QUSIM: 1``,
  ``+QIND: SMS DONE``, ``+QIND: PB DONE``. ``reboot()`` is a module on a UART
  restarting on the same tty; ``reboot(usb=True)`` a USB module re-enumerating.
* With ``AT^DSCI=1``: ``^DSCI: <id>,<dir>,<stat>,0,<number>,<num_type>`` (number
  unquoted) — 2 after ``ATD…;`` → ``OK``, 7 when the far end rings, 3 when it
  answers (and after ``ATA`` → ``OK``), 4 with the first ring of a caller, 6 when
  any call ends. A call the far end ends is then closed with its V.250 result:
  ``NO CARRIER`` (also for a caller who gives up ringing), ``BUSY``, ``NO ANSWER``.
* With ``AT+QTONEDET=1``, a key the caller presses is reported as
  ``+QTONEDET: <ASCII code>`` (its tones reach the voice port too).
* ``AT+QPCMV=1,0`` (or ``AT+QPCMV=1,2``, the sound-card mode, which this emulator
  only remembers) → while a call is connected, 320-byte frames of 16-bit
  little-endian PCM on the NMEA pty every 20 ms, and the host's frames taken; the
  other mode while one is on → ``ERROR``; ``AT+QPCMV=0`` stops. None of these
  settings survives a restart.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np

from dsp_ext import generate

from .gsm import EmuCall, GsmModemEmulator
from .pty_modem import PtyModem, Reply

FRAME_BYTES = 320
FRAME_S = 0.020
DSCI_STAT = {"held": 1, "originated": 2, "connected": 3, "incoming": 4, "ended": 6, "alerting": 7}
BOOT_LINES = ("RDY", "+CFUN: 1", "+CPIN: READY", "+QUSIM: 1", "+QIND: SMS DONE", "+QIND: PB DONE")


class NmeaVoicePort(PtyModem):
    """The module's NMEA tty carrying voice: raw PCM, no echo, no commands."""

    def __init__(self, *, by_id_dir: Path | None = None, by_id_name: str) -> None:
        super().__init__(by_id_dir=by_id_dir, echo=False)
        self.by_id_name = by_id_name
        self.received = bytearray()

    def on_bytes(self, data: bytes) -> None:
        self.received += data


class QuectelEmulator(GsmModemEmulator):
    """Quectel LTE module with voice: ^DSCI, +QTONEDET, PCM over the NMEA pty."""

    manufacturer = "Quectel"
    revision = "EC25EFAR06A06M4G"
    imei = "866758040000001"
    boot_lines = BOOT_LINES
    colon = ": "

    def __init__(self, *, by_id_dir: Path | None = None, model: str = "EC25", **kw) -> None:
        self.model = model
        self.by_id_name = f"usb-Quectel_{model}-if02-port0"
        self.voice = NmeaVoicePort(
            by_id_dir=by_id_dir, by_id_name=f"usb-Quectel_{model}-if01-port0"
        )
        self._to_host: list[bytes] = []
        self._streaming: asyncio.Task | None = None
        self.refuse: set[str] = set()  # commands this firmware answers ERROR (tests)
        super().__init__(by_id_dir=by_id_dir, **kw)

    # -- life cycle --------------------------------------------------------------------

    async def start(self) -> None:
        await super().start()
        await self.voice.start()

    def unplug(self) -> None:
        super().unplug()
        self.voice.unplug()

    def power_on(self) -> None:
        super().power_on()
        self.dsci = False
        self.tonedet = False
        self.pcmv: int | None = None  # None off, else the <port>: 0 USB NMEA, 2 UAC
        self._streaming = None
        self._to_host = []

    def reboot(self, *, usb: bool = False) -> None:
        """The module restarts: on the same tty printing its boot lines, or off the USB bus."""
        if not usb:
            super().reboot()
            return
        self.unplug()
        asyncio.get_running_loop().create_task(self._come_back())

    async def _boot(self) -> None:
        # RDY, +CFUN, +CPIN and +QUSIM come together; SMS and phonebook are ready later.
        await asyncio.sleep(0.05)
        sim = self.sim_state() == "READY"
        self.inject(*(ln for ln in BOOT_LINES[:4] if sim or not ln.startswith(("+CPIN", "+QUSIM"))))
        for line in BOOT_LINES[4:]:
            await asyncio.sleep(0.1)
            self.send_line(line)

    async def _come_back(self) -> None:
        await asyncio.sleep(0.2)
        await self.replug()
        await self._boot()

    # -- commands --------------------------------------------------------------------------

    def answer(self, command: str) -> Reply:
        up = command.upper()
        if any(up.startswith(r.upper()) for r in self.refuse):
            return ["ERROR"]
        reply = self._quectel(up)
        return reply if reply is not None else super().answer(command)

    def _quectel(self, up: str) -> list[str] | None:
        if up in ("AT^DSCI=0", "AT^DSCI=1"):
            self.dsci = up.endswith("1")
            return ["OK"]
        if up == "AT^DSCI?":
            return [f"^DSCI: {int(self.dsci)}", "OK"]
        if up in ("AT+QTONEDET=0", "AT+QTONEDET=1"):
            self.tonedet = up.endswith("1")
            return ["OK"]
        if up == "AT+QTONEDET?":
            return [f"+QTONEDET: {int(self.tonedet)}", "OK"]
        if up == "AT+QPCMV?":
            return [f"+QPCMV: {0 if self.pcmv is None else 1},{self.pcmv or 0}", "OK"]
        if up.startswith("AT+QPCMV="):
            return self._qpcmv(up[len("AT+QPCMV=") :])
        return None

    def _qpcmv(self, args: str) -> list[str]:
        if args == "0":
            self.pcmv = None
            return ["OK"]
        if args not in ("1,0", "1,2"):
            return [self.cme(4)]
        port = int(args[-1])
        if self.pcmv is not None and self.pcmv != port:
            return ["ERROR"]  # one voice mode at a time
        self.pcmv = port
        self._maybe_stream()
        return ["OK"]

    # -- call codes ---------------------------------------------------------------------------

    def dsci_line(self, call: EmuCall, stat: str) -> str:
        kind = call.number_type
        return (
            f"^DSCI: {call.call_id},{int(not call.outgoing)},{DSCI_STAT[stat]},0,"
            f"{call.number},{kind}"
        )

    def _dsci(self, call: EmuCall, stat: str) -> list[str]:
        return [self.dsci_line(call, stat)] if self.dsci else []

    async def _ring_loop(self, call: EmuCall, rings: int) -> None:
        first = True
        for _ in range(rings):
            if call not in self.calls or call.stat != 4:
                return
            self.send_line("+CRING: VOICE" if self.crc else "RING")
            if self.clip:
                self.send_line(self.clip_line(call))
            if first:
                self.inject(*self._dsci(call, "incoming"))
                first = False
            await asyncio.sleep(self.ring_interval_s)
        if call in self.calls and call.stat == 4:
            self.caller_hangs_up()

    def on_remote_release(self, call: EmuCall, cause: int) -> None:
        self.inject(*self._dsci(call, "ended"))
        if call.outgoing and call.stat != 0:
            self.send_line({17: "BUSY", 19: "NO ANSWER"}.get(cause, "NO CARRIER"))
        else:
            self.send_line("NO CARRIER")

    def after_dial(self, call: EmuCall) -> list[str]:
        return self._dsci(call, "originated")

    def on_alerting(self, call: EmuCall) -> None:
        self.inject(*self._dsci(call, "alerting"))

    def on_connected(self, call: EmuCall) -> None:
        self.inject(*self._dsci(call, "connected"))
        self._maybe_stream()

    def after_answer(self, call: EmuCall) -> list[str]:
        self._maybe_stream()
        return self._dsci(call, "connected")

    def after_local_release(self, calls: list[EmuCall]) -> list[str]:
        return [line for c in calls for line in self._dsci(c, "ended")]

    # -- the far end's keys and voice ------------------------------------------------------

    def caller_sends(self, samples: np.ndarray) -> None:
        """Audio the far end speaks: queued onto the voice port, 20 ms a frame."""
        data = np.asarray(samples, dtype="<i2").tobytes()
        for i in range(0, len(data), FRAME_BYTES):
            chunk = data[i : i + FRAME_BYTES]
            self._to_host.append(chunk + bytes(FRAME_BYTES - len(chunk)))

    def caller_presses(self, digits: str, on_ms: int = 80, off_ms: int = 80) -> None:
        """Keys on the far phone: tones down the voice port, ``+QTONEDET`` as each ends."""
        self.caller_sends(generate.dtmf(digits, on_ms=on_ms, off_ms=off_ms, lead_ms=40))
        if self.tonedet and any(c.stat == 0 for c in self.calls):
            self._spawn(self._report_keys(digits, (on_ms + off_ms) / 1000))

    async def _report_keys(self, digits: str, every_s: float) -> None:
        for key in digits.upper():
            await asyncio.sleep(every_s)
            self.send_line(f"+QTONEDET: {ord(key)}")

    def heard(self) -> np.ndarray:
        """Everything the host sent on the voice port, as samples."""
        data = bytes(self.voice.received)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)

    def _maybe_stream(self) -> None:
        call = next((c for c in self.calls if c.stat == 0), None)
        if self.pcmv != 0 or call is None:
            return
        if self._streaming is None or self._streaming.done():
            self._streaming = self._spawn(self._stream(call))

    async def _stream(self, call: EmuCall) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        silence = bytes(FRAME_BYTES)
        while call in self.calls and self.pcmv == 0 and self.voice.plugged:
            self.voice.write(self._to_host.pop(0) if self._to_host else silence)
            next_at += FRAME_S
            await asyncio.sleep(max(0.0, next_at - loop.time()))
