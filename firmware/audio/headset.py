"""Operator headsets: one small interface, PortAudio backends and an array/file headset.

A headset runs at its own rate (44.1 or 48 kHz) and its own clock. Its interface is
deliberately thin, so the bridge above cannot tell the backends apart:

* ``await start(on_mic, on_lost)``: from now on ``on_mic(block, at)`` gets every mic
  block (1-D int16 at :attr:`rate`) *on the event loop*, with the clock time its
  callback ran (when the block's last sample was in); ``on_lost(reason)`` once if it goes.
* ``write(samples)``: queue speaker samples (headset rate); ``queued_samples`` is how
  many are queued and not yet played and ``pulled_at`` when the speaker last took a
  block (the bridge servos on both).
* counters ``underruns`` (the speaker ran dry, episodes), ``overruns`` (writes refused
  beyond the queue's limit) and ``dropped_blocks`` (mic blocks refused because the loop
  had too many in flight).

Backends, chosen by name (:func:`open_headset`): ``"sounddevice"`` and ``"pyaudio"``
(both PortAudio), and ``"file"`` (:class:`FileHeadset`, a WAV file as the mic).
:class:`ArrayHeadset` is the same thing paced by a ``Clock``, with a settable clock
error in ppm, for tests, the demo and the drift simulation.

Threads: PortAudio calls back on its own thread. The callback never blocks and
never touches loop state: it copies the mic block and hands it over with
``loop.call_soon_threadsafe`` (at most ``max_blocks`` in flight; more are dropped and
counted), and pulls speaker samples from a :class:`PlaybackQueue` (deque
``append``/``popleft`` are atomic; each counter has one writer). The loop, in turn,
never waits for the callback. A device is named by a stable fragment of its name,
found with :func:`firmware.audio.soundcard.find_device`.
"""

from __future__ import annotations

from typing import Any

from .headset_array import ArrayHeadset, FileHeadset
from .headset_base import (
    BACKENDS,
    PYAUDIO_MISSING,
    Headset,
    HeadsetError,
    LostSink,
    MicSink,
    PlaybackQueue,
)
from .headset_portaudio import PyAudioHeadset, SoundDeviceHeadset, _import_pyaudio

__all__ = [
    "BACKENDS",
    "PYAUDIO_MISSING",
    "ArrayHeadset",
    "FileHeadset",
    "Headset",
    "HeadsetError",
    "LostSink",
    "MicSink",
    "PlaybackQueue",
    "PyAudioHeadset",
    "SoundDeviceHeadset",
    "open_headset",
]


def open_headset(backend: str, device: str, **options: Any) -> Headset:
    """The headset named ``device`` through ``backend`` (one of :data:`BACKENDS`).

    For ``"file"``, ``device`` is the WAV file that plays as the mic. Options go to
    the backend's constructor (``clock``, ``samplerate``, ``block_ms``, ...).
    """
    if backend == "sounddevice":
        return SoundDeviceHeadset(device, **options)
    if backend == "pyaudio":
        _import_pyaudio()  # fail now, with the install hint, not at the first call
        return PyAudioHeadset(device, **options)
    if backend == "file":
        return FileHeadset(device, **options)
    raise HeadsetError(f"headset backend {backend!r} is not one of {', '.join(BACKENDS)}")
