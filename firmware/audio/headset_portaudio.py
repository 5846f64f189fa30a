"""The PortAudio headsets: sounddevice and pyaudio behind one base. See
:mod:`firmware.audio.headset` for the threading rules they keep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from ..clock import Clock, RealClock
from .device_watch import DeviceWatch, close_stream
from .headset_base import (
    PYAUDIO_MISSING,
    HeadsetError,
    LostSink,
    MicSink,
    PlaybackQueue,
    SpeakerQueue,
)
from .portaudio_rescan import PortAudioRescan, registry
from .soundcard import AudioLinkError, find_device, list_devices

log = logging.getLogger("hotline.audio.headset")


class _PortAudioHeadset(SpeakerQueue, DeviceWatch):
    """The part both PortAudio backends share: device lookup and the mic/speaker block
    (hand-over, watchdog and lost-once come from :class:`DeviceWatch`, as the line's).

    A backend provides ``_devices()`` (sounddevice-style dicts), ``_open(dev, block)``
    returning a started stream and ``_close(stream)``; its callback calls
    :meth:`_on_audio` with the mic block and the speaker buffer to fill.
    """

    backend = "portaudio"
    _log = log

    def __init__(
        self,
        device: str,
        *,
        samplerate: int | None = None,
        block_ms: float = 10.0,
        max_blocks: int = 25,
        queue_ms: float = 200.0,
        watchdog_s: float = 1.0,
        clock: Clock | None = None,
        rescan: PortAudioRescan | None = None,
    ) -> None:
        self.device = device
        self.description = f"headset {device!r} ({self.backend})"
        self.samplerate = samplerate
        self.block_ms = block_ms
        self.max_blocks = max_blocks
        self.queue_ms = queue_ms
        self.watchdog_s = watchdog_s
        self.clock = clock or RealClock()
        self.rate = samplerate or 48000
        # stream, running flag, hand-over counters, dropped_blocks; the re-scan registry
        self._init_watch(rescan)
        self.xruns = 0  # audio thread: PortAudio's own over/underflow flags
        self.callbacks = 0  # audio thread
        self._queue = PlaybackQueue(1)

    # life cycle (loop)

    async def start(self, on_mic: MicSink, on_lost: LostSink) -> None:
        self._loop, self._on_mic, self._on_lost = asyncio.get_running_loop(), on_mic, on_lost
        await self._open_named(may_rescan=True)

    async def _open_once(self) -> None:
        loop = self._loop
        dev = await self._locate()
        self.rate = int(self.samplerate or dev["default_samplerate"])
        self.description = f"headset {dev['name']!r} ({self.backend}, {self.rate} Hz)"
        self._queue = PlaybackQueue(round(self.rate * self.queue_ms / 1000))
        self._arm()
        block = round(self.rate * self.block_ms / 1000)
        try:
            self._stream = await loop.run_in_executor(None, self._open, dev, block)
        except HeadsetError:
            raise
        except Exception as exc:
            raise HeadsetError(f"cannot open {self.description}: {exc}") from exc
        self._start_watch()

    def _find(self) -> dict:
        try:
            return find_device(self.device, self._devices())
        except AudioLinkError as exc:
            raise HeadsetError(str(exc).replace("sound card", "headset")) from exc
        except HeadsetError:
            raise
        except Exception as exc:  # PortAudio missing or failing: say so, by name
            raise HeadsetError(f"cannot list audio devices: {exc}") from exc

    async def stop(self) -> None:
        await self._stop_stream()
        self._queue.clear()

    # audio thread

    def _on_audio(self, mic: np.ndarray, speaker: np.ndarray) -> None:
        """Copy the mic block to the loop (bounded), fill the speaker. Never blocks."""
        self.callbacks += 1
        now = self.clock.now()
        self._hand_over(mic, self.max_blocks, self._take_mic, now)
        self._queue.pull_into(speaker, now)

    # loop side

    def _take_mic(self, block: np.ndarray, at: float) -> None:
        if self._took():
            self._deliver("mic", self._on_mic, block, at)


class SoundDeviceHeadset(_PortAudioHeadset):
    """A headset through ``sounddevice``. ``stream_factory`` (the keyword arguments of
    ``sounddevice.Stream``) and ``query`` (``sounddevice.query_devices``) are test seams."""

    backend = "sounddevice"

    def __init__(
        self,
        device: str,
        *,
        stream_factory: Callable[..., Any] | None = None,
        query: Callable[[], Any] | None = None,
        **options: Any,
    ) -> None:
        if stream_factory is None and query is None:
            options.setdefault("rescan", registry())  # the real PortAudio
        super().__init__(device, **options)
        self._stream_factory = stream_factory
        self._query = query

    def _devices(self) -> list[dict]:
        return list_devices(self._query)

    def _open(self, dev: dict, block: int) -> Any:
        factory = self._stream_factory
        if factory is None:
            import sounddevice as sd

            factory = sd.Stream
        stream = factory(
            device=(dev["index"], dev["index"]),
            samplerate=self.rate,
            blocksize=block,
            channels=(1, 1),
            dtype="int16",
            latency="low",
            callback=self._callback,
            finished_callback=self._finished,
        )
        stream.start()
        return stream

    _close = staticmethod(close_stream)

    def _callback(self, indata, outdata, frames, time, status) -> None:
        try:
            if status:
                self.xruns += 1
            self._on_audio(indata[:, 0], outdata[:, 0])
        except Exception as exc:  # anything here would kill the stream silently
            self._abort(outdata, exc)


def _import_pyaudio() -> Any:
    try:
        import pyaudio
    except ImportError as exc:
        raise HeadsetError(PYAUDIO_MISSING) from exc
    return pyaudio


class PyAudioHeadset(_PortAudioHeadset):
    """A headset through ``pyaudio`` (also PortAudio). ``pyaudio_module`` is a test seam."""

    backend = "pyaudio"

    def __init__(self, device: str, *, pyaudio_module: Any = None, **options: Any) -> None:
        if pyaudio_module is None:
            options.setdefault("rescan", registry())  # the real PortAudio
        super().__init__(device, **options)
        self._pyaudio = pyaudio_module
        self._pa: Any = None

    def _module(self) -> Any:
        if self._pyaudio is None:
            self._pyaudio = _import_pyaudio()
        return self._pyaudio

    async def _open_once(self) -> None:
        try:
            await super()._open_once()
        except Exception:
            # Not there, or will not open: let go of PortAudio, or a re-scan could not
            # terminate it (each PyAudio holds a reference).
            self._release()
            raise

    def _release(self) -> None:
        pa, self._pa = self._pa, None
        if pa is not None:
            with contextlib.suppress(Exception):
                pa.terminate()

    def _devices(self) -> list[dict]:
        if self._pa is None:
            self._pa = self._module().PyAudio()
        pa = self._pa
        devices = []
        for i in range(pa.get_device_count()):
            info = pa.get_device_info_by_index(i)
            devices.append(
                {
                    "index": i,
                    "name": info["name"],
                    "max_input_channels": int(info["maxInputChannels"]),
                    "max_output_channels": int(info["maxOutputChannels"]),
                    "default_samplerate": float(info["defaultSampleRate"]),
                }
            )
        return devices

    def _open(self, dev: dict, block: int) -> Any:
        pa_mod = self._module()
        stream = self._pa.open(
            rate=self.rate,
            channels=1,
            format=pa_mod.paInt16,
            input=True,
            output=True,
            input_device_index=dev["index"],
            output_device_index=dev["index"],
            frames_per_buffer=block,
            stream_callback=self._callback,
            start=False,
        )
        stream.start_stream()
        return stream

    def _close(self, stream: Any) -> None:
        with contextlib.suppress(Exception):
            stream.stop_stream()
        with contextlib.suppress(Exception):
            stream.close()
        self._release()

    def _callback(self, in_data, frame_count, time_info, status):
        pa_mod = self._pyaudio
        out = np.zeros(frame_count, dtype=np.int16)
        try:
            if status:
                self.xruns += 1
            mic = np.frombuffer(in_data, dtype=np.int16) if in_data else out
            self._on_audio(mic, out)
        except Exception as exc:
            self._thread_lost(f"audio callback failed: {exc!r}")
            return (bytes(out.nbytes), pa_mod.paAbort)
        return (out.tobytes(), pa_mod.paContinue)


# -- arrays and files ------------------------------------------------------------------------
