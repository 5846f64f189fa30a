"""A GSM voice modem as 3GPP TS 27.007 describes it, on a pty, with a call model.

Tests and the demo script it like a person at the other end of the line::

    modem = GsmModemEmulator(by_id_dir=tmp)
    await modem.start()
    modem.ring("+441234567890", name="Alice")      # RING/+CRING then +CLIP, every 2 s
    modem.caller_hangs_up()
    modem.far_end(answer_after_s=0.5)             # how the next ATD goes: or busy=True, …
    modem.sim = "pin"; modem.set_registration(2); modem.reboot()

What it answers follows 27.007: ``+CPIN?`` (§8.3) with ``+CME ERROR`` in the form
``AT+CMEE`` asked for (§9.1: numeric, or the §9.2 texts), ``+CREG`` (§7.2, unsolicited
when ``AT+CREG=1``), ``+CSQ`` (§8.5), ``+CLCC`` (§7.18:
``+CLCC: <id>,<dir>,<stat>,<mode>,<mpty>[,<number>,<type>]``), ``+CLIP`` after each
ring when ``AT+CLIP=1`` (§7.6), ``+CRING: VOICE`` instead of ``RING`` when ``AT+CRC=1``
(§6.11), ``ATA``/``ATH``/``AT+CHUP``/``ATD…;``/``AT+VTS``. A plain 27.007 modem
says nothing when a caller gives up before the answer (only ``+CLCC`` tells), ``NO
CARRIER`` when the far end hangs up a call, ``BUSY``/``NO ANSWER`` for a dial.
Dialects override the ``on_*`` hooks with their vendor's codes.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

from .pty_modem import PtyModem, Reply

#: 27.007 §9.2.1 texts for the +CME ERROR codes this emulator uses.
CME_TEXT = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    16: "incorrect password",
    30: "no network service",
    100: "unknown",
}


@dataclass
class EmuCall:
    """One call the emulated modem knows, in +CLCC terms."""

    call_id: int
    outgoing: bool
    stat: int  # 0 active, 2 dialing, 3 alerting, 4 incoming
    number: str = ""
    name: str | None = None
    validity: int = 0
    connected_at: float | None = None

    @property
    def number_type(self) -> int:
        if self.validity != 0 or not self.number:
            return 128
        return 145 if self.number.startswith("+") else 129


@dataclass
class FarEnd:
    """How the next dial goes."""

    answer_after_s: float | None = 0.3
    busy: bool = False
    no_answer: bool = False
    alert_after_s: float = 0.05
    give_up_after_s: float = 2.0


class GsmModemEmulator(PtyModem):
    """A plain 27.007 voice modem (no vendor codes, no host audio)."""

    by_id_name = "usb-Hotline_Generic_GSM_Modem-if00-port0"
    manufacturer = "Generic"
    model = "GSM 27.007 Voice Modem"
    revision = "1.0"
    imei = "350000000000001"
    #: What the modem prints as it starts (SIMCom/Quectel style).
    boot_lines: tuple[str, ...] = ("RDY", "+CPIN: READY")
    #: After the colon of +CLIP and +CLCC lines: 27.007 has a space, Huawei's manual none.
    colon = ": "

    def __init__(
        self,
        *,
        by_id_dir: Path | None = None,
        echo: bool = True,
        sim: str = "ready",
        sim_pin: str = "1234",
        registration: int = 1,
        csq: tuple[int, int] = (20, 99),
    ) -> None:
        super().__init__(by_id_dir=by_id_dir, echo=echo)
        self.sim = sim  # 'ready', 'pin', 'missing' or 'puk'
        self.sim_pin = sim_pin
        self.pin_attempts = 3
        self.registration = registration
        self.csq = csq
        self.ring_interval_s = 2.0
        self.calls: list[EmuCall] = []
        self.dtmf_sent: list[str] = []
        self.silent: dict[str, int] = {}  # command prefix -> how many times to ignore it
        self.far = FarEnd()
        self._tasks: set[asyncio.Task] = set()
        self.power_on()

    # -- power ---------------------------------------------------------------------

    def power_on(self) -> None:
        super().power_on()
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        self.calls = []
        self.cmee = 0
        self.clip = False
        self.crc = False
        self.creg_n = 0
        self.unlocked = False

    def reboot(self) -> None:
        """The modem restarts on its own (brown-out, firmware fault): same tty."""
        self.power_on()
        self._spawn(self._boot())

    async def _boot(self) -> None:
        for line in self.boot_lines:
            await asyncio.sleep(0.05)
            if line.startswith("+CPIN") and self.sim_state() != "READY":
                continue
            self.send_line(line)

    # -- scripting (what the person at the other end does) -----------------------------

    def ring(
        self, number: str | None, name: str | None = None, validity: int = 0, rings: int = 10
    ) -> EmuCall:
        """An incoming call: a ring every ``ring_interval_s``, +CLIP after each."""
        call = EmuCall(self._free_id(), False, 4, number or "", name, validity)
        if validity != 0:
            call.number = ""
        self.calls.append(call)
        self._spawn(self._ring_loop(call, rings))
        return call

    async def _ring_loop(self, call: EmuCall, rings: int) -> None:
        for _ in range(rings):
            if call not in self.calls or call.stat != 4:
                return
            self.send_line("+CRING: VOICE" if self.crc else "RING")
            if self.clip:
                self.send_line(self.clip_line(call))
            await asyncio.sleep(self.ring_interval_s)
        if call in self.calls and call.stat == 4:
            self.caller_hangs_up()

    def clip_line(self, call: EmuCall) -> str:
        name = f'"{call.name}"' if call.name else ""
        return f'+CLIP{self.colon}"{call.number}",{call.number_type},,,{name},{call.validity}'

    def caller_hangs_up(self) -> None:
        """The far end hangs up: before the answer, or during the call."""
        for call in list(self.calls):
            self.calls.remove(call)
            self.on_remote_release(call, cause=16)

    def far_end(
        self,
        answer_after_s: float | None = 0.3,
        *,
        busy: bool = False,
        no_answer: bool = False,
        give_up_after_s: float = 2.0,
    ) -> None:
        """How the next ATD goes: answered after a while, busy, or never answered."""
        self.far = FarEnd(answer_after_s, busy, no_answer, 0.05, give_up_after_s)

    def set_registration(self, stat: int) -> None:
        self.registration = stat
        if self.creg_n >= 1:
            self.send_line(f"+CREG: {stat}")

    # -- hooks dialects override -------------------------------------------------------

    def on_remote_release(self, call: EmuCall, cause: int) -> None:
        """A call ended by the far end or the network (27.007: NO CARRIER if it was up)."""
        if call.stat == 0:
            self.send_line("NO CARRIER")
        elif call.outgoing:
            self.send_line({17: "BUSY", 19: "NO ANSWER"}.get(cause, "NO CARRIER"))

    def after_dial(self, call: EmuCall) -> list[str]:
        return []

    def on_alerting(self, call: EmuCall) -> None:
        pass

    def on_connected(self, call: EmuCall) -> None:
        """Our dial was answered."""

    def after_answer(self, call: EmuCall) -> list[str]:
        return []

    def after_local_release(self, calls: list[EmuCall]) -> list[str]:
        return []

    # -- answering commands ------------------------------------------------------------

    def answer(self, command: str) -> Reply:
        up = command.upper()
        for prefix, times in list(self.silent.items()):
            if times > 0 and up.startswith(prefix.upper()):
                self.silent[prefix] = times - 1
                return None  # the modem swallows it (tests of timeouts)
        handler = self._handler(up)
        return handler(command) if handler else super().answer(command)

    def _handler(self, up: str):
        table = [
            ("AT+CMEE=", self._cmee),
            ("AT+CPIN?", self._cpin_read),
            ("AT+CPIN=", self._cpin_set),
            ("AT+CGMI", lambda c: [self.manufacturer, "OK"]),
            ("AT+CGMM", lambda c: [self.model, "OK"]),
            ("AT+CGMR", lambda c: [self.revision, "OK"]),
            ("AT+CGSN", lambda c: [self.imei, "OK"]),
            ("ATI", self._ati),
            ("AT+CLIP=", self._clip_set),
            ("AT+CRC=", self._crc_set),
            ("AT+CREG=", self._creg_set),
            ("AT+CREG?", lambda c: [f"+CREG: {self.creg_n},{self.registration}", "OK"]),
            ("AT+CSQ", lambda c: [f"+CSQ: {self.csq[0]},{self.csq[1]}", "OK"]),
            ("AT+CLCC", self._clcc),
            ("ATA", self._ata),
            ("AT+CHUP", self._hangup),
            ("ATH", self._hangup),
            ("ATD", self._atd),
            ("AT+VTS=", self._vts),
        ]
        return next((h for prefix, h in table if up.startswith(prefix)), None)

    def cme(self, code: int) -> str:
        """An equipment error the way AT+CMEE asked for it (27.007 §9.1)."""
        if self.cmee == 2:
            return f"+CME ERROR: {CME_TEXT.get(code, 'unknown')}"
        if self.cmee == 1:
            return f"+CME ERROR: {code}"
        return "ERROR"

    def sim_state(self) -> str:
        if self.sim == "missing":
            return "MISSING"
        if self.sim == "puk" or self.pin_attempts <= 0:
            return "SIM PUK"
        if self.sim == "pin" and not self.unlocked:
            return "SIM PIN"
        return "READY"

    def _cmee(self, command: str) -> list[str]:
        value = command[len("AT+CMEE=") :]
        if value not in ("0", "1", "2"):
            return ["ERROR"]
        self.cmee = int(value)
        return ["OK"]

    def _cpin_read(self, command: str) -> list[str]:
        state = self.sim_state()
        if state == "MISSING":
            return [self.cme(10)]
        return [f"+CPIN: {state}", "OK"]

    def _cpin_set(self, command: str) -> list[str]:
        state = self.sim_state()
        if state == "MISSING":
            return [self.cme(10)]
        if state != "SIM PIN":
            return [self.cme(3)]
        given = command[len("AT+CPIN=") :].strip().strip('"')
        if given == self.sim_pin:
            self.unlocked = True
            return ["OK"]
        self.pin_attempts -= 1
        return [self.cme(16)]

    def _ati(self, command: str) -> list[str]:
        return [
            f"Manufacturer: {self.manufacturer}",
            f"Model: {self.model}",
            f"Revision: {self.revision}",
            f"IMEI: {self.imei}",
            "+GCAP: +CGSM,+DS,+ES",
            "OK",
        ]

    def _flag(self, command: str, prefix: str) -> int | None:
        value = command[len(prefix) :]
        return int(value) if value in ("0", "1", "2") else None

    def _clip_set(self, command: str) -> list[str]:
        value = self._flag(command, "AT+CLIP=")
        if value is None or value > 1:
            return ["ERROR"]
        self.clip = value == 1
        return ["OK"]

    def _crc_set(self, command: str) -> list[str]:
        value = self._flag(command, "AT+CRC=")
        if value is None or value > 1:
            return ["ERROR"]
        self.crc = value == 1
        return ["OK"]

    def _creg_set(self, command: str) -> list[str]:
        value = self._flag(command, "AT+CREG=")
        if value is None:
            return ["ERROR"]
        self.creg_n = value
        return ["OK"]

    def _clcc(self, command: str) -> list[str]:
        if self.sim_state() != "READY":
            return [self.cme(11 if self.sim_state() == "SIM PIN" else 10)]
        lines = []
        for c in self.calls:
            lines.append(
                f"+CLCC{self.colon}{c.call_id},{int(not c.outgoing)},{c.stat},0,0,"
                f'"{c.number}",{c.number_type}'
            )
        return [*lines, "OK"]

    def _ata(self, command: str) -> list[str]:
        ringing = next((c for c in self.calls if c.stat == 4), None)
        if ringing is None:
            return ["NO CARRIER"]
        ringing.stat = 0
        ringing.connected_at = self._now()
        return ["OK", *self.after_answer(ringing)]

    def _hangup(self, command: str) -> list[str]:
        gone, self.calls = self.calls, []
        return ["OK", *self.after_local_release(gone)]

    def _atd(self, command: str) -> list[str]:
        number = command[3:].strip()
        if not number.endswith(";"):
            return ["NO CARRIER"]  # a data call: not what this modem is for
        if self.sim_state() != "READY":
            return [self.cme(11 if self.sim_state() == "SIM PIN" else 10)]
        if self.registration not in (1, 5) or any(c.stat != 0 for c in self.calls):
            return ["NO CARRIER"]
        call = EmuCall(self._free_id(), True, 2, number[:-1])
        self.calls.append(call)
        self._spawn(self._far_end(call, self.far))
        return ["OK", *self.after_dial(call)]

    async def _far_end(self, call: EmuCall, far: FarEnd) -> None:
        await asyncio.sleep(far.alert_after_s)
        if call not in self.calls:
            return
        call.stat = 3
        self.on_alerting(call)
        if far.busy:
            await asyncio.sleep(0.1)
            return self._release(call, 17)
        if far.no_answer:
            await asyncio.sleep(far.give_up_after_s)
            return self._release(call, 19)
        if far.answer_after_s is None:
            return  # rings until the host gives up
        await asyncio.sleep(far.answer_after_s)
        if call in self.calls:
            call.stat = 0
            call.connected_at = self._now()
            self.on_connected(call)

    def _release(self, call: EmuCall, cause: int) -> None:
        if call in self.calls:
            self.calls.remove(call)
            self.on_remote_release(call, cause)

    def _vts(self, command: str) -> list[str]:
        digit = command[len("AT+VTS=") :].strip().strip('"')
        if len(digit) != 1 or digit.upper() not in "0123456789*#ABCD":
            return [self.cme(4)]
        if not any(c.stat == 0 for c in self.calls):
            return [self.cme(3)]
        self.dtmf_sent.append(digit)
        return ["OK"]

    # -- helpers ----------------------------------------------------------------------

    def _free_id(self) -> int:
        used = {c.call_id for c in self.calls}
        return next(i for i in range(1, 10) if i not in used)

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def unplug(self) -> None:
        super().unplug()
        for task in list(self._tasks):
            task.cancel()

    async def stop(self) -> None:
        self.unplug()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
