"""A GSM voice modem as a phone line: the 3GPP TS 27.007 driver.

``GsmLine`` does what 27.007 defines for every modem and asks the modem's
dialect (``dialect.py``; detected from ``AT+CGMI``/``AT+CGMM``) for the rest:
vendor URCs, vendor init, and how call audio reaches the host.

* Init (27.007 numbering): ``ATE0``, ``AT+CMEE=2`` (errors in words), identity,
  ``AT+CPIN?`` (§8.3; a PIN from config is entered once, and never again after
  the SIM refused it: a SIM locks after three wrong PINs), ``AT+CLIP=1`` (§7.6),
  ``AT+CRC=1`` (§6.11), ``AT+CREG=1`` and ``AT+CREG?`` (§7.2), ``AT+CSQ`` (§8.5),
  then the dialect's own commands.
* Calls: ``RING``/``+CRING: VOICE`` make the line ring; the caller ID comes from the
  ``+CLIP`` that follows (``clip_wait_s`` at most), and ``IncomingCall`` is emitted
  once. ``+CLCC`` (§7.18), polled while a call rings or is up, is the truth: a call
  it no longer lists is over. ``NO CARRIER``/``BUSY`` and dialect codes (Huawei
  ``^CEND`` with its 24.008 cause) end calls sooner and say why.
* Faults become events: a closed port ends the call (``by="line"``), turns the line
  DOWN "modem unplugged", raises an ``Alarm`` and reopens the same (by-id) path with
  backoff; a dialect reboot marker ends the call ("modem restarted") and
  re-initialises; timeouts and garbage are logged and the channel resynchronises.

Start-up, the SIM, registration and recovery are in :mod:`.startup` (a mixin of
``GsmLine``); this module keeps the calls and their audio.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Coroutine
from dataclasses import dataclass

import numpy as np

from dsp_ext import DtmfDetector

from ...audio.soundcard import AudioLink
from ..at import CALL_RESULTS, AtChannel, AtCommandError, AtError, AtPortClosed, CmeError
from ..base import AudioSink, EventSink, LineDriver, LineError
from ..events import (
    Alarm,
    CallAnswered,
    CallEnded,
    CallerIdUpdate,
    CallProgress,
    DtmfReceived,
    IncomingCall,
    LineState,
)
from ..serial_audio import SerialAudioLink
from ..transport import PortOpener, serial_opener
from .clcc import (
    CallInfo,
    ParseError,
    cause_words,
    dial_result_for_cause,
    parse_clcc,
    parse_clip,
    parse_creg,
)
from .dialect import Alerting, CallSignal, Connected, Dialect, DtmfDigit, Ended, Originated
from .startup import GsmStartup

DTMF_KEYS = "0123456789*#ABCD"
_NUMBER = re.compile(r"^\+?[0-9*#]{1,40}$")
_RESULT_OF = {"BUSY": "busy", "NO ANSWER": "no_answer", "NO DIALTONE": "no_dialtone"}
_RESULT_OF["NO DIAL TONE"] = "no_dialtone"
_RESULT_WORDS = {
    "busy": "busy",
    "no_answer": "no answer",
    "no_carrier": "no carrier",
    "no_dialtone": "no dial tone",
    "cancelled": "cancelled",
    "failed": "the modem could not place the call",
}


@dataclass
class _Call:
    direction: str  # 'incoming' or 'outgoing'
    state: str  # 'ringing', 'dialing', 'alerting' or 'active'
    number: str | None = None
    name: str | None = None
    validity: str = "unavailable"
    call_id: int | None = None
    announced: bool = False
    hanging_up: bool = False  # we sent AT+CHUP: what the modem says next is its echo of that
    modem_dtmf: bool = False  # the modem reported a key: no DSP detection on this call


class GsmLine(GsmStartup, LineDriver):
    """One GSM modem (27.007 + its dialect) as a ``LineDriver``."""

    clip_wait_s = 1.0  # how long the first RING waits for its +CLIP
    command_timeout_s = 5.0
    answer_timeout_s = 15.0
    dial_command_timeout_s = 30.0
    settle_s = 0.5  # after a reboot marker, before talking to the modem again
    # A booting modem prints several markers (RDY, then +CPIN: READY seconds later);
    # within this long of one, the next is the same boot, not a second one.
    reboot_holdoff_s = 10.0

    def __init__(
        self,
        line_id: str,
        *,
        port: str,
        audio_port: str | None = None,
        pin: str | None = None,
        dialect: str | None = None,
        opener: PortOpener | None = None,
        audio_opener: PortOpener | None = None,
        audio_link: AudioLink | None = None,
        on_event: EventSink | None = None,
        on_audio: AudioSink | None = None,
        clock=None,
        reconnect_backoff: tuple[float, ...] = (1, 2, 5, 10, 30),
        poll_interval_s: float = 1.0,
    ) -> None:
        super().__init__(line_id, on_event=on_event, on_audio=on_audio, clock=clock)
        self.port = port
        self.audio_port = audio_port
        self.pin = pin
        self.dialect_name = dialect
        self.opener = opener
        self.audio_opener = audio_opener
        self.audio_link = audio_link  # a sound card on the modem's analogue audio pins
        self.reconnect_backoff = tuple(reconnect_backoff) or (1.0,)
        self.poll_interval_s = poll_interval_s
        self.dialect: Dialect | None = None
        self.identity = ("", "")
        self._at: AtChannel | None = None
        self._release = None
        self._reason: str | None = None
        self._call: _Call | None = None
        self._dial_result: asyncio.Future[str] | None = None
        self._audio: SerialAudioLink | _SoundCardAudio | None = None
        self._dtmf: DtmfDetector | None = None
        self._tasks: set[asyncio.Task] = set()
        self._poll_task: asyncio.Task | None = None
        self._clip_timer: asyncio.Task | None = None
        self._reconnect_task: asyncio.Task | None = None
        self._reinit_task: asyncio.Task | None = None
        self._last_reboot: float | None = None
        self._stopping = False
        self._initialising = False
        self._initialised = False
        self._registered = False
        self._reg_reason: str | None = None
        self._pin_rejected = False

    # -- unsolicited codes -----------------------------------------------------------

    def _on_urc(self, line: str) -> None:
        try:
            self._handle_urc(line)
        except Exception:  # one odd line must not stop the line
            self.log.exception("could not handle %r from the modem", line)

    def _handle_urc(self, line: str) -> None:
        d = self.dialect
        if d is not None:
            if d.is_reboot(line):
                self._on_reboot(line)
                return
            try:
                signal = d.interpret(line)
            except ParseError as exc:
                self.log.warning("malformed %s code: %s", d.name, exc)
                return
            if signal is not None:
                self._on_signal(signal)
                return
        if line == "RING" or line.startswith("+CRING:"):
            self._on_ring()
        elif line.startswith("+CLIP:"):
            self._on_clip(line)
        elif line in CALL_RESULTS:
            self._on_call_result(line)
        elif line.startswith("+CREG:"):
            try:
                self._update_registration(parse_creg(line))
            except ParseError as exc:
                self.log.warning("malformed +CREG: %s", exc)
        elif d is None:
            self.log.debug("line before the modem was identified: %r", line)
        else:
            self.log.info("unexpected line from the modem: %r", line)

    def _on_reboot(self, line: str) -> None:
        if self._initialising or self._at is None or self._stopping:
            return  # boot lines during our own init
        if self._reinit_task and not self._reinit_task.done():
            return
        now = self.clock.now()
        if self._last_reboot is not None and now - self._last_reboot < self.reboot_holdoff_s:
            self.log.debug("boot line %r of the restart already handled", line)
            return
        self._last_reboot = now
        self.log.warning("modem restarted (%r)", line)
        was_up = self._initialised
        self._initialised = False
        self._end_call("line", "modem restarted")
        self._stop_audio_soon()
        if was_up:
            self.emit(Alarm, code="modem_restarted", text=f"the modem restarted ({line})")
        # while down (no SIM, say) the same lines mean the modem is ready to try again
        self._reason = "modem restarted" if was_up else None
        self.set_state(LineState.INITIALISING, self._reason)
        self._reinit_task = self._spawn(self._reinit())

    async def _reinit(self) -> None:
        self._initialising = True  # its remaining boot lines are not a second reboot
        try:
            await self.clock.sleep(self.settle_s)
        finally:
            self._initialising = False
        if self._at is not None and not self._stopping:
            await self._init_or_recover()

    # -- calls: ringing ------------------------------------------------------------------

    def _on_ring(self) -> None:
        call = self._call
        if call is None:
            self._call = call = _Call("incoming", "ringing")
            self.set_state(LineState.RINGING)
            self._clip_timer = self._spawn(self._announce_later(call))
            self._ensure_polling()
        elif call.state != "ringing":
            self.log.info("RING during a call ignored (call waiting is not supported)")

    async def _announce_later(self, call: _Call) -> None:
        await self.clock.sleep(self.clip_wait_s)
        if self._call is call and not call.announced:
            self._announce(call)

    def _announce(self, call: _Call) -> None:
        call.announced = True
        timer, self._clip_timer = self._clip_timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        self.emit(IncomingCall, number=call.number, name=call.name, validity=call.validity)

    def _on_clip(self, line: str) -> None:
        try:
            info = parse_clip(line)
        except ParseError as exc:
            self.log.warning("malformed +CLIP: %s", exc)
            return
        if self._call is None:
            self._on_ring()  # +CLIP before RING: some modems do
        call = self._call
        if call is None or call.direction != "incoming" or call.state != "ringing":
            return
        new = (info.number, info.name, info.validity)
        if not call.announced:
            call.number, call.name, call.validity = new
            self._announce(call)
        elif new != (call.number, call.name, call.validity):
            call.number, call.name, call.validity = new
            self.emit(CallerIdUpdate, number=info.number, name=info.name, validity=info.validity)

    # -- calls: what the modem says about them -------------------------------------------

    def _on_call_result(self, line: str) -> None:
        call = self._call
        if call is None or call.hanging_up:
            return
        if call.direction == "outgoing" and call.state != "active":
            self._finish_dial(call, _RESULT_OF.get(line, "no_carrier"))
        elif call.state == "ringing":
            self._end_call("remote", "caller hung up before answer")
        else:
            self._end_call("remote", "normal")

    def _on_signal(self, signal: CallSignal) -> None:
        call = self._call
        if call is None or (call.hanging_up and isinstance(signal, Ended)):
            return
        if isinstance(signal, Originated) and call.direction == "outgoing":
            call.call_id = signal.call_id
        elif isinstance(signal, Alerting) and call.direction == "outgoing":
            self._alerting(call)
        elif isinstance(signal, Connected) and call.direction == "outgoing":
            self._answered_outgoing(call)
        elif isinstance(signal, Ended):
            if call.call_id is not None and signal.call_id != call.call_id:
                return
            if call.direction == "outgoing" and call.state != "active":
                result = dial_result_for_cause(signal.cause)
                words = cause_words(signal.cause) if signal.cause else None
                self._finish_dial(call, result, cause=words, code=signal.cause)
            elif call.state == "ringing":
                self._end_call("remote", "caller hung up before answer", signal.cause)
            else:
                words = signal.detail if signal.cause is None else cause_words(signal.cause)
                self._end_call("remote", words or "normal", signal.cause)
        elif isinstance(signal, DtmfDigit) and call.state == "active":
            call.modem_dtmf = True
            self._dtmf = None  # the modem hears keys itself: the DSP would report them twice
            self.emit(DtmfReceived, digit=signal.digit, source="modem")

    def _ensure_polling(self) -> None:
        if self._poll_task is None or self._poll_task.done():
            self._poll_task = self._spawn(self._poll_loop())

    async def _poll_loop(self) -> None:
        """27.007 §7.18: +CLCC while a call rings or is up; what it lists is the truth."""
        while self._call is not None and not self._stopping:
            await self.clock.sleep(self.poll_interval_s)
            call, at = self._call, self._at
            if call is None or at is None:
                return
            try:
                response = await at.command(
                    "AT+CLCC", timeout=self.command_timeout_s, expect="+CLCC:"
                )
            except AtPortClosed:
                return
            except AtError as exc:
                self.log.warning("AT+CLCC failed: %s", exc)
                continue
            if self._call is call and not call.hanging_up:
                self._reconcile(call, response.lines)

    def _reconcile(self, call: _Call, lines: list[str]) -> None:
        listed: list[CallInfo] = []
        for line in lines:
            if line.startswith("+CLCC:"):
                try:
                    listed.append(parse_clcc(line))
                except ParseError as exc:
                    self.log.warning("malformed +CLCC: %s", exc)
        mine = self._match(call, [c for c in listed if c.is_voice])
        if mine is None:
            if call.state == "ringing":
                self._end_call("remote", "caller hung up before answer")
            elif call.direction == "outgoing" and call.state != "active":
                self._finish_dial(call, "no_carrier")
            else:
                self._end_call("remote", "normal")
            return
        call.call_id = mine.call_id
        if call.direction == "outgoing" and call.state != "active":
            if mine.state == "alerting":
                self._alerting(call)
            elif mine.state == "active":
                self._answered_outgoing(call)

    @staticmethod
    def _match(call: _Call, listed: list[CallInfo]) -> CallInfo | None:
        if call.call_id is not None:
            return next((c for c in listed if c.call_id == call.call_id), None)
        outgoing = call.direction == "outgoing"
        return next((c for c in listed if c.outgoing == outgoing), None)

    # -- calls: actions -------------------------------------------------------------------

    def _require_at(self) -> AtChannel:
        if self._at is None:
            raise LineError(f"{self.line_id}: the modem is not connected ({self._reason})")
        return self._at

    async def answer(self) -> None:
        call = self._call
        if call is None or call.direction != "incoming" or call.state != "ringing":
            raise LineError(f"{self.line_id}: no ringing call to answer")
        if not call.announced:
            self._announce(call)
        at = self._require_at()
        try:
            response = await at.command("ATA", timeout=self.answer_timeout_s, call_result=True)
        except AtError as exc:
            raise LineError(f"{self.line_id}: the modem could not answer: {exc}") from None
        if self._call is not call:
            raise LineError(f"{self.line_id}: the call ended before it was answered")
        if response.final != "OK":
            self._end_call("remote", "caller hung up before answer")
            raise LineError(f"{self.line_id}: the caller hung up before the call was answered")
        call.state = "active"
        self.set_state(LineState.IN_CALL)
        self.emit(CallAnswered, direction="incoming")

    async def hangup(self) -> None:
        call = self._call
        if call is None:
            raise LineError(f"{self.line_id}: no call to hang up")
        await self._hang_up_modem(call)
        if self._call is call:
            if call.direction == "outgoing" and call.state != "active":
                self._finish_dial(call, "cancelled", by="local")
            else:
                self._end_call("local", "rejected" if call.state == "ringing" else "normal")

    async def _hang_up_modem(self, call: _Call) -> None:
        call.hanging_up = True
        at = self._at
        if at is None:
            return
        try:
            await at.command("AT+CHUP", timeout=self.command_timeout_s)
        except AtCommandError:
            with contextlib.suppress(AtError):
                await at.command("ATH", timeout=self.command_timeout_s)
        except AtError as exc:
            self.log.warning("AT+CHUP failed: %s", exc)

    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        number = number.strip().replace(" ", "")
        if not _NUMBER.match(number):
            raise LineError(f"{self.line_id}: {number!r} is not a number to dial")
        if self._call is not None:
            raise LineError(f"{self.line_id}: the line is busy with a call")
        if self.state != LineState.READY:
            raise LineError(
                f"{self.line_id}: cannot dial, the line is {self.state} ({self._reason})"
            )
        at = self._require_at()
        call = self._call = _Call("outgoing", "dialing", number=number, validity="valid")
        result = self._dial_result = asyncio.get_running_loop().create_future()
        self.set_state(LineState.IN_CALL)
        self._ensure_polling()
        timer = self._spawn(self._dial_timeout(call, timeout_s))
        try:
            response = await at.command(
                f"ATD{number};", timeout=self.dial_command_timeout_s, call_result=True
            )
            if response.final != "OK":
                self._finish_dial(call, _RESULT_OF.get(response.final, "no_carrier"))
        except CmeError as exc:
            self._finish_dial(call, "failed", cause=f"the modem refused the call: {exc.text}")
        except AtPortClosed:
            pass  # the call was ended by the unplug
        except AtError as exc:  # no answer to ATD: make sure no half-made call lingers
            await self._hang_up_modem(call)
            self._finish_dial(call, "failed", cause=f"the modem could not dial: {exc}")
        try:
            return await result
        finally:
            timer.cancel()
            if self._dial_result is result:
                self._dial_result = None

    async def _dial_timeout(self, call: _Call, timeout_s: float) -> None:
        await self.clock.sleep(timeout_s)
        if self._call is call and call.state != "active":
            await self._hang_up_modem(call)
            self._finish_dial(
                call, "timeout", by="local", cause=f"no answer within {timeout_s:g} s"
            )

    def _alerting(self, call: _Call) -> None:
        if call.state == "dialing":
            call.state = "alerting"
            self.emit(CallProgress, result="ringing")

    def _answered_outgoing(self, call: _Call) -> None:
        if call.state == "active":
            return
        call.state = "active"
        if self._dial_result is not None and not self._dial_result.done():
            self._dial_result.set_result("answered")
        self.emit(CallAnswered, direction="outgoing")

    def _finish_dial(
        self,
        call: _Call,
        result: str,
        *,
        by: str = "remote",
        cause: str | None = None,
        code: int | None = None,
    ) -> None:
        if self._call is not call:
            return
        self.emit(CallProgress, result=result)
        self._end_call(by, cause or _RESULT_WORDS.get(result, result), code, dial_result=result)

    def _end_call(
        self, by: str, cause: str, code: int | None = None, *, dial_result: str = "no_carrier"
    ) -> None:
        """The one way a call ends: exactly one CallEnded per call."""
        call = self._call
        if call is None:
            return
        self._call = None
        timer, self._clip_timer = self._clip_timer, None
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        if self._dial_result is not None and not self._dial_result.done():
            self._dial_result.set_result(dial_result)
        self._stop_audio_soon()
        self.emit(CallEnded, by=by, cause=cause, code=code)
        self._apply_readiness()

    async def send_dtmf(self, digits: str) -> None:
        """27.007 §C.2.11: one ``AT+VTS=<key>`` per key."""
        call = self._call
        if call is None or call.state != "active":
            raise LineError(f"{self.line_id}: no call to send DTMF on")
        bad = [d for d in digits if d.upper() not in DTMF_KEYS]
        if bad:
            raise LineError(f"{self.line_id}: {''.join(bad)!r} are not DTMF keys (0-9 * # A-D)")
        at = self._require_at()
        for digit in digits.upper():
            try:
                await at.command(f"AT+VTS={digit}", timeout=self.command_timeout_s)
            except AtError as exc:
                raise LineError(
                    f"{self.line_id}: the modem did not send {digit!r}: {exc}"
                ) from None

    # -- audio --------------------------------------------------------------------------

    async def start_audio(self) -> None:
        call, d = self._call, self.dialect
        if call is None or call.state != "active":
            raise LineError(f"{self.line_id}: no call in progress")
        if d is None or not (d.has_audio or self.audio_link is not None):
            name = d.name if d else "unknown"
            raise LineError(
                f"{self.line_id}: this modem ({name} dialect) gives the host no call audio"
            )
        if self._audio is not None and self._audio.running:
            return
        opener = self.audio_opener or (serial_opener(self.audio_port) if self.audio_port else None)
        if opener is None and self.audio_link is None:
            raise LineError(f"{self.line_id}: set audio_port in the line's config (the voice tty)")
        try:
            await d.route_audio(self._require_at())
        except AtError as exc:
            raise LineError(f"{self.line_id}: the modem would not route audio: {exc}") from None
        link: SerialAudioLink | _SoundCardAudio
        if self.audio_link is not None:
            link = _SoundCardAudio(self.audio_link, self._on_frame, self._on_audio_lost)
        else:
            assert opener is not None
            link = SerialAudioLink(
                opener,
                on_frame=self._on_frame,
                frame_bytes=d.audio_frame_bytes,
                name=f"{self.line_id}.audio",
            )
        try:
            await link.start()
        except Exception as exc:
            raise LineError(f"{self.line_id}: cannot open the audio port: {exc}") from None
        if self._call is not call:
            await link.stop()
            raise LineError(f"{self.line_id}: the call ended while its audio started")
        self._audio = link
        self._dtmf = None if (d.reports_dtmf or call.modem_dtmf) else DtmfDetector(sample_rate=8000)

    async def stop_audio(self) -> None:
        link, self._audio = self._audio, None
        self._dtmf = None
        if link is not None:
            await link.stop()
            release = getattr(self.dialect, "release_audio", None)  # SIM7600: AT+CPCMREG=0
            if release is not None and self._at is not None and isinstance(link, SerialAudioLink):
                with contextlib.suppress(AtError):
                    await release(self._at)

    def _on_audio_lost(self, reason: str) -> None:
        self.log.warning("call audio lost: %s", reason)
        self.emit(Alarm, code="audio_lost", text=f"call audio lost: {reason}")
        self._stop_audio_soon()

    def _stop_audio_soon(self) -> None:
        if self._audio is not None:
            self._spawn(self.stop_audio())

    def play(self, frame: np.ndarray) -> None:
        if self._audio is not None:
            self._audio.play(frame)

    def _on_frame(self, frame: np.ndarray) -> None:
        try:
            self.on_audio(frame)
        except Exception:
            self.log.exception("audio consumer failed")
        detector = self._dtmf
        if detector is not None:
            for event in detector.process(frame):
                self.emit(DtmfReceived, digit=event.digit, source="dsp")

    # -- tasks ----------------------------------------------------------------------

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log.error("background task failed", exc_info=task.exception())


class _SoundCardAudio:
    """An ``AudioLink`` (a sound card on the modem's analogue pins) as the call's audio."""

    def __init__(self, link: AudioLink, on_frame, on_error) -> None:
        self.link, self.on_frame, self.on_error = link, on_frame, on_error
        self.running = False

    async def start(self) -> None:
        await self.link.start(self.on_frame, self._lost)
        self.running = True

    def _lost(self, reason: str) -> None:
        if self.running:
            self.running = False
            self.on_error(reason)

    async def stop(self) -> None:
        self.running = False
        await self.link.stop()  # also after a loss: the device must be closed

    def play(self, frame: np.ndarray) -> None:
        self.link.play(frame)
