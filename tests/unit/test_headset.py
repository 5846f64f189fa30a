"""Headsets: the playback queue, backends chosen by name, PortAudio's thread hand-over.

What runs where:

* **Real PortAudio, no hardware** (``test_real_portaudio_*``): an ALSA ``file`` PCM
  (mic read from a raw file, speaker written to one, over ALSA's ``null`` device) named
  ``hotline_test_headset``, through both the ``sounddevice`` and the ``pyaudio``
  backends, in a subprocess whose ``ALSA_CONFIG_PATH`` defines it. That device runs
  as fast as the CPU allows (it has no clock), which is also what shows that
  PortAudio's callback keeps going while the event loop is blocked.
* **Fake stream at the seam** (``stream_factory``): the hand-over from a foreign thread,
  a stuck callback against a live loop and a blocked loop against a live callback,
  stream end, a failing callback and the watchdog.
* **Hardware only** (``test_hardware_*``, skipped unless ``HOTLINE_HEADSET`` names a
  headset by a fragment of its name): a real USB headset's clock and unplugging it.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
from typing import ClassVar

import numpy as np
import pytest

from firmware.audio.headset import (
    PYAUDIO_MISSING,
    ArrayHeadset,
    FileHeadset,
    HeadsetError,
    PlaybackQueue,
    PyAudioHeadset,
    SoundDeviceHeadset,
    open_headset,
)
from firmware.audio.wav import write_wav
from firmware.clock import VirtualClock

DEVICES = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "max_input_channels": 2,
     "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "Plantronics Blackwire 3220: USB Audio (hw:1,0)", "max_input_channels": 1,
     "max_output_channels": 2, "default_samplerate": 44100.0},
]  # fmt: skip

try:
    import pyaudio  # noqa: F401

    HAVE_PYAUDIO = True
except ImportError:
    HAVE_PYAUDIO = False


# -- the playback queue -------------------------------------------------------------------------


def test_playback_queue_plays_in_order_and_pads_with_silence():
    q = PlaybackQueue(1000)
    q.write(np.arange(1, 301, dtype=np.int16))
    q.write(np.arange(301, 401, dtype=np.int16))
    out = np.empty(250, np.int16)
    assert q.pull_into(out, now=1.5) == 250 and q.pulled_at == 1.5
    np.testing.assert_array_equal(out, np.arange(1, 251))
    assert q.queued == 150
    assert q.pull_into(out) == 150
    np.testing.assert_array_equal(out[:150], np.arange(251, 401))
    assert not out[150:].any()
    assert q.underruns == 1  # ran dry inside a block
    q.pull_into(out)
    assert q.underruns == 1  # still dry: one episode, not one per block


def test_playback_queue_refuses_past_its_limit_and_counts_it():
    q = PlaybackQueue(500)
    assert q.write(np.ones(400, np.int16)) == 400
    assert q.write(np.ones(400, np.int16)) == 100
    assert q.write(np.ones(1, np.int16)) == 0
    assert q.overruns == 2 and q.queued == 500
    q.clear()
    assert q.queued == 0


# -- choosing a backend by name ----------------------------------------------------------------


def test_unknown_backend_names_the_ones_there_are():
    with pytest.raises(HeadsetError, match="'alsa' is not one of sounddevice, pyaudio, file"):
        open_headset("alsa", "USB")


def test_backends_by_name():
    assert isinstance(open_headset("sounddevice", "USB"), SoundDeviceHeadset)
    if HAVE_PYAUDIO:
        assert isinstance(open_headset("pyaudio", "USB"), PyAudioHeadset)


def test_pyaudio_missing_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyaudio", None)  # import pyaudio -> ImportError
    with pytest.raises(HeadsetError) as err:
        open_headset("pyaudio", "USB")
    assert str(err.value) == PYAUDIO_MISSING
    assert "portaudio19-dev" in PYAUDIO_MISSING


async def test_file_headset_plays_its_wav_as_the_mic_and_records_the_speaker(tmp_path):
    mic = (np.arange(4410) % 100).astype(np.int16)
    write_wav(tmp_path / "mic.wav", mic, 44100)
    clock = VirtualClock()
    hs = open_headset("file", str(tmp_path / "mic.wav"), clock=clock,
                      record_to=tmp_path / "ear.wav")  # fmt: skip
    assert isinstance(hs, FileHeadset) and hs.rate == 44100
    got = []
    await hs.start(lambda block, at: got.append(block), lambda reason: None)
    hs.write(np.full(441, 7, np.int16))
    await clock.advance(0.1)
    await hs.stop()
    np.testing.assert_array_equal(np.concatenate(got), mic[: sum(map(len, got))])
    from firmware.audio.wav import read_wav

    ear, info = read_wav(tmp_path / "ear.wav")
    assert info.sample_rate == 44100 and (ear[:441] == 7).all() and not ear[441:].any()


async def test_file_headset_names_a_bad_file(tmp_path):
    with pytest.raises(HeadsetError, match=r"cannot use .*nope\.wav as a headset mic"):
        FileHeadset(tmp_path / "nope.wav")


async def test_array_headset_runs_fast_by_its_ppm():
    clock = VirtualClock()
    hs = ArrayHeadset(rate=48000, ppm=1000.0, clock=clock)
    sizes = []
    await hs.start(lambda block, at: sizes.append(len(block)), lambda reason: None)
    await clock.advance(10.0)
    await hs.stop()
    assert sum(sizes) == pytest.approx(480480, abs=1)  # 1000 ppm fast: 480 more in 10 s
    assert set(sizes) == {480, 481}


# -- a fake PortAudio stream at the seam ------------------------------------------------------


class FakeStream:
    """Stands in for ``sounddevice.Stream``; the test calls back from its own thread."""

    instances: ClassVar[list[FakeStream]] = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.started = self.closed = False
        self.played: list[np.ndarray] = []
        FakeStream.instances.append(self)

    def start(self):
        self.started = True

    def stop(self):
        self.started = False

    def close(self):
        self.closed = True

    def call(self, mic: np.ndarray) -> None:
        out = np.zeros((self.kwargs["blocksize"], 1), np.int16)
        self.kwargs["callback"](mic.reshape(-1, 1), out, len(mic), None, None)
        self.played.append(out[:, 0].copy())

    def in_thread(self, fn, *args) -> threading.Thread:
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        return t


def _headset(**options):
    FakeStream.instances.clear()
    options.setdefault("watchdog_s", 3600.0)
    return SoundDeviceHeadset("blackwire", query=lambda: DEVICES, stream_factory=FakeStream,
                              **options)  # fmt: skip


async def test_device_found_by_name_fragment_and_opened_mono_at_its_rate():
    hs = _headset()
    await hs.start(lambda block, at: None, lambda reason: None)
    stream = FakeStream.instances[0]
    await hs.stop()
    assert stream.kwargs["device"] == (1, 1) and stream.kwargs["channels"] == (1, 1)
    assert stream.kwargs["samplerate"] == 44100 and stream.kwargs["blocksize"] == 441
    assert hs.rate == 44100 and "Blackwire" in hs.description and stream.closed


async def test_unknown_headset_lists_the_devices():
    hs = SoundDeviceHeadset("jabra", query=lambda: DEVICES, stream_factory=FakeStream)
    with pytest.raises(HeadsetError, match=r"no headset name contains 'jabra'.*Blackwire"):
        await hs.start(lambda block, at: None, lambda reason: None)


async def test_mic_blocks_reach_the_loop_from_portaudios_thread_and_speaker_plays():
    hs = _headset()
    got, loop_thread = [], threading.get_ident()
    await hs.start(lambda block, at: got.append((block, threading.get_ident())),
                   lambda reason: None)  # fmt: skip
    stream = FakeStream.instances[0]
    hs.write(np.arange(600, dtype=np.int16))
    blocks = [np.full(441, i, np.int16) for i in range(4)]
    stream.in_thread(lambda: [stream.call(b) for b in blocks]).join()
    await asyncio.sleep(0.01)
    await hs.stop()
    assert [int(b[0]) for b, _ in got] == [0, 1, 2, 3]
    assert {t for _, t in got} == {loop_thread}
    played = np.concatenate(stream.played)
    np.testing.assert_array_equal(played[:600], np.arange(600))
    assert not played[600:].any() and hs.underruns == 1


async def test_a_stuck_callback_does_not_stall_the_loop():
    # PortAudio's thread hangs inside our callback (in the speaker pull); the loop keeps
    # running its own work, and gets the block once the thread comes back.
    hs = _headset()
    got = []
    await hs.start(lambda block, at: got.append(block), lambda reason: None)
    stream = FakeStream.instances[0]
    inside, release = threading.Event(), threading.Event()
    pull = hs._queue.pull_into

    def stuck_pull(out, now=0.0):
        inside.set()
        release.wait(30)  # failsafe only: the test releases it
        return pull(out, now)

    hs._queue.pull_into = stuck_pull
    thread = stream.in_thread(stream.call, np.ones(441, np.int16))
    assert await asyncio.get_running_loop().run_in_executor(None, inside.wait, 30)
    turns = 0
    for _ in range(200):  # the loop is free: 200 turns while the callback is stuck
        await asyncio.sleep(0)
        hs.write(np.zeros(441, np.int16))
        turns += 1
    assert turns == 200 and thread.is_alive()
    release.set()
    await asyncio.get_running_loop().run_in_executor(None, thread.join, 30)
    await asyncio.sleep(0.01)
    await hs.stop()
    assert len(got) == 1 and got[0][0] == 1


async def test_a_blocked_loop_does_not_stall_the_callback():
    # The loop thread blocks (a slow consumer, a GC pause); PortAudio's callback keeps
    # playing what was queued and drops mic blocks past the bound instead of waiting.
    hs = _headset(max_blocks=10, queue_ms=1000.0)
    got = []
    await hs.start(lambda block, at: got.append(block), lambda reason: None)
    stream = FakeStream.instances[0]
    hs.write(np.arange(441 * 50, dtype=np.int16) % 1000)
    done = threading.Event()

    def run():
        for i in range(50):
            stream.call(np.full(441, i, np.int16))
        done.set()

    stream.in_thread(run)
    assert done.wait(30)  # blocking the loop thread on purpose: the callback never needs it
    assert hs.dropped_blocks == 40
    np.testing.assert_array_equal(np.concatenate(stream.played), np.arange(441 * 50) % 1000)
    await asyncio.sleep(0.01)
    await hs.stop()
    assert [int(b[0]) for b in got] == list(range(10))


async def test_stream_finished_while_running_is_a_lost_headset():
    hs = _headset()
    lost = []
    await hs.start(lambda block, at: None, lost.append)
    stream = FakeStream.instances[0]
    stream.in_thread(stream.kwargs["finished_callback"]).join()
    await asyncio.sleep(0.01)
    await hs.stop()
    assert lost == ["the audio stream stopped"]


async def test_a_failing_callback_aborts_and_reports():
    import sounddevice as sd

    hs = _headset()
    lost = []
    await hs.start(lambda block, at: None, lost.append)
    stream = FakeStream.instances[0]
    errors = []

    def bad_call():
        try:
            stream.kwargs["callback"](None, np.zeros((441, 1), np.int16), 441, None, None)
        except sd.CallbackAbort:
            errors.append("abort")

    stream.in_thread(bad_call).join()
    await asyncio.sleep(0.01)
    await hs.stop()
    assert errors == ["abort"] and len(lost) == 1 and "callback failed" in lost[0]


async def test_no_callbacks_for_the_watchdog_time_is_a_lost_headset():
    clock = VirtualClock()
    hs = _headset(clock=clock, watchdog_s=1.0)
    lost = []
    await hs.start(lambda block, at: None, lost.append)
    await clock.advance(2.0)
    await hs.stop()
    assert len(lost) == 1 and "no audio from headset" in lost[0]


# -- real PortAudio through ALSA's file device ----------------------------------------------------

ASOUND = """\
</usr/share/alsa/alsa.conf>
pcm.hotline_test_headset {{
    type asym
    playback.pcm {{ type file; slave.pcm "null"; file "{out}"; format "raw" }}
    capture.pcm {{ type file; slave.pcm "null"; file "/dev/null"; infile "{inp}"; format "raw" }}
}}
"""

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    import numpy as np
    from firmware.audio.headset import open_headset

    async def main(backend):
        hs = open_headset(backend, "hotline_test", samplerate=48000, watchdog_s=60.0)
        got = []
        await hs.start(lambda block, at: got.append(block), lambda reason: None)
        while sum(map(len, got)) < 4800:
            await asyncio.sleep(0.001)
        marker = (np.arange(4800) % 2000 + 1000).astype(np.int16)
        hs.write(marker)
        while hs.queued_samples:
            await asyncio.sleep(0.001)
        # Block the loop thread; PortAudio keeps calling back regardless.
        start, deadline = hs.callbacks, time.monotonic() + 30
        while hs.callbacks < start + 100 and time.monotonic() < deadline:
            pass
        during = hs.callbacks - start
        await hs.stop()
        # Blocks, not one stretch: this ALSA device has no clock, so PortAudio calls
        # back as fast as it can and the loop drops (and counts) what it cannot take.
        blocks = [b.tolist() for b in got[:20]]
        print(json.dumps({"rate": hs.rate, "mic": blocks, "during": during,
                          "description": hs.description}))

    asyncio.run(main(sys.argv[1]))
    """
)


def _run_real(backend, tmp_path):
    inp = (np.sin(np.arange(48000) * 2 * np.pi * 440 / 48000) * 8000).astype("<i2")
    inp.tofile(tmp_path / "in.raw")
    (tmp_path / "asound.conf").write_text(
        ASOUND.format(out=tmp_path / "out.raw", inp=tmp_path / "in.raw")
    )
    env = {**os.environ, "ALSA_CONFIG_PATH": str(tmp_path / "asound.conf")}
    done = subprocess.run([sys.executable, "-c", SCRIPT, backend], env=env, capture_output=True,
                          text=True, timeout=120, cwd=os.getcwd())  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    out = np.fromfile(tmp_path / "out.raw", dtype="<i2")
    (tmp_path / "out.raw").unlink()  # it grows fast: this device has no clock
    return result, inp, out


def _contains(haystack: np.ndarray, needle: np.ndarray) -> bool:
    starts = np.flatnonzero(haystack[: len(haystack) - len(needle) + 1] == needle[0])
    return any(np.array_equal(haystack[s : s + len(needle)], needle) for s in starts)


@pytest.mark.parametrize("backend", ["sounddevice", "pyaudio"])
def test_real_portaudio_headset_by_name_mic_speaker_and_a_blocked_loop(backend, tmp_path):
    if backend == "pyaudio" and not HAVE_PYAUDIO:
        pytest.skip(PYAUDIO_MISSING)
    result, inp, out = _run_real(backend, tmp_path)
    assert result["rate"] == 48000 and "hotline_test_headset" in result["description"]
    # The mic: each block a stretch of the file, in order within the block.
    blocks = [np.array(b, dtype=np.int16) for b in result["mic"]]
    assert sum(map(len, blocks)) >= 4800
    assert all(len(b) > 0 and _contains(np.tile(inp, 2), b) for b in blocks)
    assert _contains(out, (np.arange(4800) % 2000 + 1000).astype(np.int16))  # the speaker
    assert result["during"] >= 100  # callbacks went on while the loop thread was blocked


@pytest.mark.skipif(
    not os.environ.get("HOTLINE_HEADSET"),
    reason="hardware only: set HOTLINE_HEADSET to a fragment of a real headset's name",
)
async def test_hardware_headset_delivers_mic_blocks_at_its_rate():
    backend = os.environ.get("HOTLINE_HEADSET_BACKEND", "sounddevice")
    hs = open_headset(backend, os.environ["HOTLINE_HEADSET"])
    got = []
    await hs.start(lambda block, at: got.append(block), lambda reason: None)
    await asyncio.sleep(1.0)
    await hs.stop()
    assert hs.rate in (44100, 48000) and sum(map(len, got)) > hs.rate // 2


# -- real PortAudio: a device plugged in while another is open -----------------------------------

REPLUG_ASOUND = """\
</usr/share/alsa/alsa.conf>
pcm.hotline_test_headset {
    type file; slave.pcm "null"; file "/dev/null"; infile "/dev/zero"; format "raw"
}
"""
REPLUG_DEVICE = """
pcm.hotline_replugged {
    type file; slave.pcm "null"; file "/dev/null"; infile "/dev/zero"; format "raw"
}
"""

REPLUG_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, os, sys, time
    from pathlib import Path
    from firmware.audio import portaudio_rescan
    from firmware.audio.headset import open_headset

    backend, cards, device = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    conf = Path(os.environ["ALSA_CONFIG_PATH"])
    reg = portaudio_rescan.registry()
    reg.cards = cards.read_text  # stands in for /proc/asound/cards

    async def until(check):
        deadline = time.monotonic() + 30
        while not check() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def main():
        lost, got_a, got_b, errors = [], [], [], []
        a = open_headset(backend, "hotline_test_headset", samplerate=48000, watchdog_s=60)
        await a.start(lambda block, at: got_a.append(len(block)), lost.append)
        b = open_headset(backend, "hotline_replugged", samplerate=48000, watchdog_s=60)
        for _ in range(2):  # not plugged in yet
            try:
                await b.start(lambda block, at: got_b.append(len(block)), lost.append)
            except Exception as exc:
                errors.append(type(exc).__name__ + ": " + str(exc)[:60])
        away = reg.rescans
        conf.write_text(conf.read_text() + device)  # "plugged in": ALSA lists it now
        cards.write_text(cards.read_text() + " 1 [Replugged]: USB-Audio\\n")
        await b.start(lambda block, at: got_b.append(len(block)), lost.append)
        before = len(got_a)
        await until(lambda: len(got_a) > before + 10 and len(got_b) > 10)
        result = {"errors": errors, "away": away, "rescans": reg.rescans, "lost": lost,
                  "a_after": len(got_a) - before, "b": len(got_b), "b_name": b.description,
                  "open": len(reg.devices)}
        await a.stop()
        await b.stop()
        print(json.dumps(result))

    asyncio.run(main())
    """
)


@pytest.mark.parametrize("backend", ["sounddevice", "pyaudio"])
def test_real_portaudio_rescan_finds_a_plugged_in_headset_and_the_open_one_goes_on(
    backend, tmp_path
):
    if backend == "pyaudio" and not HAVE_PYAUDIO:
        pytest.skip(PYAUDIO_MISSING)
    (tmp_path / "asound.conf").write_text(REPLUG_ASOUND)
    (tmp_path / "cards").write_text(" 0 [PCH ]: HDA-Intel\n")
    env = {**os.environ, "ALSA_CONFIG_PATH": str(tmp_path / "asound.conf")}
    done = subprocess.run(
        [sys.executable, "-c", REPLUG_SCRIPT, backend, str(tmp_path / "cards"), REPLUG_DEVICE],
        env=env, capture_output=True, text=True, timeout=120, cwd=os.getcwd(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    r = json.loads(done.stdout.strip().splitlines()[-1])
    # Away: not found, and only the first miss re-scanned (the cards did not change).
    assert len(r["errors"]) == 2 and all("hotline_replugged" in e for e in r["errors"])
    assert r["away"] == 1
    # Plugged in: one more re-scan finds it; the open headset stepped aside and went on.
    assert r["rescans"] == 2 and "hotline_replugged" in r["b_name"] and r["b"] > 10
    assert r["a_after"] > 10 and r["lost"] == [] and r["open"] == 2
