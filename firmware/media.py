"""A caller on a real phone line: :class:`firmware.call.CallMedia` over a ``LineDriver``.

Sound goes out as 20 ms frames through ``line.play``, a few frames ahead of the line
and paced by the ``Clock`` (one sleep per chunk of frames, not per frame). Sound comes
in through :meth:`LineMedia.on_audio` (the voice detector, the recorder) and keys
through :meth:`LineMedia.on_line_event` — the owner of the line routes both, as the
line has one listener per kind::

    media = LineMedia(line, prompts=store, clock=clock)
    line.on_audio = media.on_audio
    def on_event(ev):
        media.on_line_event(ev)
        if isinstance(ev, CallEnded):
            engine.end(call, "caller" if ev.by == "remote" else "line")

Feed the hang-up and end the call in the same callback: the flow, when it next
runs, then sees an ended call rather than a media that went quiet.

Everything waits through one kind of pause: a clock timer that any news (a key, the
hang-up, hold stopping, a recording's silence) cuts short. After the caller hung up,
every method returns at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dsp_ext.vad import VoiceActivityDetector

from .audio import phrases
from .audio.load import LINE_RATE
from .audio.prompts import PromptError, PromptStore
from .audio.wav import write_wav
from .clock import Clock, Timer
from .lines.base import FRAME_SAMPLES, LineDriver, LineError
from .lines.events import CallEnded, DtmfReceived, LineEvent

FRAME_S = FRAME_SAMPLES / LINE_RATE
log = logging.getLogger(__name__)


def _frames(audio: np.ndarray) -> np.ndarray:
    """``audio`` as rows of one frame each, the last padded with silence."""
    pad = -len(audio) % FRAME_SAMPLES
    if pad:
        audio = np.concatenate([audio, np.zeros(pad, np.int16)])
    return audio.reshape(-1, FRAME_SAMPLES)


class LineMedia:
    """One call's audio on ``line``; see the module docstring.

    ``chunk_frames``: frames written per clock sleep (5 = 100 ms: a key stops a prompt
    within that, plus the ``lead_s`` the line is kept ahead by). ``record_silence_s``:
    a recording ends after this long without the caller's voice. ``max_keys``: keys
    buffered beyond this are dropped (a stuck key must not grow memory).
    """

    def __init__(
        self,
        line: LineDriver,
        *,
        prompts: PromptStore,
        clock: Clock,
        chunk_frames: int = 5,
        lead_s: float = 0.04,
        record_silence_s: float = 5.0,
        max_keys: int = 32,
    ) -> None:
        if chunk_frames < 1:
            raise ValueError(f"chunk_frames {chunk_frames!r} (expected 1 or more)")
        self.line = line
        self.prompts = prompts
        self.clock = clock
        self.chunk_frames = chunk_frames
        self.lead_s = lead_s
        self.record_silence_s = record_silence_s
        self._keys: collections.deque[str] = collections.deque(maxlen=max_keys)
        self._waiters: set[asyncio.Future] = set()
        self._gone = False
        self._vad = VoiceActivityDetector(LINE_RATE)
        self._last_voice: float | None = None
        self._recording: list[np.ndarray] | None = None
        self._foreground = 0  # prompts playing now (hold music makes way for them)
        self._hold: asyncio.Task | None = None
        self._listeners: list[Callable[[np.ndarray], object]] = []

    # -- from the line's owner ----------------------------------------------------------

    def on_line_event(self, ev: LineEvent) -> None:
        """A line event of this call: keys are buffered, a hang-up ends everything."""
        if isinstance(ev, DtmfReceived) and not self._gone and ev.digit:
            self._keys.append(ev.digit)
            self._wake()
        elif isinstance(ev, CallEnded):
            self.close()

    def on_audio(self, frame: np.ndarray) -> None:
        """One 20 ms frame from the caller: voice detection and the recorder."""
        if self._gone:
            return
        self._vad.process(frame)
        now = self.clock.now()
        if self._vad.speaking:
            self._last_voice = now
        if self._recording is not None:
            self._recording.append(np.array(frame, dtype=np.int16))
            if now - max(self._record_start, self._last_voice or 0.0) >= self.record_silence_s:
                self._wake()
        for sink in tuple(self._listeners):
            try:
                sink(frame)
            except Exception:  # an operator's headset must not take the call down
                log.exception("%s: audio listener failed", self.line.line_id)

    def listen(self, sink: Callable[[np.ndarray], object]) -> Callable[[], None]:
        """Hand every frame from the caller to ``sink`` too (an operator's headset
        bridge); returns a function that stops it."""
        self._listeners.append(sink)

        def remove() -> None:
            if sink in self._listeners:
                self._listeners.remove(sink)

        return remove

    def send(self, frame: np.ndarray) -> None:
        """One 8 kHz frame to the caller (an operator talking); dropped once gone."""
        if not self._gone:
            self.line.play(frame)

    def close(self) -> None:
        """The call is over (the caller hung up, the line failed): everything returns."""
        if not self._gone:
            self._gone = True
            self.stop_hold()
            self._wake()

    @property
    def gone(self) -> bool:
        return self._gone

    # -- waiting ------------------------------------------------------------------------

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)

    async def _pause(self, seconds: float) -> None:
        """Sleep ``seconds`` on the clock, or less if anything happens meanwhile."""
        fut = asyncio.get_running_loop().create_future()
        self._waiters.add(fut)
        timer: Timer = self.clock.call_later(max(0.0, seconds), _done, fut)
        try:
            await fut
        finally:
            timer.cancel()
            self._waiters.discard(fut)

    # -- playing ------------------------------------------------------------------------

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        if self._gone:
            return None
        if barge_in and self._keys:
            return self._keys.popleft()
        audio = await self.prompts.get(prompt, lang)
        return await self._foreground_send(audio, barge_in)

    async def say_queue_status(self, position: int | None, wait_s: float | None, lang: str) -> None:
        if self._gone:
            return
        try:
            text = phrases.queue_status_text(position, wait_s, lang)
            audio = await self.prompts.speech(text, lang) if text else None
        except (ValueError, PromptError) as exc:  # an announcement is not worth the call
            log.warning("%s: queue status not said: %s", self.line.line_id, exc)
            return
        if audio is not None:
            await self._foreground_send(audio, False)

    async def _foreground_send(self, audio: np.ndarray, barge_in: bool) -> str | None:
        self._foreground += 1
        try:
            return await self._send(audio, barge_in=barge_in)
        finally:
            self._foreground -= 1
            if not self._foreground:
                self._wake()  # hold music may go on

    async def _send(self, audio: np.ndarray, *, barge_in: bool, hold: bool = False) -> str | None:
        """Write ``audio`` to the line at its own pace; return the key that stopped it
        (barge-in) or None. Hold music (``hold``) stops when a prompt starts."""
        frames = _frames(audio)
        start = self.clock.now()
        end = start + len(frames) * FRAME_S
        sent = 0
        while True:
            if self._gone or (hold and self._foreground):
                return None
            if barge_in and self._keys:
                return self._keys.popleft()
            now = self.clock.now()
            if sent >= len(frames):  # all written: return when the caller has heard it
                if now >= end - 1e-9:
                    return None
                await self._pause(end - now)
                continue
            due = start + sent * FRAME_S - self.lead_s
            if now + 1e-9 < due:
                await self._pause(due - now)
                continue
            try:
                for frame in frames[sent : sent + self.chunk_frames]:
                    self.line.play(frame)
            except Exception:  # a driver fault: the line reports it; stop talking
                log.exception("%s: playing audio failed", self.line.line_id)
                return None
            sent += self.chunk_frames

    # -- keys ---------------------------------------------------------------------------

    async def next_digit(self, timeout_s: float) -> str | None:
        deadline = self.clock.now() + timeout_s
        while True:
            if self._keys:
                return self._keys.popleft()
            left = deadline - self.clock.now()
            if self._gone or left <= 1e-9:
                return None
            await self._pause(left)

    def flush_digits(self) -> None:
        self._keys.clear()

    # -- hold ---------------------------------------------------------------------------

    def start_hold(self, music: str | None, lang: str) -> None:
        self.stop_hold()
        if music is None or self._gone:
            return  # silence: the line sends it when nothing is played
        self._hold = asyncio.get_running_loop().create_task(
            self._hold_loop(music, lang), name=f"hold {self.line.line_id}"
        )

    def stop_hold(self) -> None:
        task, self._hold = self._hold, None
        if task is not None:
            task.cancel()

    async def _hold_loop(self, music: str, lang: str) -> None:
        try:
            audio = await self.prompts.get(music, lang)
        except PromptError as exc:
            log.warning("%s: no hold music: %s", self.line.line_id, exc)
            return
        while not self._gone:
            if self._foreground:
                await self._pause(60.0)  # woken when the prompt ends
            else:
                await self._send(audio, barge_in=False, hold=True)  # then round again

    # -- the caller's voice ---------------------------------------------------------------

    def last_voice(self) -> float | None:
        return self._last_voice

    async def record(self, path: str, max_s: float) -> float:
        """Record until ``record_silence_s`` without voice, a key (used up), the hang-up
        or ``max_s``; the WAV holds what was heard, even after a hang-up."""
        if self._gone:
            return 0.0
        self._recording, self._record_start = [], self.clock.now()
        deadline = self._record_start + max_s
        try:
            while not self._gone and not self._keys:
                now = self.clock.now()
                quiet = now - max(self._record_start, self._last_voice or 0.0)
                if now >= deadline - 1e-9 or quiet >= self.record_silence_s:
                    break
                await self._pause(deadline - now)
            if self._keys:
                self._keys.popleft()
        finally:
            chunks, self._recording = self._recording, None
        samples = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_wav(path, samples)
        return len(samples) / LINE_RATE

    # -- the end ---------------------------------------------------------------------------

    async def hangup(self) -> None:
        """Put the line down (the engine journaled the end already)."""
        self.close()
        with contextlib.suppress(LineError):  # the far end was quicker: nothing to hang up
            await self.line.hangup()


def _done(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)
