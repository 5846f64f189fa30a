"""A GSM line's life before and between calls: opening the modem, initialising it
(27.007 numbering), the SIM and its PIN, registration and signal, and recovering from
an unplugged or rebooted modem. A mixin of :class:`.core.GsmLine`, which keeps the
calls and their audio; both share the line's state.
"""

from __future__ import annotations

import asyncio
import contextlib

from ..at import AtChannel, AtCommandError, AtError, AtPortClosed, CmeError
from ..events import (
    Alarm,
    LineState,
    Registration,
    Signal,
)
from ..transport import serial_opener
from . import dialect as dialects
from .clcc import (
    ParseError,
    RegistrationInfo,
    parse_cpin,
    parse_creg,
    parse_csq,
)
from .dialect import Dialect


class GsmStartup:
    """Start-up and faults of :class:`.core.GsmLine` (see the module docstring)."""

    # -- life cycle ---------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self.set_state(LineState.INITIALISING)
        if not await self._bring_up():
            self._schedule_reconnect()

    async def stop(self) -> None:
        self._stopping = True
        current = asyncio.current_task()
        for task in list(self._tasks):
            if task is not current:
                task.cancel()
        self._initialised = False
        if self._call is not None:
            if self._at is not None:
                with contextlib.suppress(AtError):
                    await self._at.command("AT+CHUP", timeout=2.0)
            self._end_call("local", "line stopped", dial_result="cancelled")
        await self.stop_audio()
        await self._drop_port()
        self._down("stopped")

    async def _bring_up(self, *, report: bool = True) -> bool:
        """Open the port and initialise; False when the modem could not be reached.

        While reconnecting (``report=False``) a port that is still missing is only
        logged: the line already says why it is down.
        """
        try:
            await self._open()
        except Exception as exc:  # PortMissing, PortBusy, any OSError of the opener
            if report:
                self._down(f"cannot open the modem port: {exc}", alarm="modem_missing")
            else:
                self.log.info("modem port still unavailable: %s", exc)
            return False
        return await self._init_or_recover()

    async def _open(self) -> None:
        opener = self.opener or serial_opener(self.port)
        reader, writer, release = await opener()
        at = AtChannel(
            reader,
            writer,
            name=self.line_id,
            urc_prefixes=dialects.all_urc_prefixes(),
            on_urc=self._on_urc,
            on_closed=lambda reason: self._on_closed(at, reason),
            on_trace=self._trace,
        )
        self._at, self._release = at, release
        at.start()
        self.set_state(LineState.INITIALISING)

    def _trace(self, direction: str, data: bytes) -> None:
        if self.trace is not None:  # set any time (tracelog.TraceLog captures a replay log)
            self.trace(direction, data)

    async def _drop_port(self) -> None:
        at, release = self._at, self._release
        self._at = self._release = None
        if at is not None:
            await at.close()
        if release is not None:
            with contextlib.suppress(Exception):
                release()

    async def _init_or_recover(self) -> bool:
        try:
            await self._initialise()
            return True
        except AtPortClosed:
            return False  # _on_closed has taken over
        except AtError as exc:
            self.log.warning("initialisation failed: %s", exc)
            self._down("the modem does not answer AT commands", alarm="modem_not_answering")
            await self._drop_port()
            self._schedule_reconnect()
            return False
        except ValueError as exc:  # a config the modem cannot work with (unknown dialect)
            self._down(str(exc), alarm="config_error")
            return True
        except Exception as exc:  # a bug must not escape into the loop
            self.log.exception("initialisation failed")
            self._down(f"initialisation failed: {exc}", alarm="line_error")
            return True

    def _schedule_reconnect(self) -> None:
        if self._stopping or (self._reconnect_task and not self._reconnect_task.done()):
            return
        self._reconnect_task = self._spawn(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        attempt = 0
        while not self._stopping:
            delay = self.reconnect_backoff[min(attempt, len(self.reconnect_backoff) - 1)]
            attempt += 1
            await self.clock.sleep(delay)
            if self._stopping or self._at is not None:
                return
            self.log.info("reopening %s (attempt %d)", self.port, attempt)
            if await self._bring_up(report=False):
                return

    def _on_closed(self, at: AtChannel, reason: str) -> None:
        if at is not self._at or self._stopping:
            return  # a port we closed ourselves
        self.log.warning("modem port lost: %s", reason)
        self._at = None
        release, self._release = self._release, None
        if release is not None:
            with contextlib.suppress(Exception):
                release()
        self._initialised = False
        self._end_call("line", "modem unplugged")
        self._stop_audio_soon()
        self._down("modem unplugged", alarm="modem_unplugged", text=f"{self.port}: {reason}")
        self._schedule_reconnect()

    # -- initialisation ---------------------------------------------------------------

    async def _initialise(self) -> None:
        at = self._at
        if at is None:
            raise AtPortClosed("no port")
        self._initialising = True
        self._initialised = False
        try:
            await self._sync(at)
            await at.command("ATE0", timeout=self.command_timeout_s)
            await self._optional(at, "AT+CMEE=2")
            self.dialect = await self._identify(at)
            at.urc_prefixes = self.dialect.urc_prefixes
            if not await self._check_sim(at):
                return
            for command in ("AT+CLIP=1", "AT+CRC=1", "AT+CREG=1"):
                await self._optional(at, command)
            await self._read_registration(at)
            await self._read_signal(at)
            reason = await self.dialect.init(at)
            if reason:
                self._down(reason, alarm="modem_unsuitable")
                return
            self._initialised = True
            self._apply_readiness()
        finally:
            self._initialising = False

    async def _sync(self, at: AtChannel) -> None:
        """A plain AT until the modem answers (it may still be printing its boot lines)."""
        for attempt in range(3):
            try:
                await at.command("AT", timeout=1.0 + attempt)
                return
            except AtCommandError:
                return  # it answers, if oddly: good enough to go on
            except AtPortClosed:
                raise
            except AtError:
                continue
        await at.command("AT", timeout=self.command_timeout_s)

    async def _optional(self, at: AtChannel, command: str, **kw):
        """A command whose failure is logged and survived."""
        try:
            return await at.command(command, timeout=self.command_timeout_s, **kw)
        except AtPortClosed:
            raise
        except AtError as exc:
            self.log.warning("%s failed: %s", command, exc)
            return None

    async def _identify(self, at: AtChannel) -> Dialect:
        manufacturer = await self._info(at, "AT+CGMI", "+CGMI:")
        model = await self._info(at, "AT+CGMM", "+CGMM:")
        if not manufacturer or not model:
            response = await self._optional(at, "ATI")
            m, mo = dialects.identity_from_ati(response.lines if response else [])
            manufacturer, model = manufacturer or m, model or mo
        self.identity = (manufacturer, model)
        if self.dialect_name:
            cls = dialects.by_name(self.dialect_name)  # ValueError names the known ones
        else:
            cls = dialects.detect(manufacturer, model)
        self.log.info("modem %r %r: %s dialect", manufacturer, model, cls.name)
        return cls()

    async def _info(self, at: AtChannel, command: str, prefix: str) -> str:
        response = await self._optional(at, command)
        for line in response.lines if response else []:
            text = line[len(prefix) :] if line.startswith(prefix) else line
            text = text.strip().strip('"').strip()
            if text:
                return text
        return ""

    async def _check_sim(self, at: AtChannel) -> bool:
        """27.007 §8.3. True when the SIM is ready; else the line is DOWN saying why."""
        pin_sent = False
        code = "SIM busy"
        for _ in range(10):
            try:
                response = await at.command(
                    "AT+CPIN?", timeout=self.command_timeout_s, expect="+CPIN:"
                )
                lines = [ln for ln in response.lines if ln.startswith("+CPIN:")]
                code = parse_cpin(lines[0]) if lines else "UNKNOWN"
            except CmeError as exc:
                if exc.code == 10 or "not inserted" in exc.text.lower():
                    self._down("no SIM card", alarm="sim_missing")
                    return False
                if exc.code == 14 or "busy" in exc.text.lower():
                    await self.clock.sleep(1.0)
                    continue
                self._down(f"SIM problem: {exc.text or exc.final}", alarm="sim_error")
                return False
            except ParseError as exc:
                self.log.warning("unreadable +CPIN answer: %s", exc)
                code = "UNKNOWN"
            if code == "READY":
                return True
            if code == "SIM PIN" and not pin_sent:
                if self._pin_rejected:
                    self._down("SIM PIN is wrong", alarm="sim_pin_wrong")
                    return False
                if not self.pin:
                    self._down(
                        "SIM needs a PIN: set pin in the line's config", alarm="sim_pin_needed"
                    )
                    return False
                try:
                    await at.command(f'AT+CPIN="{self.pin}"', timeout=self.answer_timeout_s)
                except CmeError as exc:
                    if exc.code == 16 or "incorrect password" in exc.text.lower():
                        self._pin_rejected = True  # never again: a SIM locks after three
                        self._down("SIM PIN is wrong", alarm="sim_pin_wrong")
                    else:
                        self._down(f"SIM refused the PIN: {exc.text}", alarm="sim_error")
                    return False
                pin_sent = True
                continue
            if code.startswith("SIM PUK"):
                self._down(
                    "SIM is blocked: it needs its PUK (unblock it in a phone)", alarm="sim_puk"
                )
                return False
            await self.clock.sleep(1.0)  # PIN still being checked, or a state to wait out
        self._down(f"SIM not ready ({code})", alarm="sim_error")
        return False

    async def _read_registration(self, at: AtChannel) -> None:
        response = await self._optional(at, "AT+CREG?", expect="+CREG:")
        lines = [ln for ln in response.lines if ln.startswith("+CREG:")] if response else []
        try:
            info = parse_creg(lines[0], read=True) if lines else RegistrationInfo(4)
        except ParseError as exc:
            self.log.warning("unreadable +CREG answer: %s", exc)
            info = RegistrationInfo(4)
        self._update_registration(info)

    async def _read_signal(self, at: AtChannel) -> None:
        response = await self._optional(at, "AT+CSQ", expect="+CSQ:")
        for line in response.lines if response else []:
            if line.startswith("+CSQ:"):
                try:
                    self.emit(Signal, rssi_dbm=parse_csq(line).dbm)
                except ParseError as exc:
                    self.log.warning("unreadable +CSQ answer: %s", exc)
                return

    def _update_registration(self, info: RegistrationInfo) -> None:
        self.emit(Registration, status=info.status)
        self._registered = info.registered
        self._reg_reason = info.down_reason
        self._apply_readiness()

    def _apply_readiness(self) -> None:
        """READY or DOWN from what we know, when no call decides the state."""
        if not self._initialised or self._at is None or self._call is not None:
            return
        if self._registered:
            self._reason = None
            self.set_state(LineState.READY)
        else:
            self._down(self._reg_reason or "not registered")

    def _down(self, reason: str, *, alarm: str | None = None, text: str | None = None) -> None:
        if self.state == LineState.DOWN and self._reason == reason:
            return
        self._reason = reason
        self.set_state(LineState.DOWN, reason)
        if alarm:
            self.emit(Alarm, code=alarm, text=text or reason)
