"""ITU-T V.253 voice modems behind a pty: a USRobotics 5637 and a Conexant part.

What each profile answers follows its command reference (the USRobotics "56K
Command Reference", Voice Commands §6, which is Conexant's text; the Conexant
"Command Reference Manual" 100722A §6.2): ``AT+FCLASS=8``, ``AT+VCID``, the
``AT+VSM=?`` list in its own numbering, ``AT+VLS``, ``AT+VTR`` (USR only; the
Conexant profile is half duplex), ``AT+VRX``/``AT+VTX``, voice-mode commands
refused with ``ERROR`` outside ``+FCLASS=8``.

The call side is scripted by the test: :meth:`VoiceModemEmulator.ring` (RING, the
caller ID between the first and second ring in the format ``AT+VCID`` chose),
:meth:`send_audio` / :meth:`send_dtmf` (audio in the chosen compression, or
``<DLE>digit`` codes when the profile reports keys itself), :meth:`caller_hangs_up`
(``<DLE>l`` or ``<DLE>b``, then silence). In the voice data states the modem
streams 8000 bytes a second, DLE-shielded, as a real one does; what the host
plays is decoded and kept in :attr:`recorded`.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dsp_ext import generate
from dsp_ext.callerid import checksum

from ..lines import dle
from ..lines.voicemodem import decode, encode
from .pty_modem import PtyModem, Reply

FRAME = 160  # bytes per 20 ms at 8000 samples/s, 8 bits each


@dataclass(frozen=True)
class EmulatedProfile:
    """The parts of a modem's answers that differ per model."""

    name: str
    manufacturer: str
    model: str
    ati3: str
    vsm_list: tuple[str, ...]
    codecs: dict  # cml -> codec name (as voicemodem.encode/decode know them)
    duplex: bool
    reports_dtmf: bool = True


PROFILES = {
    # USRobotics 56K command reference, +VSM=? example (Voice Commands p. 142)
    "usr5637": EmulatedProfile(
        name="usr5637",
        manufacturer="U.S. Robotics",
        model="USR5637 56K USB Faxmodem",
        ati3="U.S. Robotics 56K FAX USB V1.2.23",
        vsm_list=(
            '1,"UNSIGNED PCM",8,0,(7200,8000),(0),(0)',
            '128,"8-BIT LINEAR",8,0,(7200,8000),(0),(0)',
            '129,"ADPCM",4,0,(7200,8000),(0),(0)',
            '130,"UNSIGNED PCM",8,0,(7200,8000),(0),(0)',
            '131,"ULAW",8,0,(7200,8000),(0),(0)',
            '132,"ALAW",8,0,(7200,8000),(0),(0)',
            '133,"LINEAR",16,0,(7200,8000),(0),(0)',
        ),
        codecs={1: "linear8u", 128: "linear8s", 130: "linear8u", 131: "ulaw", 132: "alaw"},
        duplex=True,
    ),
    # Conexant 100722A §6.2.2.12 +VSM=? example: no G.711 at all, half duplex
    "conexant": EmulatedProfile(
        name="conexant",
        manufacturer="CONEXANT",
        model="CX93001-EIS_V0.2002-V92",
        ati3="CX93001-EIS_V0.2002-V92",
        vsm_list=(
            '1,"UNSIGNED PCM",8,0,8000,0,0',
            '129,"IMA ADPCM",4,0,8000,0,0',
            '130,"UNSIGNED PCM",8,0,8000,0,0',
            '140,"2 Bit ADPCM",2,0,8000,0,0',
            '141,"4 Bit ADPCM",4,0,8000,0,0',
        ),
        codecs={1: "linear8u", 130: "linear8u"},
        duplex=False,
    ),
}


@dataclass(frozen=True)
class Caller:
    """Who rings: ``number`` (or 'P' private, 'O' out of area), ``name`` likewise."""

    number: str = "5045551234"
    name: str | None = "A N OTHER"
    date: str = "0321"  # MMDD
    time: str = "1405"  # HHMM


def formatted_cid(c: Caller) -> list[str]:
    """The AT+VCID=1 lines: tag, space, '=', space, value."""
    lines = [f"DATE = {c.date}", f"TIME = {c.time}", f"NMBR = {c.number}"]
    if c.name is not None:
        lines.append(f"NAME = {c.name}")
    return lines


def unformatted_cid(c: Caller) -> str:
    """The AT+VCID=2 line: the whole MDMF message (with checksum) in ASCII hex."""
    params = bytes((0x01, 8)) + (c.date + c.time).encode("ascii")
    if c.number in ("P", "O"):
        params += bytes((0x04, 1)) + c.number.encode()
    else:
        params += bytes((0x02, len(c.number))) + c.number.encode("latin-1")
    if c.name in ("P", "O"):
        params += bytes((0x08, 1)) + c.name.encode()
    elif c.name:
        params += bytes((0x07, len(c.name))) + c.name.encode("latin-1")
    body = bytes((0x80, len(params))) + params
    return (body + bytes((checksum(body),))).hex().upper()


class VoiceModemEmulator(PtyModem):
    """A V.253 voice modem on a pty, ``profile`` 'usr5637' or 'conexant'."""

    def __init__(
        self,
        profile: str = "usr5637",
        *,
        by_id_dir: Path | None = None,
        reports_dtmf: bool | None = None,
        ring_interval_s: float = 0.3,
    ) -> None:
        super().__init__(by_id_dir=by_id_dir)
        self.profile = PROFILES[profile]
        self.reports_dtmf = self.profile.reports_dtmf if reports_dtmf is None else reports_dtmf
        self.ring_interval_s = ring_interval_s
        self.dial_result = "VCON"  # or BUSY, NO DIALTONE, NO ANSWER
        self.dial_delay_s = 0.1
        self._recorded: list[np.ndarray] = []
        self._tasks: list[asyncio.Task] = []
        self.power_on()

    def power_on(self) -> None:
        super().power_on()
        self.fclass = 0
        self.vcid = 0
        self.cml = next(iter(self.profile.codecs))
        self.off_hook = False
        self.mode = "command"  # or 'vtr', 'vrx', 'vtx'
        self._host = dle.DleDecoder()
        self._script = bytearray()
        self._ringing = False
        for task in getattr(self, "_tasks", []):
            task.cancel()
        self._tasks = []

    def unplug(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._tasks = []
        self.mode = "command"
        super().unplug()

    @property
    def codec(self) -> str:
        return self.profile.codecs[self.cml]

    @property
    def recorded(self) -> np.ndarray:
        """Everything the host played, decoded to int16."""
        if not self._recorded:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self._recorded)

    def _task(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.append(task)
        return task

    # -- commands -------------------------------------------------------------------------

    def answer(self, command: str) -> Reply:
        up = command.upper().replace(" ", "")
        ident = {
            "AT+GMI": self.profile.manufacturer,
            "AT+GMM": self.profile.model,
            "ATI3": self.profile.ati3,
        }
        if up in ident:
            return [ident[up], "OK"]
        if up.startswith("AT+FCLASS="):
            value = up.split("=", 1)[1]
            if value not in ("0", "1", "8"):
                return ["ERROR"]
            self.fclass = int(value)
            return ["OK"]
        if up.startswith("AT+VCID="):
            value = up.split("=", 1)[1]
            if value not in ("0", "1", "2"):
                return ["ERROR"]
            self.vcid = int(value)
            return ["OK"]
        if up in ("ATH", "ATH0"):
            self.off_hook = False
            self._ringing = False
            return ["OK"]
        if up.startswith("ATD"):
            return self._dial()
        if up.startswith("AT+V"):
            return self._voice(up)
        return super().answer(command)

    def _voice(self, up: str) -> Reply:
        if self.fclass != 8:
            return ["ERROR"]  # "ERROR … if not in Voice Mode"
        if up == "AT+VSM=?":
            return [*self.profile.vsm_list, "OK"]
        if up.startswith("AT+VSM="):
            fields = up.split("=", 1)[1].split(",")
            try:
                cml, rate = int(fields[0]), int(fields[1]) if len(fields) > 1 else 8000
            except ValueError:
                return ["ERROR"]
            if cml not in self.profile.codecs or rate != 8000:
                return ["ERROR"]
            self.cml = cml
            return ["OK"]
        if up.startswith("AT+VLS="):
            label = up.split("=", 1)[1]
            if label not in ("0", "1"):
                return ["ERROR"]
            self.off_hook = label == "1"
            self._ringing = False
            return ["OK"]
        if up == "AT+VTR=?":
            return ["OK"] if self.profile.duplex else ["ERROR"]
        if up in ("AT+VTR", "AT+VRX", "AT+VTX"):
            if (up == "AT+VTR" and not self.profile.duplex) or not self.off_hook:
                return ["ERROR"]
            return self._connect(up[3:].lower())
        if up.startswith(("AT+VIT=", "AT+VGT=", "AT+VGR=", "AT+VSD=", "AT+VRA=", "AT+VRN=")):
            return ["OK"]
        return ["ERROR"]

    def _dial(self) -> Reply:
        async def later() -> list[str]:
            await asyncio.sleep(self.dial_delay_s)
            if self.dial_result in ("VCON", "OK"):
                self.off_hook = True
            return [self.dial_result]

        return later()

    # -- the voice data states ---------------------------------------------------------------

    async def _connect(self, mode: str) -> list[str]:
        """CONNECT goes out first; the stream starts after it, as on a real modem."""
        self._enter(mode)
        return ["CONNECT"]

    def _enter(self, mode: str) -> None:
        self.mode = mode
        self._host.reset(audio=True)
        if mode in ("vtr", "vrx"):
            self._task(self._stream())

    async def _stream(self) -> None:
        """8000 bytes a second towards the host: the script, else silence."""
        silence = encode(self.codec, np.zeros(FRAME, dtype=np.int16))
        loop = asyncio.get_running_loop()
        next_t = loop.time()
        while self.mode in ("vtr", "vrx") and self.plugged:
            chunk = bytes(self._script[:FRAME])
            del self._script[:FRAME]
            chunk += silence[: FRAME - len(chunk)]
            self.write(dle.shield(chunk))
            next_t += FRAME / 8000.0
            await asyncio.sleep(max(0.0, next_t - loop.time()))

    def on_bytes(self, data: bytes) -> None:
        if self.mode == "command":
            super().on_bytes(data)
            return
        got = self._host.feed(data)
        audio = got.audio
        if audio and self.mode in ("vtr", "vtx"):
            self._recorded.append(decode(self.codec, audio))
        kinds = [e.code for e in got.events]
        if "\x03" in kinds or ("!" in kinds and self.mode in ("vrx", "vtr")):
            self._leave()
            rest = data[got.used :] if got.used is not None else b""
            if rest:
                super().on_bytes(rest)

    def _leave(self) -> None:
        """End of the data state: our own <DLE><ETX> (when we were streaming), then OK."""
        streaming = self.mode in ("vtr", "vrx")
        self.mode = "command"
        if streaming:
            self.write(dle.END_TX)
        self.send_line("OK")

    # -- the caller's side (test script) --------------------------------------------------------

    def ring(self, caller: Caller | None = None, rings: int = 3) -> asyncio.Task:
        """Ring ``rings`` times (stops when the host goes off-hook); caller ID after the first."""

        async def run() -> None:
            self._ringing = True
            for n in range(rings):
                if not self._ringing or self.off_hook:
                    return
                self.send_line("RING")
                if n == 0 and caller is not None and self.vcid:
                    await asyncio.sleep(self.ring_interval_s / 3)
                    lines = formatted_cid(caller) if self.vcid == 1 else [unformatted_cid(caller)]
                    for line in lines:
                        self.send_line(line)
                await asyncio.sleep(self.ring_interval_s)
            self._ringing = False

        return self._task(run())

    def stop_ringing(self) -> None:
        self._ringing = False

    def send_audio(self, pcm: np.ndarray) -> None:
        """Queue caller audio (int16), sent in the modem's compression."""
        self._script += encode(self.codec, np.asarray(pcm, dtype=np.int16))

    def send_dtmf(self, digits: str) -> None:
        """Keys the caller presses: <DLE>digit when the modem reports them, else tones."""
        if self.reports_dtmf:
            for d in digits:
                self.write(dle.code(d))
        else:
            self.send_audio(generate.dtmf(digits, on_ms=80, off_ms=80))

    def send_event(self, code: str) -> None:
        """Any <DLE><code> towards the host (test helper)."""
        self.write(dle.code(code))

    def caller_hangs_up(self, how: str = "l") -> None:
        """Loop current break (``l``) or a busy tone (``b``) after the caller leaves."""
        self._ringing = False
        self._script.clear()
        if self.mode != "command":
            self.write(dle.code(how))

    async def wait_for_mode(self, mode: str, timeout: float = 5.0) -> None:
        """Wait until the host has put the modem in ``mode`` ('vtr', 'command', …)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while self.mode != mode:
                    await asyncio.sleep(0.01)
        if self.mode != mode:
            raise AssertionError(f"modem is in {self.mode!r}, not {mode!r}, after {timeout} s")
