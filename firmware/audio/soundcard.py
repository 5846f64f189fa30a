"""Line audio over a sound card: 8 kHz int16 frames of 160 samples, in and out.

An FXO module (a DAA) hands its line audio to a USB sound card. The card runs at its
own rate (44.1 or 48 kHz); :class:`SoundCardLink` opens it there through PortAudio
(``sounddevice``), resamples with ``dsp_ext.Resampler`` and cuts 20 ms frames.

Threads: PortAudio calls :meth:`SoundCardLink._callback` on its own thread. That
callback never blocks and never touches loop state: it copies the input block and
hands it over with ``loop.call_soon_threadsafe`` (at most ``queue_blocks`` in
flight, the rest dropped and counted), and takes output from a deque the loop fills
(``deque.append``/``popleft`` are atomic). Resampling both ways happens on the loop.
The hand-over, watchdog and lost-once are :class:`~firmware.audio.device_watch.DeviceWatch`.

A device is named by a stable fragment of its name (``"USB Audio"``, ``"CM108"``),
never by an index, which changes when another card is plugged in.

:class:`ArrayAudioLink` (and :class:`FileAudioLink`) has the same interface for tests
and the demo: line audio comes from arrays you :meth:`~ArrayAudioLink.feed`, paced by
the ``Clock``, and everything played is recorded.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..clock import Clock, RealClock
from .device_watch import DeviceWatch, close_stream
from .portaudio_rescan import PortAudioRescan, registry

LINE_RATE = 8000
FRAME_SAMPLES = 160  # 20 ms at 8 kHz, as firmware.lines.base
FRAME_S = FRAME_SAMPLES / LINE_RATE

FrameSink = Callable[[np.ndarray], None]
ErrorSink = Callable[[str], None]
log = logging.getLogger("hotline.audio.soundcard")


class AudioLinkError(Exception):
    """The audio device cannot be found or opened; the message says which and why."""


class AudioLink(Protocol):
    """What a line needs from its audio: frames in (on the loop), frames out, faults."""

    description: str

    async def start(self, on_frame: FrameSink, on_error: ErrorSink) -> None:
        """Open the device; from now on ``on_frame`` gets every 8 kHz frame, on the loop.

        ``on_error(reason)`` is called once, on the loop, if the device is lost.
        Raises :class:`AudioLinkError` when it cannot open.
        """
        ...

    async def stop(self) -> None: ...

    def play(self, frame: np.ndarray) -> bool:
        """Queue one frame towards the line; False when the queue is full (dropped)."""
        ...

    def clear_playback(self) -> None:
        """Drop everything queued towards the line."""
        ...

    @property
    def pending_frames(self) -> int:
        """Frames queued towards the line and not yet played."""
        ...


def _as_frame(frame: np.ndarray) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.dtype != np.int16 or arr.ndim != 1:
        raise ValueError(f"expected a 1-D int16 frame, got {arr.ndim}-D {arr.dtype}")
    return arr


# -- finding a device by name ----------------------------------------------------------


def describe_device(index: int, dev: dict) -> str:
    """``"3: 'name' (in 1, out 2, 48000 Hz)"``: how errors and ``hotline doctor`` list it."""
    return (
        f"{index}: {dev.get('name')!r} (in {dev.get('max_input_channels', 0)}, "
        f"out {dev.get('max_output_channels', 0)}, "
        f"{int(dev.get('default_samplerate') or 0)} Hz)"
    )


def list_devices(query: Callable[[], Any] | None = None) -> list[dict]:
    """Every device PortAudio sees, as dicts with ``index`` added."""
    if query is None:
        import sounddevice as sd

        query = sd.query_devices
    return [{**dict(dev), "index": i} for i, dev in enumerate(query())]


def find_device(fragment: str, devices: Sequence[dict] | None = None) -> dict:
    """The one full-duplex device whose name contains ``fragment`` (any case).

    Raises :class:`AudioLinkError` listing the devices when none or several match.
    """
    devices = list_devices() if devices is None else list(devices)
    listing = "; ".join(describe_device(d.get("index", i), d) for i, d in enumerate(devices))
    listing = listing or "none (PortAudio sees no audio devices at all)"
    needle = fragment.casefold().strip()
    if not needle:
        raise AudioLinkError(f"no sound card name given; devices: {listing}")
    named = [d for d in devices if needle in str(d.get("name", "")).casefold()]
    duplex = [
        d
        for d in named
        if d.get("max_input_channels", 0) >= 1 and d.get("max_output_channels", 0) >= 1
    ]
    if not named:
        raise AudioLinkError(f"no sound card name contains {fragment!r}; devices: {listing}")
    if not duplex:
        raise AudioLinkError(
            f"sound card {fragment!r} matches only devices without both input and output "
            f"({', '.join(repr(d['name']) for d in named)}); devices: {listing}"
        )
    if len(duplex) > 1:
        raise AudioLinkError(
            f"sound card {fragment!r} matches several devices "
            f"({', '.join(repr(d['name']) for d in duplex)}); use a longer part of the name"
        )
    return duplex[0]


# -- the sound card ---------------------------------------------------------------------


class SoundCardLink(DeviceWatch):
    """Line audio through one PortAudio device, opened at the card's own rate.

    ``stream_factory`` is the seam tests use: it is called with the keyword arguments
    of ``sounddevice.Stream`` and must return an object with ``start()``, ``stop()``
    and ``close()``. ``watchdog_s``: no input for that long while running means the
    device is gone (a USB card that is pulled out often just stops calling back).
    """

    _log = log

    def __init__(
        self,
        device: str,
        *,
        samplerate: int | None = None,
        channel: int = 0,
        queue_blocks: int = 25,
        play_queue_frames: int = 50,
        watchdog_s: float = 1.0,
        clock: Clock | None = None,
        stream_factory: Callable[..., Any] | None = None,
        query: Callable[[], Any] | None = None,
        rescan: PortAudioRescan | None = None,
    ) -> None:
        self.device = device
        self.description = f"sound card {device!r}"
        self.samplerate = samplerate
        self.channel = channel
        self.queue_blocks = queue_blocks
        self.play_queue_frames = play_queue_frames
        self.watchdog_s = watchdog_s
        self.clock = clock or RealClock()
        self._stream_factory = stream_factory
        self._query = query
        if rescan is None and stream_factory is None and query is None:
            rescan = registry()  # the real PortAudio: take part in re-scans
        self._init_watch(rescan)  # stream, running flag, hand-over counters, dropped_blocks
        # Counters shared with the PortAudio thread; each is written by one side only.
        self.xruns = 0  # callback thread: PortAudio over/underflow flags
        self.underruns = 0  # callback thread: output asked for with nothing queued
        self._out: collections.deque[np.ndarray] = collections.deque()
        self._out_queued = 0  # loop: card-rate samples put in _out
        self._out_played = 0  # callback thread: card-rate samples taken from _out
        self._out_part: np.ndarray | None = None  # callback thread: rest of a block

    # -- life cycle --------------------------------------------------------------------

    async def start(self, on_frame: FrameSink, on_error: ErrorSink) -> None:
        self._loop, self._on_frame, self._on_lost = asyncio.get_running_loop(), on_frame, on_error
        await self._open_named(may_rescan=True)

    async def _open_once(self) -> None:
        from dsp_ext.resample import Resampler

        loop = self._loop
        dev = await self._locate()
        self.rate = int(self.samplerate or dev["default_samplerate"])
        self.description = f"sound card {dev['name']!r} at {self.rate} Hz"
        self._down = Resampler(self.rate, LINE_RATE)
        self._up = Resampler(LINE_RATE, self.rate)
        self._pending_in = np.zeros(0, dtype=np.int16)
        self._arm()
        self._stream = await loop.run_in_executor(None, self._open, dev)
        self._start_watch()

    def _find(self) -> dict:
        try:
            return find_device(self.device, list_devices(self._query))
        except AudioLinkError:
            raise
        except Exception as exc:  # PortAudio missing or failing: say so, by name
            raise AudioLinkError(f"cannot list audio devices: {exc}") from exc

    def _open(self, dev: dict) -> Any:
        factory = self._stream_factory
        if factory is None:
            import sounddevice as sd

            factory = sd.Stream
        channels = self.channel + 1
        try:
            stream = factory(
                device=(dev["index"], dev["index"]),
                samplerate=self.rate,
                blocksize=round(self.rate * FRAME_S),
                channels=(channels, channels),
                dtype="int16",
                latency="low",
                callback=self._callback,
                finished_callback=self._finished,
            )
            stream.start()
        except Exception as exc:
            raise AudioLinkError(f"cannot open {self.description}: {exc}") from exc
        return stream

    async def stop(self) -> None:
        await self._stop_stream()
        self.clear_playback()

    _close = staticmethod(close_stream)

    # -- PortAudio thread ----------------------------------------------------------------

    def _callback(self, indata, outdata, frames, time, status) -> None:
        """Runs on PortAudio's thread: copy, hand over, fill output. Never blocks."""
        try:
            if status:
                self.xruns += 1
            self._hand_over(indata[:, self.channel], self.queue_blocks, self._take_input)
            self._fill(outdata, frames)
        except Exception as exc:  # anything here would kill the stream silently
            self._abort(outdata, exc)

    def _fill(self, outdata, frames: int) -> None:
        out = outdata[:, self.channel]
        outdata.fill(0)
        done = 0
        while done < frames:
            part = self._out_part
            if part is None or len(part) == 0:
                try:
                    part = self._out.popleft()
                except IndexError:
                    self.underruns += done > 0  # ran dry inside a block: a click
                    break
            n = min(frames - done, len(part))
            out[done : done + n] = part[:n]
            self._out_part = part[n:]
            done += n
            self._out_played += n

    # -- loop side ----------------------------------------------------------------------

    def _take_input(self, block: np.ndarray) -> None:
        if not self._took():
            return
        data = np.concatenate([self._pending_in, self._down.process(block)])
        whole = len(data) // FRAME_SAMPLES * FRAME_SAMPLES
        self._pending_in = data[whole:]
        for i in range(0, whole, FRAME_SAMPLES):
            if not self._running:
                return
            self._deliver("frame", self._on_frame, data[i : i + FRAME_SAMPLES])

    def play(self, frame: np.ndarray) -> bool:
        frame = _as_frame(frame)
        if not self._running or self.pending_frames >= self.play_queue_frames:
            return False
        samples = self._up.process(frame)
        self._out_queued += len(samples)
        self._out.append(samples)
        return True

    def clear_playback(self) -> None:
        # Only the loop appends; the callback may pop concurrently, which is fine.
        while True:
            try:
                part = self._out.popleft()
            except IndexError:
                break
            self._out_played += len(part)  # counted as gone so pending_frames stays right

    @property
    def pending_frames(self) -> int:
        rate = getattr(self, "rate", LINE_RATE)
        queued = max(0, self._out_queued - self._out_played)
        return round(queued * LINE_RATE / rate / FRAME_SAMPLES)


# -- arrays and files --------------------------------------------------------------------


class ArrayAudioLink:
    """Line audio from arrays, paced by the clock: the sound card of tests and the demo.

    :meth:`feed` queues far-end audio (silence when nothing is queued); every 20 ms of
    clock time one frame goes to ``on_frame`` and one frame goes "out to the line"
    (what :meth:`play` queued, or silence), recorded in :meth:`sent_audio`.
    :meth:`fail` acts out a lost device.
    """

    def __init__(
        self,
        source: np.ndarray | None = None,
        *,
        clock: Clock | None = None,
        play_queue_frames: int = 50,
        record_limit_s: float = 600.0,
        description: str = "array audio",
    ) -> None:
        self.clock = clock or RealClock()
        self.description = description
        self.play_queue_frames = play_queue_frames
        self._incoming = np.zeros(0, dtype=np.int16)
        if source is not None:
            self.feed(source)
        self._out: collections.deque[np.ndarray] = collections.deque()
        self._sent: collections.deque[np.ndarray] = collections.deque(
            maxlen=max(1, round(record_limit_s / FRAME_S))
        )
        self._task: asyncio.Task | None = None
        self.frames_delivered = 0

    def feed(self, samples: np.ndarray) -> None:
        """Queue far-end audio (8 kHz int16) after what is already queued."""
        arr = np.asarray(samples)
        if arr.dtype != np.int16 or arr.ndim != 1:
            raise ValueError(f"expected 1-D int16 samples, got {arr.ndim}-D {arr.dtype}")
        self._incoming = np.concatenate([self._incoming, arr])

    @property
    def queued_samples(self) -> int:
        return len(self._incoming)

    async def start(self, on_frame: FrameSink, on_error: ErrorSink) -> None:
        self._on_frame, self._on_error = on_frame, on_error
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.description)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        begin = self.clock.now()
        k = 0
        while True:
            k += 1
            await self.clock.sleep(begin + k * FRAME_S - self.clock.now())
            frame = self._incoming[:FRAME_SAMPLES]
            self._incoming = self._incoming[FRAME_SAMPLES:]
            if len(frame) < FRAME_SAMPLES:
                frame = np.concatenate([frame, np.zeros(FRAME_SAMPLES - len(frame), np.int16)])
            self._sent.append(
                self._out.popleft() if self._out else np.zeros(FRAME_SAMPLES, np.int16)
            )
            self.frames_delivered += 1
            try:
                self._on_frame(frame)
            except Exception:
                log.exception("%s: frame consumer failed", self.description)

    def fail(self, reason: str = "device unplugged") -> None:
        """Act out a lost device: frames stop and ``on_error`` is called on the loop."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        asyncio.get_running_loop().call_soon(self._on_error, reason)

    def play(self, frame: np.ndarray) -> bool:
        frame = _as_frame(frame)
        if self._task is None or len(self._out) >= self.play_queue_frames:
            return False
        self._out.append(frame.copy())
        return True

    def clear_playback(self) -> None:
        self._out.clear()

    @property
    def pending_frames(self) -> int:
        return len(self._out)

    def sent_audio(self) -> np.ndarray:
        """Everything that went out to the line, one frame per 20 ms (silence included)."""
        return np.concatenate(list(self._sent)) if self._sent else np.zeros(0, np.int16)

    @property
    def running(self) -> bool:
        return self._task is not None


class FileAudioLink(ArrayAudioLink):
    """An :class:`ArrayAudioLink` whose far end is a WAV file (any common rate, or raw 8 kHz
    int16 with ``raw=True``); with ``record_to``, what went out is written there on stop."""

    def __init__(
        self,
        path: str | Path,
        *,
        raw: bool = False,
        record_to: str | Path | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock, description=f"audio file {Path(path).name}")
        self.path = Path(path)
        self.raw = raw
        self.record_to = Path(record_to) if record_to else None

    async def start(self, on_frame: FrameSink, on_error: ErrorSink) -> None:
        from .load import load_line_audio

        try:
            self.feed(load_line_audio(self.path, raw=self.raw))
        except ValueError as exc:
            raise AudioLinkError(str(exc)) from exc
        await super().start(on_frame, on_error)

    async def stop(self) -> None:
        await super().stop()
        if self.record_to is not None:
            from .wav import write_wav

            write_wav(self.record_to, self.sent_audio())
