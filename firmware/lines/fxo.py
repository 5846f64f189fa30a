"""An analog line through a DAA (FXO) module: GPIO ring detect, a hook relay, sound-card audio.

The module's ring-detect output is an optocoupler: during a ring burst it pulses at
the ring frequency (≈ 20-25 Hz), so edges closer than ``pulse_gap_s`` belong to one
burst, and a burst counts as a ring once it has lasted ``ring_on_min_s`` (shorter
bursts are line glitches: a reversal, a lightning click, a relay bouncing). The relay
closes the loop (off-hook). The audio of the line comes and goes through an
:class:`~firmware.audio.soundcard.AudioLink` that runs from ``start()`` to ``stop()``;
what the line does with each 20 ms frame depends on where the call is:

* on-hook between the first and second ring: caller ID (``dsp_ext.CallerIdDecoder``,
  FSK Bell 202 / V.23); with ``'dtmf'`` caller ID the decoder also listens on-hook
  before the first ring, where those networks send it;
* dialling: call-progress tones (``dsp_ext.ProgressToneDetector``), then voice
  (``dsp_ext.VoiceActivityDetector`` on frames that are not a pure tone) as the answer;
* in a call: ``on_audio``, DTMF (``dsp_ext.DtmfDetector``, ``source="dsp"``), and the
  far end's hang-up, which an analog line only shows as busy/congestion/dial tone or a
  long silence.

gpiozero calls back on its own thread; every edge is handed to the loop with
``call_soon_threadsafe`` and timestamped there by the ``Clock``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

import dsp_ext
from dsp_ext.callerid import CallerId, CallerIdEvent
from dsp_ext.generate import dtmf as dtmf_samples
from dsp_ext.levels import dbm0_to_rms

from ..audio.soundcard import AudioLink
from ..clock import Clock
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

if TYPE_CHECKING:
    from gpiozero import Factory

FRAME_S = FRAME_SAMPLES / 8000
DIAL_CHARS = set("0123456789*#ABCD,")
#: A frame whose energy sits this much in its two strongest spectral peaks is a tone,
#: not a voice: progress tones and DTMF measure ≥ 0.93, speech frames 0.63 (median).
TONAL_SHARE = 0.85
_WINDOW = np.hanning(FRAME_SAMPLES)


@dataclass(frozen=True)
class FxoTiming:
    """Every time an FXO line waits for, in seconds (all configurable)."""

    ring_on_min_s: float = 0.2  # a burst this long is a ring; shorter is a glitch
    pulse_gap_s: float = 0.1  # opto pulses closer than this are one burst
    ring_off_timeout_s: float = 6.0  # no ring for this long after the last: caller gave up
    flash_s: float = 0.1  # hook flash (relay open) for flash()
    settle_s: float = 0.2  # after the relay closes, before audio counts (clicks, DC settling)
    answer_after_rings: int = 1  # answer() never closes the relay before this many rings
    dialtone_wait_s: float = 5.0  # dial(): how long to wait for dial tone
    dtmf_on_s: float = 0.1  # dial()/send_dtmf(): tone and pause of each digit
    dtmf_off_s: float = 0.1
    pause_s: float = 2.0  # a ',' in a dial string
    answer_voice_s: float = 0.2  # voice (not tone) after dialling that means "answered"
    silence_hangup_s: float = 30.0  # in a call: this long with no sound means gone (0: never)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"FxoTiming.{f.name} is {value!r}, expected a number >= 0")
        if self.ring_on_min_s <= 0 or self.pulse_gap_s <= 0:
            raise ValueError("FxoTiming: ring_on_min_s and pulse_gap_s must be > 0")
        if self.answer_after_rings < 1:
            raise ValueError("FxoTiming.answer_after_rings must be at least 1")


def tonal_share(frame: np.ndarray) -> float:
    """Share of a frame's energy in its two strongest spectral peaks (1.0: pure tones)."""
    power = np.abs(np.fft.rfft(frame.astype(np.float64) * _WINDOW, 512)) ** 2
    total = power.sum()
    if total <= 0:
        return 0.0
    got = 0.0
    for _ in range(2):
        k = int(np.argmax(power))
        got += power[max(0, k - 4) : k + 5].sum()
        power[max(0, k - 4) : k + 5] = 0
    return float(got / total)


def _caller_fields(cid: CallerId | None) -> dict:
    if cid is None:
        return {"number": None, "name": None, "validity": "unavailable"}
    if cid.number:
        validity = "valid"
    else:
        validity = "withheld" if cid.number_absence == "private" else "unavailable"
    return {"number": cid.number or None, "name": cid.name or None, "validity": validity}


class FxoLine(LineDriver):
    """One analog line on a DAA module (see the module docstring)."""

    def __init__(
        self,
        line_id: str,
        *,
        ring_pin: int,
        hook_pin: int,
        audio: AudioLink,
        ring_active_high: bool = False,
        hook_active_high: bool = True,
        ring_bounce_s: float | None = None,
        pin_factory: Factory | None = None,
        timing: FxoTiming | None = None,
        country: str = "ITU",
        callerid: tuple[str, ...] = ("bell202", "v23"),
        on_event: EventSink | None = None,
        on_audio: AudioSink | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(line_id, on_event=on_event, on_audio=on_audio, clock=clock)
        self.ring_pin, self.hook_pin = ring_pin, hook_pin
        self.ring_active_high, self.hook_active_high = ring_active_high, hook_active_high
        self.ring_bounce_s = ring_bounce_s
        self.pin_factory = pin_factory
        self.audio = audio
        self.timing = timing or FxoTiming()
        self.country = country
        self.callerid = tuple(callerid)
        self.rings = 0
        self._phase = "down"  # down, idle, ringing, dialing, call
        self._ring_dev = self._hook_dev = None
        self._tasks: set[asyncio.Task] = set()
        self._burst_id = 0  # never reset: a stale timer can never match a new burst
        self._ring_changed: asyncio.Event | None = None

    # -- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.set_state(LineState.INITIALISING)
        self._make_detectors()
        try:
            self._open_gpio()
        except Exception as exc:  # pin in use, no GPIO chip, wrong pin number …
            self._close_gpio()
            self._fault(
                "gpio", f"GPIO for ring pin {self.ring_pin}/hook pin {self.hook_pin}: {exc}"
            )
            return
        try:
            await self.audio.start(self._on_frame, self._on_audio_lost)
        except Exception as exc:
            self._close_gpio()
            self._fault("audio", f"{self.audio.description}: {exc}")
            return
        self._to_idle()
        self.set_state(LineState.READY)

    async def stop(self) -> None:
        if self._phase == "call":
            self._end_call("local", "line stopped", ready=False)
        elif self._phase == "dialing":
            self._dial_q.put_nowait("cancelled")
        self._on_hook()
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await self.audio.stop()
        self._close_gpio()
        self._phase = "down"
        self.set_state(LineState.DOWN, "stopped")

    def _open_gpio(self) -> None:
        from gpiozero import DigitalInputDevice, DigitalOutputDevice

        self._hook_dev = DigitalOutputDevice(
            self.hook_pin,
            active_high=self.hook_active_high,
            initial_value=False,
            pin_factory=self.pin_factory,
        )
        self._ring_dev = DigitalInputDevice(
            self.ring_pin,
            pull_up=not self.ring_active_high,
            bounce_time=self.ring_bounce_s,
            pin_factory=self.pin_factory,
        )
        self._ring_dev.when_activated = lambda: self._edge_from_gpio(True)
        self._ring_dev.when_deactivated = lambda: self._edge_from_gpio(False)

    def _close_gpio(self) -> None:
        for dev in (self._ring_dev, self._hook_dev):
            if dev is not None:
                with contextlib.suppress(Exception):
                    dev.close()
        self._ring_dev = self._hook_dev = None

    def _make_detectors(self) -> None:
        self._cid = dsp_ext.CallerIdDecoder(8000, standards=self.callerid)
        self._dtmf = dsp_ext.DtmfDetector(8000)
        self._progress = dsp_ext.ProgressToneDetector(self.country)
        self._vad = dsp_ext.VoiceActivityDetector(8000)

    def _fault(self, code: str, reason: str) -> None:
        self.log.error("%s", reason)
        self._phase = "down"
        self.set_state(LineState.DOWN, reason)
        self.emit(Alarm, code=code, text=reason)

    def _spawn(self, coro: Coroutine) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.log.error("%s failed", task, exc_info=task.exception())

    async def _sleep_until(self, t: float) -> None:
        await self.clock.sleep(max(0.0, t - self.clock.now()))

    # -- the hook relay -----------------------------------------------------------------

    def _off_hook(self) -> None:
        if self._hook_dev is not None:
            self._hook_dev.on()

    def _on_hook(self) -> None:
        if self._hook_dev is not None:
            with contextlib.suppress(Exception):
                self._hook_dev.off()

    @property
    def off_hook(self) -> bool:
        return bool(self._hook_dev is not None and self._hook_dev.value)

    async def _settle(self) -> None:
        """Let the loop current settle; frames heard meanwhile are dropped."""
        self._settling = True
        try:
            await self.clock.sleep(self.timing.settle_s)
        finally:
            self._settling = False
        self._progress.reset()
        self._vad.reset()
        self._dtmf.reset()

    # -- ring detection -----------------------------------------------------------------

    def _edge_from_gpio(self, active: bool) -> None:
        """gpiozero's thread: hand the edge to the loop, nothing else."""
        with contextlib.suppress(RuntimeError):  # loop closed: the line is gone anyway
            self._loop.call_soon_threadsafe(self._ring_edge, active)

    def _to_idle(self) -> None:
        """Back to waiting for a ring: timers of the last call cancelled, answer() woken."""
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        if self._ring_changed is not None:
            self._ring_changed.set()
        self._phase = "idle"
        self.rings = 0
        self._burst_start: float | None = None
        self._burst_counted = self._ring_active = False
        self._end_task: asyncio.Task | None = None
        self._giveup_task: asyncio.Task | None = None
        self._announced = False
        self._cid_window = False
        self._pre_ring_cid: tuple[CallerId, float] | None = None
        self._ring_changed = asyncio.Event()
        self._settling = self._sending = self._delivering = False
        self._cid.reset()

    def _ring_edge(self, active: bool) -> None:
        if self._phase not in ("idle", "ringing") or self.off_hook:
            return
        now = self.clock.now()
        self._ring_active = active
        if active:
            if self._end_task is not None:
                self._end_task.cancel()
                self._end_task = None
            if self._burst_start is None:
                self._burst_id += 1
                self._burst_start, self._burst_counted = now, False
                self._spawn(self._count_burst(self._burst_id, now))
            else:
                self._maybe_count(now)
        elif self._burst_start is not None:
            self._maybe_count(now)
            self._end_task = self._spawn(self._end_burst(self._burst_id, now))

    def _maybe_count(self, now: float) -> None:
        """A burst is a ring once the opto has been seen active ``ring_on_min_s`` after it began."""
        start = self._burst_start
        long_enough = start is not None and now - start >= self.timing.ring_on_min_s - 1e-9
        if long_enough and not self._burst_counted:
            self._burst_counted = True
            self._ring_counted()

    async def _count_burst(self, burst: int, start: float) -> None:
        # A detector that holds its output for the whole burst gives no more edges.
        await self._sleep_until(start + self.timing.ring_on_min_s)
        if burst == self._burst_id and self._ring_active and not self.off_hook:
            self._maybe_count(self.clock.now())

    async def _end_burst(self, burst: int, released: float) -> None:
        await self._sleep_until(released + self.timing.pulse_gap_s)
        if burst != self._burst_id or self._burst_start is None:
            return
        start, self._burst_start, self._end_task = self._burst_start, None, None
        if not self._burst_counted:
            self.log.debug("ignored a %.0f ms ring-detect glitch", (released - start) * 1000)
            return
        if self.rings == 1 and not self._announced:
            self._cid.reset()
            self._cid_window = True  # the silent interval: caller ID comes now
        self._giveup_task = self._spawn(self._give_up(self.rings, released))

    def _ring_counted(self) -> None:
        self.rings += 1
        if self._giveup_task is not None:
            self._giveup_task.cancel()
            self._giveup_task = None
        if self.rings == 1:
            self._phase = "ringing"
            self.set_state(LineState.RINGING)
            if "dtmf" in self.callerid:  # sent before the ring: it is in already
                self._take_cid(self._cid.flush())
                recent = self._pre_ring_cid
                if recent is not None and self.clock.now() - recent[1] < 10.0:
                    self._announce(recent[0])
        else:
            self._close_cid_window()
            self._announce(None)
        self._wake_answer()

    def _close_cid_window(self) -> None:
        if self._cid_window:
            self._cid_window = False
            self._take_cid(self._cid.flush())

    def _take_cid(self, events: list[CallerIdEvent]) -> None:
        for event in events:
            if event.ok and event.caller_id is not None:
                if self._phase == "idle":
                    self._pre_ring_cid = (event.caller_id, self.clock.now())
                else:
                    self._announce(event.caller_id)
            else:
                self.log.warning("caller ID not understood (%s): raw %r", event.error, event.raw)

    def _announce(self, cid: CallerId | None) -> None:
        """IncomingCall once per call; caller ID that comes later is an update."""
        if not self._announced:
            self._announced = True
            self.emit(IncomingCall, **_caller_fields(cid))
        elif cid is not None:
            self.emit(CallerIdUpdate, **_caller_fields(cid))

    async def _give_up(self, rings: int, last_ring_end: float) -> None:
        await self._sleep_until(last_ring_end + self.timing.ring_off_timeout_s)
        if self._phase != "ringing" or self.rings != rings or self.off_hook:
            return
        self._close_cid_window()
        self._announce(None)
        self.emit(CallEnded, by="remote", cause="the caller hung up before the call was answered")
        self._to_idle()
        self.set_state(LineState.READY)

    def _wake_answer(self) -> None:
        self._ring_changed.set()
        self._ring_changed = asyncio.Event()

    # -- audio frames (on the loop) -----------------------------------------------------

    def _on_frame(self, frame: np.ndarray) -> None:
        if self._phase == "down" or self._settling:
            return
        try:
            if self._phase == "call":
                self._call_frame(frame)
            elif self._phase == "dialing":
                self._dial_frame(frame)
            elif self._cid_window or (self._phase == "idle" and "dtmf" in self.callerid):
                self._take_cid(self._cid.process(frame))
        except Exception:  # a DSP fault must not stop the audio of the line
            self.log.exception("processing a frame failed")

    def _call_frame(self, frame: np.ndarray) -> None:
        now = self.clock.now()
        if self._delivering:
            try:
                self.on_audio(frame)
            except Exception:
                self.log.exception("audio consumer failed")
        if not self._sending:  # our own digits come back through the hybrid
            for event in self._dtmf.process(frame):
                self._last_sound = now
                self.emit(DtmfReceived, digit=event.digit, source="dsp")
        for event in self._progress.process(frame):
            if event.state == "detected" and event.kind in ("busy", "congestion", "dial"):
                self._end_call("remote", f"{event.kind} tone: the far end hung up")
                return
        self._vad.process(frame)
        if self._vad.speaking or self._sending:
            self._last_sound = now
        quiet = now - self._last_sound
        if self.timing.silence_hangup_s and quiet >= self.timing.silence_hangup_s:
            self._end_call("remote", f"no sound from the line for {quiet:.0f} s")

    def _dial_frame(self, frame: np.ndarray) -> None:
        if self._dial_stage == "sending":
            return
        for event in self._progress.process(frame):
            if event.state != "detected":
                continue
            if self._dial_stage == "dialtone" and event.kind == "dial":
                self._dial_q.put_nowait("dialtone")
            elif self._dial_stage == "progress":
                outcome = {"ringback": "ringing", "busy": "busy", "congestion": "busy"}
                self._dial_q.put_nowait(outcome.get(event.kind, "no_carrier"))
        if self._dial_stage != "progress":
            return
        self._vad.process(frame)
        if not self._vad.speaking:
            self._voice_s = 0.0
        elif self._loud(frame) and tonal_share(frame) < TONAL_SHARE:
            self._voice_s += FRAME_S
            if self._voice_s >= self.timing.answer_voice_s:
                self._dial_stage = "answered"
                self._dial_q.put_nowait("answered")

    def _loud(self, frame: np.ndarray) -> bool:
        """Above the noise floor: the VAD's hangover frames after a tone burst are not voice."""
        floor = self._vad.noise_floor_dbm0
        floor = max(floor, -55.0) if np.isfinite(floor) else -55.0
        rms = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2)))
        return rms > dbm0_to_rms(floor + 6.0)

    def _on_audio_lost(self, reason: str) -> None:
        text = f"audio device lost: {reason}"
        if self._phase == "call":
            self._end_call("line", text, ready=False)
        elif self._phase == "dialing":
            self._dial_q.put_nowait("line_lost")
        elif self._phase == "ringing" and self._announced:
            self.emit(CallEnded, by="line", cause=text)
        self._on_hook()
        self._to_idle()
        self._fault("audio_lost", f"{self.audio.description}: {text}")

    # -- calls --------------------------------------------------------------------------

    def _end_call(self, by: str, cause: str, *, ready: bool = True) -> None:
        self._on_hook()
        self.audio.clear_playback()
        self.emit(CallEnded, by=by, cause=cause)
        self._to_idle()
        if ready:
            self.set_state(LineState.READY)

    def _begin_call(self, direction: str) -> None:
        self._phase = "call"
        self._last_sound = self.clock.now()
        self._progress.reset()
        self._dtmf.reset()
        self._vad.reset()
        self.set_state(LineState.IN_CALL)
        self.emit(CallAnswered, direction=direction)
        self._delivering = True

    async def answer(self) -> None:
        while self._phase == "ringing" and self.rings < self.timing.answer_after_rings:
            await self._ring_changed.wait()
        if self._phase != "ringing":
            raise LineError(f"{self.line_id}: no ringing call to answer")
        for task in (self._giveup_task, self._end_task):
            if task is not None:
                task.cancel()
        self._close_cid_window()
        self._announce(None)
        self._off_hook()
        self._phase = "call"
        await self._settle()
        if self._phase == "call":  # the device may have gone while settling
            self._begin_call("incoming")

    async def hangup(self) -> None:
        if self._phase in ("call", "dialing"):
            if self._phase == "dialing":
                self._dial_q.put_nowait("cancelled")
            self._end_call("local", "hung up")
        elif self._phase == "ringing":
            # An analog line cannot refuse a call: pick up and put down at once.
            self._close_cid_window()
            self._announce(None)
            self._off_hook()
            self._phase = "call"
            await self._settle()
            if self._phase == "call":
                self._end_call("local", "rejected")
        else:
            raise LineError(f"{self.line_id}: no call to hang up")

    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        digits = "".join(ch for ch in number.upper() if ch not in " -().")
        if not digits or set(digits) - DIAL_CHARS:
            raise LineError(f"{self.line_id}: cannot dial {number!r} (digits, * # A-D and ',')")
        if self._phase != "idle":
            raise LineError(f"{self.line_id}: cannot dial now, the line is {self.state.value}")
        deadline = self.clock.now() + timeout_s
        self._phase, self._dial_stage = "dialing", "dialtone"
        self._dial_q: asyncio.Queue[str] = asyncio.Queue()
        self._off_hook()
        self.set_state(LineState.IN_CALL)
        await self._settle()
        got = await self._next_outcome(min(self.timing.dialtone_wait_s, timeout_s))
        if got != "dialtone":
            return self._dial_over(got or "no_dialtone")
        self._dial_stage = "sending"
        await self._send_digits(digits)
        if self._phase != "dialing":
            return self._dial_over(None)
        self._progress.reset()
        self._vad.reset()
        self._dial_stage, self._voice_s = "progress", 0.0
        heard_ringing = False
        while True:
            got = await self._next_outcome(deadline - self.clock.now())
            if got == "ringing":
                if not heard_ringing:
                    heard_ringing = True
                    self.emit(CallProgress, result="ringing")
                continue
            if got == "answered":
                self._begin_call("outgoing")
                return "answered"
            if got is None:
                got = "no_answer" if heard_ringing else "timeout"
            return self._dial_over(got)

    async def _next_outcome(self, timeout_s: float) -> str | None:
        if self._phase != "dialing" and self._dial_q.empty():
            return None
        getter = asyncio.ensure_future(self._dial_q.get())
        timer = asyncio.ensure_future(self.clock.sleep(max(0.0, timeout_s)))
        try:
            await asyncio.wait({getter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not getter.done():
                getter.cancel()
        return getter.result() if getter.done() and not getter.cancelled() else None

    def _dial_over(self, result: str | None) -> str:
        """The dial ended without an answer: report it and put the line down."""
        if result is None or result in ("cancelled", "line_lost"):
            # hangup() or the fault path already reported and put the relay back
            while not self._dial_q.empty():
                result = self._dial_q.get_nowait()
            return "no_carrier" if result in (None, "line_lost") else result
        self.emit(CallProgress, result=result)
        self._on_hook()
        self._to_idle()
        self.set_state(LineState.READY)
        return result

    async def send_dtmf(self, digits: str) -> None:
        digits = digits.upper()
        if set(digits) - DIAL_CHARS:
            raise LineError(f"{self.line_id}: cannot send DTMF {digits!r}")
        if self._phase != "call":
            raise LineError(f"{self.line_id}: no call to send DTMF on")
        await self._send_digits(digits)

    async def _send_digits(self, digits: str) -> None:
        """Play DTMF through the audio link, a few frames ahead of the card."""
        phase = self._phase
        self._sending = True
        try:
            for i, group in enumerate(digits.split(",")):
                if i:
                    await self.clock.sleep(self.timing.pause_s)
                if not group:
                    continue
                pcm = dtmf_samples(
                    group,
                    on_ms=self.timing.dtmf_on_s * 1000,
                    off_ms=self.timing.dtmf_off_s * 1000,
                )
                pcm = np.concatenate([pcm, np.zeros(-len(pcm) % FRAME_SAMPLES, np.int16)])
                for k in range(0, len(pcm), FRAME_SAMPLES):
                    while self.audio.pending_frames >= 4 and self._phase == phase:
                        await self.clock.sleep(FRAME_S)
                    if self._phase != phase:
                        return
                    self.audio.play(pcm[k : k + FRAME_SAMPLES])
            while self.audio.pending_frames and self._phase == phase:
                await self.clock.sleep(FRAME_S)
            await self.clock.sleep(2 * FRAME_S)  # the echo of the last digit dies down
        finally:
            self._sending = False
            self._dtmf.reset()

    async def flash(self) -> None:
        """Open the loop for ``timing.flash_s`` (recall / call waiting / transfer)."""
        if self._phase != "call":
            raise LineError(f"{self.line_id}: no call to flash")
        self._on_hook()
        self._settling = True  # the loop break clicks: nothing heard now counts
        try:
            await self.clock.sleep(self.timing.flash_s)
        finally:
            if self._phase == "call":
                self._off_hook()
        if self._phase == "call":
            await self._settle()
            self._last_sound = self.clock.now()

    # -- audio for the engine -----------------------------------------------------------

    async def start_audio(self) -> None:
        if self._phase != "call":
            raise LineError(f"{self.line_id}: no call for audio")
        self._delivering = True

    async def stop_audio(self) -> None:
        self._delivering = False

    def play(self, frame: np.ndarray) -> None:
        if self._phase == "call" and not self._settling and not self._sending:
            self.audio.play(frame)
