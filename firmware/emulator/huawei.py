"""A Huawei E1550/E173/E1752 USB stick on two ptys: the AT (PCUI) port and the voice port.

Follows Huawei's AT Command Interface Specification for these sticks, byte for byte
where the driver can tell: ``\\r\\n`` framing, echo on after power-up, information
lines without a space after the colon (``+CLIP:"…"``, ``^CEND:1,5,104,16``), and:

* ``ATD…;`` → ``OK`` ``^ORIG:<id>,0``, then ``^CONF:<id>`` (ringback) and
  ``^CONN:<id>,0`` when the far end answers; every call ends with
  ``^CEND:<id>,<duration>,<end_status>,<cc_cause>`` (24.008 cause: 16 normal
  clearing, 17 user busy, 19 no answer), whoever ends it; no ``NO CARRIER``.
* ``AT^CVOICE?`` → ``^CVOICE:0,8000,16,20`` (voice enabled; 8 kHz, 16 bit, 20 ms).
* ``AT^DDSETEX=2`` during a connected call starts 320-byte frames of 16-bit
  little-endian PCM on the voice pty every 20 ms, and takes the host's frames.
* Chatter: with ``chatter_s`` set, ``^RSSI``, ``^BOOT``, ``^MODE`` and ``^SRVST``
  arrive at random moments — also in the middle of command responses.
* ``reboot()``: a USB stick that restarts leaves the bus and comes back (both
  ttys close and reappear under the same by-id names); it prints no boot line.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import numpy as np

from dsp_ext import generate

from .gsm import EmuCall, GsmModemEmulator
from .pty_modem import PtyModem, Reply

FRAME_BYTES = 320
FRAME_S = 0.020


class VoicePort(PtyModem):
    """The stick's voice tty: raw PCM, no echo, no commands."""

    by_id_name = "usb-HUAWEI_Technology_HUAWEI_Mobile-if01-port0"

    def __init__(self, *, by_id_dir: Path | None = None) -> None:
        super().__init__(by_id_dir=by_id_dir, echo=False)
        self.received = bytearray()

    def on_bytes(self, data: bytes) -> None:
        self.received += data


class HuaweiEmulator(GsmModemEmulator):
    """Huawei voice stick: vendor call URCs, ^CVOICE/^DDSETEX, PCM on a second pty."""

    by_id_name = "usb-HUAWEI_Technology_HUAWEI_Mobile-if02-port0"
    manufacturer = "huawei"
    revision = "11.608.12.02.21"
    imei = "353143030000001"
    boot_lines = ()
    colon = ":"
    CHATTER = ("^RSSI:{rssi}", "^BOOT:20111246,0,0,0,75", "^MODE:5,4", "^SRVST:2")

    def __init__(
        self,
        *,
        by_id_dir: Path | None = None,
        model: str = "E1550",
        voice_enabled: bool = True,
        chatter_s: float | None = None,
        seed: int = 0,
        **kw,
    ) -> None:
        self.model = model
        self.voice_enabled = voice_enabled
        self.chatter_s = chatter_s
        self.rng = random.Random(seed)
        self.voice = VoicePort(by_id_dir=by_id_dir)
        self._to_host: list[bytes] = []
        self._streaming: asyncio.Task | None = None
        super().__init__(by_id_dir=by_id_dir, **kw)

    # -- life cycle --------------------------------------------------------------------

    async def start(self) -> None:
        await super().start()
        await self.voice.start()
        if self.chatter_s:
            self._spawn(self._chatter())

    def unplug(self) -> None:
        super().unplug()
        self.voice.unplug()

    def power_on(self) -> None:
        super().power_on()
        self._streaming = None
        self._to_host = []

    def reboot(self) -> None:
        """USB sticks re-enumerate when they restart: both ports go, then return."""
        self.unplug()
        asyncio.get_running_loop().create_task(self._come_back())

    async def _come_back(self) -> None:
        await asyncio.sleep(0.2)
        await self.replug()

    # -- chatter -------------------------------------------------------------------------

    def _chatter_line(self) -> str:
        line = self.rng.choice(self.CHATTER)
        return line.format(rssi=self.rng.randint(5, 25))

    async def _chatter(self) -> None:
        assert self.chatter_s
        while self.plugged:
            await asyncio.sleep(self.rng.uniform(0.2, 1.8) * self.chatter_s)
            self.send_line(self._chatter_line())

    def answer(self, command: str) -> Reply:
        reply = self._huawei(command.upper())
        if reply is None:
            reply = super().answer(command)
        if self.chatter_s and isinstance(reply, list) and reply and self.rng.random() < 0.3:
            # the awkward moment: between the information lines and the final result
            reply = [*reply[:-1], self._chatter_line(), reply[-1]]
        return reply

    def _huawei(self, up: str) -> list[str] | None:
        if up == "AT^CVOICE?":
            return [f"^CVOICE:{0 if self.voice_enabled else 1},8000,16,20", "OK"]
        if up.startswith("AT^DDSETEX="):
            call = next((c for c in self.calls if c.stat == 0), None)
            if up != "AT^DDSETEX=2" or call is None or not self.voice_enabled:
                return ["ERROR"]
            if self._streaming is None or self._streaming.done():
                self._streaming = self._spawn(self._stream(call))
            return ["OK"]
        if up.startswith(("AT^CURC=", "AT^U2DIAG")):
            return ["OK"]
        return None

    # -- call URCs ----------------------------------------------------------------------

    def _cend(self, call: EmuCall, cause: int) -> str:
        duration = 0
        if call.connected_at is not None:
            duration = int(self._now() - call.connected_at)
        return f"^CEND:{call.call_id},{duration},104,{cause}"

    def on_remote_release(self, call: EmuCall, cause: int) -> None:
        self.send_line(self._cend(call, cause))

    def after_dial(self, call: EmuCall) -> list[str]:
        return [f"^ORIG:{call.call_id},0"]

    def on_alerting(self, call: EmuCall) -> None:
        self.send_line(f"^CONF:{call.call_id}")

    def on_connected(self, call: EmuCall) -> None:
        self.send_line(f"^CONN:{call.call_id},0")

    def after_answer(self, call: EmuCall) -> list[str]:
        return [f"^CONN:{call.call_id},0"]

    def after_local_release(self, calls: list[EmuCall]) -> list[str]:
        return [self._cend(c, 16) for c in calls]

    # -- the voice port -------------------------------------------------------------------

    def caller_sends(self, samples: np.ndarray) -> None:
        """Audio the far end speaks: queued onto the voice port, 20 ms a frame."""
        data = np.asarray(samples, dtype="<i2").tobytes()
        for i in range(0, len(data), FRAME_BYTES):
            chunk = data[i : i + FRAME_BYTES]
            self._to_host.append(chunk + bytes(FRAME_BYTES - len(chunk)))

    def caller_presses(self, digits: str) -> None:
        """The caller presses keys: DTMF audio (ITU-T Q.23 pairs) down the voice port."""
        self.caller_sends(generate.dtmf(digits, on_ms=80, off_ms=80, lead_ms=40))

    def heard(self) -> np.ndarray:
        """Everything the host sent on the voice port, as samples."""
        data = bytes(self.voice.received)
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2").astype(np.int16)

    async def _stream(self, call: EmuCall) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        silence = bytes(FRAME_BYTES)
        while call in self.calls and self.voice.plugged:
            self.voice.write(self._to_host.pop(0) if self._to_host else silence)
            next_at += FRAME_S
            await asyncio.sleep(max(0.0, next_at - loop.time()))
