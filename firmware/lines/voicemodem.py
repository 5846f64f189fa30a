"""Analog phone lines through ITU-T V.253 voice modems (USRobotics 5637, Conexant parts).

The modem in voice mode (``AT+FCLASS=8``) reports ``RING`` and the caller ID
between the first and second ring (``AT+VCID=1``, see :mod:`.vcid`). ``answer()``
takes the line off-hook (``AT+VLS=1``) and opens the full-duplex voice state
(``AT+VTR`` → ``CONNECT``) where the modem has one; otherwise it listens with
``AT+VRX`` and switches to ``AT+VTX`` while there is something to play. In those
states audio and events share one DLE-shielded stream (:mod:`.dle`): the decoder
turns it into 20 ms frames for ``on_audio`` and into events (``<DLE>5`` a key,
``<DLE>l`` the caller hung up, ``<DLE>b`` busy tone, …).

The compression method is chosen from the modem's own list (``AT+VSM=?``): codes
differ per modem, so the driver looks for µ-law, A-law or 8-bit linear by name.

Results that V.250 does not count as final (``VCON`` after a voice dial, the
``OK`` that follows ``<DLE><ETX>``) arrive while no command is in flight, so the
AT channel hands them over as unsolicited lines and the driver waits for them
itself (:meth:`VoiceModemLine._expect`).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import deque
from collections.abc import Iterable

import numpy as np

import dsp_ext

from . import dle
from .at import AtChannel, AtCommandError, AtError
from .base import FRAME_SAMPLES, AudioSink, EventSink, LineDriver, LineError
from .events import (
    Alarm,
    CallAnswered,
    CallEnded,
    CallerIdUpdate,
    CallProgress,
    DtmfReceived,
    IncomingCall,
    LineState,
)
from .transport import PortOpener, serial_opener
from .vcid import TAGS, CallerIdCollector, is_caller_id_line
from .voiceformat import (
    PROFILES,
    VoiceFormat,
    VoiceModemProfile,
    choose_format,
    decode,
    encode,
    parse_vsm_list,
    profile_for,
)

# -- the driver ------------------------------------------------------------------------

#: DLE events that end the call, and the words CallEnded carries
REMOTE_END = {
    "loop_break": "loop current break: caller hung up",
    "busy": "busy tone",
    "dial_tone": "dial tone",
    "silence": "silence",
}
#: final lines of a voice dial (V.253 §10.x call progress) and what dial() returns
DIAL_RESULTS = {
    "VCON": "answered",
    "OK": "answered",
    "BUSY": "busy",
    "NO DIALTONE": "no_dialtone",
    "NO DIAL TONE": "no_dialtone",
    "NO ANSWER": "no_answer",
    "NO CARRIER": "no_carrier",
    "ERROR": "error",
}
CID_QUIET_S = 0.3  # caller ID lines come in one burst; this long without one ends it
PLAY_QUEUE_FRAMES = 50  # 1 s towards the caller; older frames are dropped beyond it


class VoiceModemLine(LineDriver):
    """One analog line on a V.253 voice modem.

    ``answer_after_rings``: ``answer()`` waits until this many rings have been seen,
    so the caller ID between the first and second ring is not cut off.
    ``profile``: a name from :data:`PROFILES` (or a profile) instead of detection.
    """

    def __init__(
        self,
        line_id: str,
        *,
        port: str,
        opener: PortOpener | None = None,
        compression: str = "ulaw",
        answer_after_rings: int = 2,
        on_event: EventSink | None = None,
        on_audio: AudioSink | None = None,
        clock=None,
        profile: str | VoiceModemProfile | None = None,
        reconnect_backoff: tuple[float, ...] = (1, 2, 5, 10, 30),
        ring_timeout_s: float = 8.0,
        command_timeout_s: float = 5.0,
    ) -> None:
        super().__init__(line_id, on_event=on_event, on_audio=on_audio, clock=clock)
        if compression not in ("ulaw", "alaw", "linear8"):
            raise ValueError(f"compression {compression!r}: expected 'ulaw', 'alaw' or 'linear8'")
        self.port = port
        self._opener = opener or serial_opener(port)
        self.compression = compression
        self.answer_after_rings = max(1, answer_after_rings)
        self._profile_override = PROFILES[profile] if isinstance(profile, str) else profile
        self.profile: VoiceModemProfile = self._profile_override or PROFILES["generic"]
        self.reconnect_backoff = tuple(reconnect_backoff) or (1.0,)
        self.ring_timeout_s = ring_timeout_s
        self.command_timeout_s = command_timeout_s
        self.identity = ""
        self.format: VoiceFormat | None = None
        self.duplex = False
        self._ch: AtChannel | None = None
        self._release = None
        self._stopping = False
        self._ops = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()
        self._reconnect: asyncio.Task | None = None
        self._waiter: tuple[frozenset[str], asyncio.Future] | None = None
        self._reset_call()

    def _reset_call(self) -> None:
        self._rings = 0
        self._ring_seen = asyncio.Event()
        self._cid = CallerIdCollector()
        self._announced = False
        self._ring_timer: asyncio.Task | None = None
        self._cid_timer: asyncio.Task | None = None
        self._in_call = False
        self._stream = ""  # '', 'duplex', 'rx' or 'tx'
        self._decoder = dle.DleDecoder()
        self._rx = bytearray()
        self._play: deque[np.ndarray] = deque(maxlen=PLAY_QUEUE_FRAMES)
        self._audio_on = False
        self._sender: asyncio.Task | None = None
        self._dsp = None

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._stopping = False
        self._reset_call()
        self.set_state(LineState.INITIALISING)
        try:
            await self._open_and_init()
        except Exception as exc:  # any failure becomes DOWN + a retry, never an escape
            self._went_down(f"cannot initialise the modem on {self.port}: {exc}")

    async def stop(self) -> None:
        self._stopping = True
        if self._reconnect:
            self._reconnect.cancel()
        if self._in_call and self._ch and not self._ch.closed:
            with contextlib.suppress(AtError, asyncio.TimeoutError):
                await asyncio.wait_for(self._leave_call(), 3.0)
            self._call_over("local", "line stopped")
        await self._close_port()
        self.set_state(LineState.DOWN, "stopped")

    async def _open_and_init(self) -> None:
        reader, writer, release = await self._opener()
        ch = AtChannel(
            reader,
            writer,
            name=self.line_id,
            urc_prefixes=(*TAGS, "RING", "VCON"),
            on_urc=self._on_line,
            on_trace=self.trace,
        )
        ch.on_closed = lambda reason: self._on_closed(ch, reason)
        ch.set_raw_sink(self._on_raw)
        self._ch, self._release = ch, release
        ch.start()
        try:
            await self._init_modem()
        except BaseException:
            await self._close_port()
            raise
        self._reset_call()
        self.set_state(LineState.READY)

    async def _close_port(self) -> None:
        me = asyncio.current_task()
        for task in list(self._tasks):
            if task is not me:
                task.cancel()
        ch, self._ch = self._ch, None
        if ch is not None:
            await ch.close()
        release, self._release = self._release, None
        if release is not None:
            with contextlib.suppress(Exception):
                release()

    async def _init_modem(self) -> None:
        cmd = self._cmd
        await cmd("ATZ")
        await cmd("ATE0")
        await self._identify()
        await cmd("AT+FCLASS=8")
        for mode in ("1", "2"):  # formatted caller ID, else the hex form
            try:
                await cmd(f"AT+VCID={mode}")
                break
            except AtCommandError:
                self.log.info("modem refuses AT+VCID=%s", mode)
        methods = parse_vsm_list((await cmd("AT+VSM=?")).lines)
        self.format = choose_format(methods, self.compression)
        if self.format is None:
            raise LineError(f"the modem offers no µ-law, A-law or 8-bit linear voice ({methods})")
        if self.format.codec.removesuffix("u").removesuffix("s") != self.compression:
            self.log.warning("modem has no %s; using %s", self.compression, self.format.label)
        await cmd(f"AT+VSM={self.format.cml},8000")
        try:
            await cmd("AT+VTR=?")
            self.duplex = True
        except AtCommandError:
            self.duplex = False  # half duplex: VRX to listen, VTX to speak
        for optional in ("AT+VIT=0", "AT+VLS=0"):  # we supervise the call ourselves
            with contextlib.suppress(AtCommandError):
                await cmd(optional)

    async def _identify(self) -> None:
        parts = []
        for query in ("AT+GMI", "AT+GMM"):
            with contextlib.suppress(AtCommandError):
                parts += (await self._cmd(query)).lines
        if not parts:
            with contextlib.suppress(AtCommandError):
                parts += (await self._cmd("ATI3")).lines
        self.identity = " ".join(parts).strip()
        self.profile = self._profile_override or profile_for(self.identity)
        self.log.info("modem %r, profile %s", self.identity, self.profile.name)

    async def _cmd(self, command: str, **kw):
        if self._ch is None:
            raise LineError(f"{self.line_id}: modem is not open")
        return await self._ch.command(command, kw.pop("timeout", self.command_timeout_s), **kw)

    # -- faults ---------------------------------------------------------------------------

    def _on_closed(self, ch: AtChannel, reason: str) -> None:
        if self._stopping or ch is not self._ch:
            return  # our own close, or an old channel
        self._call_over("line", f"modem lost: {reason}")
        self._went_down(f"modem port closed: {reason}")

    def _went_down(self, reason: str) -> None:
        self._call_over("line", reason)
        self.set_state(LineState.DOWN, reason)
        self.emit(Alarm, code="modem_down", text=f"{self.port}: {reason}")
        self._spawn(self._close_port())
        if not self._stopping and (self._reconnect is None or self._reconnect.done()):
            self._reconnect = asyncio.get_running_loop().create_task(self._reconnect_loop())

    async def _reconnect_loop(self) -> None:
        attempt = 0
        last = ""
        while not self._stopping:
            delay = self.reconnect_backoff[min(attempt, len(self.reconnect_backoff) - 1)]
            attempt += 1
            await self.clock.sleep(delay)
            if self._stopping:
                return
            try:
                await self._open_and_init()
                self.log.info("modem back after %d attempt(s)", attempt)
                return
            except Exception as exc:
                self.log.warning("reconnect %d failed: %s", attempt, exc)
                reason = f"modem not back yet: {exc}"
                if reason != last:
                    self.set_state(LineState.DOWN, reason)
                last = reason

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log.error("line task failed", exc_info=task.exception())

    # -- lines while no command is in flight -----------------------------------------------

    def _expect(self, finals: Iterable[str]) -> asyncio.Future:
        """A future for the next of ``finals`` seen as an unsolicited line."""
        fut = asyncio.get_running_loop().create_future()
        self._waiter = (frozenset(finals), fut)
        return fut

    def _on_line(self, line: str) -> None:
        if self._waiter and line in self._waiter[0] and not self._waiter[1].done():
            self._waiter[1].set_result(line)
            self._waiter = None
            return
        if line == "RING":
            self._on_ring()
        elif is_caller_id_line(line) and self.state in (LineState.READY, LineState.RINGING):
            self._on_caller_id(line)
        elif line.startswith("AT"):
            pass  # our own echo
        else:
            self.log.info("unexpected line from the modem: %r", line)

    def _on_ring(self) -> None:
        if self.state not in (LineState.READY, LineState.RINGING):
            self.log.info("RING while %s: ignored", self.state.value)
            return
        self._rings += 1
        if self._ring_timer:
            self._ring_timer.cancel()
        self._ring_timer = self._spawn(self._ring_watch())
        if self.state == LineState.READY:
            self.set_state(LineState.RINGING)
        if not self._announced and (not self._cid.report.empty or self._rings >= 2):
            self._announce()
        self._ring_seen.set()

    def _on_caller_id(self, line: str) -> None:
        self._cid.feed(line)
        if self._cid_timer:
            self._cid_timer.cancel()
        if self._rings or self._announced:
            self._cid_timer = self._spawn(self._cid_quiet())

    async def _cid_quiet(self) -> None:
        await self.clock.sleep(CID_QUIET_S)
        if not self._announced:
            self._announce()
        else:
            r = self._cid.report
            self.emit(CallerIdUpdate, number=r.number, name=r.name, validity=r.validity)

    def _announce(self) -> None:
        self._announced = True
        if self._cid_timer:
            self._cid_timer.cancel()
        r = self._cid.report
        self.emit(IncomingCall, number=r.number, name=r.name, validity=r.validity)

    async def _ring_watch(self) -> None:
        await self.clock.sleep(self.ring_timeout_s)
        if self.state == LineState.RINGING and not self._in_call:
            if not self._announced:
                self._announce()
            self.emit(CallEnded, by="remote", cause="caller hung up before answer")
            self._reset_call()
            self.set_state(LineState.READY)

    # -- calls ------------------------------------------------------------------------------

    async def answer(self) -> None:
        if self.state != LineState.RINGING:
            raise LineError(f"{self.line_id}: nothing to answer (line is {self.state.value})")
        while self._rings < self.answer_after_rings and self.state == LineState.RINGING:
            self._ring_seen = asyncio.Event()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ring_seen.wait(), self.ring_timeout_s)
        if self.state != LineState.RINGING:
            raise LineError(f"{self.line_id}: the caller hung up before the answer")
        if not self._announced:
            self._announce()
        if self._ring_timer:
            self._ring_timer.cancel()
        self._in_call = True
        try:
            async with self._ops:
                await self._cmd("AT+VLS=1")  # off-hook, the line to the modem
                await self._open_stream("duplex" if self.duplex else "rx")
        except (AtError, LineError) as exc:
            await self._fail_call(f"answer failed: {exc}")
            raise LineError(f"{self.line_id}: answer failed: {exc}") from exc
        self.set_state(LineState.IN_CALL)
        self.emit(CallAnswered, direction="incoming")

    async def hangup(self) -> None:
        if self.state == LineState.RINGING and not self._in_call:
            async with self._ops:  # reject: off-hook and straight back on
                with contextlib.suppress(AtError):
                    await self._cmd("AT+VLS=1")
                with contextlib.suppress(AtError):
                    await self._cmd("ATH0")
            self.emit(CallEnded, by="local", cause="rejected")
            self._reset_call()
            self.set_state(LineState.READY)
            return
        if not self._in_call:
            raise LineError(f"{self.line_id}: no call to hang up")
        await self._end_call("local", "normal")

    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        if self.state != LineState.READY or self._ch is None:
            raise LineError(f"{self.line_id}: cannot dial while {self.state.value}")
        if not re.fullmatch(r"[0-9*#,ABCDabcdWw!@]+", number):
            raise LineError(f"{self.line_id}: not a dialable number: {number!r}")
        async with self._ops:
            fut = self._expect(DIAL_RESULTS)
            self._ch.write_raw(f"ATDT{number}\r".encode("ascii"))
            try:
                line = await asyncio.wait_for(fut, timeout_s)
            except TimeoutError:
                line = None
                self._ch.write_raw(b"\r")  # any character aborts a dial (V.250 6.3.1)
            result = DIAL_RESULTS.get(line, "timeout") if line else "timeout"
            self.emit(CallProgress, result=result)
            if result != "answered":
                with contextlib.suppress(AtError):
                    await self._cmd("ATH0")
                return result
            self._in_call = True
            failure = None
            try:
                await self._open_stream("duplex" if self.duplex else "rx")
            except (AtError, LineError) as exc:
                failure = str(exc)
        if failure is not None:
            await self._fail_call(f"voice state after dial failed: {failure}")
            return "error"
        self.set_state(LineState.IN_CALL)
        self.emit(CallAnswered, direction="outgoing")
        return result

    async def _fail_call(self, cause: str) -> None:
        async with self._ops:
            with contextlib.suppress(AtError, LineError):
                await self._leave_call()
        self._call_over("line", cause)
        if self._ch is not None and not self._ch.closed:
            self.set_state(LineState.READY)

    async def _end_call(self, by: str, cause: str) -> None:
        if not self._in_call:
            return
        async with self._ops:
            try:
                await self._leave_call()
            except (AtError, LineError) as exc:
                self.log.warning("hang-up did not complete cleanly: %s", exc)
        self._call_over(by, cause)
        if self._ch is not None and not self._ch.closed:
            self.set_state(LineState.READY)

    def _call_over(self, by: str, cause: str) -> None:
        """Emit CallEnded once for the call (whoever notices first)."""
        if self._in_call:
            self._in_call = False
            self.emit(CallEnded, by=by, cause=cause)
        if self._sender:
            self._sender.cancel()
        self._reset_call()

    async def _leave_call(self) -> None:
        if self._sender and self._sender is not asyncio.current_task():
            self._sender.cancel()
        await self._close_stream()
        await self._cmd("ATH0")

    # -- the voice data states -------------------------------------------------------------

    async def _open_stream(self, mode: str) -> None:
        """Enter VTR/VRX/VTX; the modem says CONNECT and the stream begins."""
        command = {"duplex": "AT+VTR", "rx": "AT+VRX", "tx": "AT+VTX"}[mode]
        self._decoder.reset(audio=mode != "tx")
        self._rx.clear()
        self._stream = mode
        try:
            await self._cmd(command, data_mode=True)
        except BaseException:
            self._stream = ""
            raise
        if self.format and not self.profile.dtmf_by_modem and self._dsp is None:
            self._dsp = dsp_ext.DtmfDetector()
        if self._sender is None or self._sender.done():
            self._sender = self._spawn(self._send_loop())

    async def _close_stream(self) -> None:
        """End the data state: <DLE><ETX> (or <DLE>! when receiving), then OK."""
        if not self._stream or self._ch is None:
            return
        done = self._expect(("OK", "VCON"))
        self._ch.write_raw(dle.ABORT_RX if self._stream == "rx" else dle.END_TX)
        try:
            await asyncio.wait_for(asyncio.shield(done), 3.0)
        except TimeoutError:
            self.log.warning("no OK after ending the %s stream; aborting", self._stream)
            self._ch.write_raw(dle.ABORT_RX + dle.END_TX)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done, 2.0)
        self._stream = ""

    def _on_raw(self, data: bytes) -> int | None:
        """The AT channel's raw sink: everything the modem sends in a data state."""
        got = self._decoder.feed(data)
        for item in got.items:
            try:
                if isinstance(item, bytes):
                    self._on_audio_bytes(item)
                else:
                    self._on_dle(item)
            except Exception:  # a consumer's bug must not stop the stream
                self.log.exception("handling %r failed", item)
        return got.used

    def _on_audio_bytes(self, chunk: bytes) -> None:
        if self.format is None:
            return
        self._rx += chunk
        while len(self._rx) >= FRAME_SAMPLES:
            codes = bytes(self._rx[:FRAME_SAMPLES])
            del self._rx[:FRAME_SAMPLES]
            frame = decode(self.format.codec, codes)
            if self._dsp is not None:
                for ev in self._dsp.process(frame):
                    self.emit(DtmfReceived, digit=ev.digit, source="dsp")
            if self._audio_on:
                self.on_audio(frame)

    def _on_dle(self, ev: dle.DleEvent) -> None:
        if ev.is_dtmf:
            if self.profile.dtmf_by_modem:
                self.emit(DtmfReceived, digit=ev.code, source="modem")
        elif ev.kind in REMOTE_END:
            if self._in_call and self.state == LineState.IN_CALL:
                self._spawn(self._end_call("remote", REMOTE_END[ev.kind]))
        elif ev.kind == "unknown":
            self.log.info("unknown DLE code from the modem: %r", ev.code)
        else:
            self.log.debug("modem event %s", ev.kind)

    # -- audio ------------------------------------------------------------------------------

    async def start_audio(self) -> None:
        if not self._in_call:
            raise LineError(f"{self.line_id}: no call for audio")
        self._audio_on = True

    async def stop_audio(self) -> None:
        self._audio_on = False
        self._play.clear()

    def play(self, frame: np.ndarray) -> None:
        if not (self._in_call and self._audio_on):
            return
        if len(self._play) == self._play.maxlen:
            self.log.debug("play queue full: oldest frame dropped")
        self._play.append(np.asarray(frame, dtype=np.int16))

    async def _send_loop(self) -> None:
        """Paced writer, one 20 ms frame per tick (silence when idle in full duplex);
        half duplex switches to VTX while there is something to play."""
        period = FRAME_SAMPLES / 8000.0
        silence = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        idle = 0
        next_t = self.clock.now()
        while self._in_call:
            mode = self._stream
            if mode == "rx" and self._play:
                await self._switch("tx")
                next_t = self.clock.now()
                continue
            if mode in ("duplex", "tx") and self._ch is not None and self.format is not None:
                frame = self._play.popleft() if self._play else None
                idle = 0 if frame is not None else idle + 1
                if frame is not None or mode == "duplex":
                    data = encode(self.format.codec, silence if frame is None else frame)
                    self._ch.write_raw(dle.shield(data))
                elif idle >= 5:
                    await self._switch("rx")
                    next_t = self.clock.now()
                    continue
            next_t += period
            delay = next_t - self.clock.now()
            if delay < -10 * period:  # we fell behind: start pacing afresh
                next_t, delay = self.clock.now(), 0.0
            await self.clock.sleep(max(delay, 0.0))

    async def _switch(self, mode: str) -> None:
        try:
            async with self._ops:
                if not self._in_call:
                    return
                await self._close_stream()
                await self._open_stream(mode)
        except (AtError, LineError) as exc:
            self.log.warning("switching to %s failed: %s", mode, exc)
            self._spawn(self._end_call("line", f"voice state switch failed: {exc}"))
            await asyncio.sleep(0)
