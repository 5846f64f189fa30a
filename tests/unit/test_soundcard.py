"""The sound-card audio link: device lookup, resampling, framing and the thread handover.

What runs where:

* **Real PortAudio, no hardware needed**: listing devices through ``sounddevice``
  and the "no such card" error (``test_real_portaudio_*``). On a machine without
  sound cards PortAudio lists nothing, and the error says so.
* **Fake stream at the seam** (``stream_factory``): everything between PortAudio's
  callback and the loop — resampling 44.1/48 kHz ↔ 8 kHz, 160-sample framing, the
  bounded handover from a foreign thread, output queueing and underruns, the
  finished callback, a failing callback, the watchdog.
* **Hardware only** (``test_hardware_*``, skipped unless ``HOTLINE_SOUNDCARD`` names
  a card by a fragment of its name): opening a real stream and receiving frames.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import ClassVar

import numpy as np
import pytest
import sounddevice as sd

from dsp_ext.generate import to_pcm16, tone
from firmware.audio.soundcard import (
    ArrayAudioLink,
    AudioLinkError,
    FileAudioLink,
    SoundCardLink,
    find_device,
    list_devices,
)
from firmware.audio.wav import write_wav

DEVICES = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "max_input_channels": 2,
     "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "USB Audio Device: - (hw:1,0)", "max_input_channels": 1,
     "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "HDMI 0 (hw:0,3)", "max_input_channels": 0,
     "max_output_channels": 8, "default_samplerate": 44100.0},
    {"name": "C-Media USB Headphone Set (hw:2,0)", "max_input_channels": 1,
     "max_output_channels": 2, "default_samplerate": 44100.0},
]  # fmt: skip


def _indexed(devices=DEVICES):
    return [{**d, "index": i} for i, d in enumerate(devices)]


# -- real PortAudio -------------------------------------------------------------------------


def test_real_portaudio_lists_devices():
    devices = list_devices()
    assert isinstance(devices, list)
    for i, dev in enumerate(devices):
        assert dev["index"] == i and isinstance(dev["name"], str)


def test_real_portaudio_unknown_card_names_the_devices_it_has():
    with pytest.raises(AudioLinkError) as err:
        find_device("no-such-card-7f3a")
    text = str(err.value)
    assert "'no-such-card-7f3a'" in text
    devices = list_devices()
    if devices:
        assert all(d["name"] in text for d in devices)
    else:
        assert "PortAudio sees no audio devices" in text


async def test_real_portaudio_start_fails_with_a_clear_error():
    link = SoundCardLink("no-such-card-7f3a")
    with pytest.raises(AudioLinkError, match="no sound card name contains 'no-such-card-7f3a'"):
        await link.start(lambda f: None, lambda r: None)


@pytest.mark.skipif(
    not os.environ.get("HOTLINE_SOUNDCARD"),
    reason="hardware only: set HOTLINE_SOUNDCARD to a fragment of a sound card's name",
)
async def test_hardware_card_delivers_8khz_frames():
    frames: list = []
    link = SoundCardLink(os.environ["HOTLINE_SOUNDCARD"])
    await link.start(frames.append, lambda r: pytest.fail(r))
    await asyncio.sleep(1.0)
    await link.stop()
    assert len(frames) >= 40 and all(f.shape == (160,) and f.dtype == np.int16 for f in frames)


# -- finding a device by name ----------------------------------------------------------------


def test_find_device_by_fragment_any_case():
    assert find_device("usb audio", _indexed())["index"] == 1
    assert find_device("C-MEDIA", _indexed())["index"] == 3


def test_find_device_refuses_output_only_and_ambiguous_matches():
    with pytest.raises(AudioLinkError, match="without both input and output"):
        find_device("HDMI", _indexed())
    with pytest.raises(AudioLinkError, match="several devices"):
        find_device("USB", _indexed())
    with pytest.raises(AudioLinkError, match="no sound card name given"):
        find_device("  ", _indexed())


# -- the fake stream at the seam --------------------------------------------------------------


class FakeStream:
    """Stands in for ``sounddevice.Stream``: the test plays PortAudio's part."""

    instances: ClassVar[list[FakeStream]] = []

    def __init__(self, **kw) -> None:
        self.kw = kw
        self.started = self.closed = False
        FakeStream.instances.append(self)

    def start(self) -> None:
        self.started = True

    def stop(self) -> None:
        self.started = False

    def close(self) -> None:
        self.closed = True

    def pump(self, block: np.ndarray) -> np.ndarray:
        """One PortAudio period: ``block`` in, the output block returned."""
        indata = block.reshape(-1, 1).astype(np.int16)
        outdata = np.zeros_like(indata)
        self.kw["callback"](indata, outdata, len(indata), None, sd.CallbackFlags())
        return outdata[:, 0]


def _link(rate=48000, **kw) -> SoundCardLink:
    devices = [{**d, "default_samplerate": float(rate)} for d in DEVICES]
    return SoundCardLink("USB Audio", stream_factory=FakeStream, query=lambda: devices, **kw)


def _peak_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * rate / len(x))


async def _until(predicate, timeout: float = 5.0) -> None:
    async def poll():
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


@pytest.mark.parametrize(
    ("rate", "blocks"), [(48000, [960]), (44100, [882]), (48000, [7, 1000, 333])]
)
async def test_input_is_resampled_to_8khz_frames_from_portaudios_thread(rate, blocks):
    frames: list[np.ndarray] = []
    threads: set[int] = set()
    link = _link(rate, queue_blocks=1000)  # this fake PortAudio runs faster than real time

    def on_frame(f):
        threads.add(threading.get_ident())
        frames.append(f.copy())

    await link.start(on_frame, lambda r: pytest.fail(r))
    stream = FakeStream.instances[-1]
    assert stream.started and stream.kw["samplerate"] == rate
    assert stream.kw["blocksize"] == rate // 50 and stream.kw["dtype"] == "int16"
    signal = to_pcm16(tone(1000.0, 2.0, -10.0, rate))

    def portaudio():
        pos, k = 0, 0
        while pos < len(signal):
            n = blocks[k % len(blocks)]
            stream.pump(signal[pos : pos + n])
            pos, k = pos + n, k + 1

    thread = threading.Thread(target=portaudio)
    thread.start()
    await asyncio.get_running_loop().run_in_executor(None, thread.join)
    expected = (2 * 8000) // 160  # whole frames out of 2 s
    await _until(lambda: len(frames) >= expected - 1)
    await link.stop()
    assert link.dropped_blocks == 0
    assert threads == {threading.get_ident()}  # delivered on the loop thread
    assert all(f.shape == (160,) and f.dtype == np.int16 for f in frames)
    assert expected - 1 <= len(frames) <= expected
    out = np.concatenate(frames)[800:]
    assert abs(_peak_hz(out, 8000) - 1000.0) < 20
    level_in = np.sqrt(np.mean(signal.astype(float) ** 2))
    level_out = np.sqrt(np.mean(out.astype(float) ** 2))
    assert abs(20 * np.log10(level_out / level_in)) < 0.5
    assert stream.closed


async def test_output_is_resampled_to_the_card_rate_and_underruns_give_silence():
    link = _link(48000)
    await link.start(lambda f: None, lambda r: None)
    stream = FakeStream.instances[-1]
    pcm = to_pcm16(tone(1000.0, 0.4, -10.0, 8000))
    for k in range(0, len(pcm), 160):
        assert link.play(pcm[k : k + 160])
    assert link.pending_frames == 20
    out = np.concatenate([stream.pump(np.zeros(960, np.int16)) for _ in range(20)])
    assert link.pending_frames == 0
    assert abs(_peak_hz(out[2000:], 48000) - 1000.0) < 10
    assert not stream.pump(np.zeros(960, np.int16)).any()  # nothing queued: silence
    await link.stop()


async def test_play_refuses_frames_beyond_the_queue():
    link = _link(48000, play_queue_frames=5)
    await link.start(lambda f: None, lambda r: None)
    silence = np.zeros(160, np.int16)
    assert [link.play(silence) for _ in range(7)] == [True] * 5 + [False] * 2
    link.clear_playback()
    assert link.pending_frames == 0 and link.play(silence)
    with pytest.raises(ValueError, match="int16"):
        link.play(np.zeros(160))
    await link.stop()


async def test_a_stalled_loop_drops_input_blocks_instead_of_queueing_forever():
    frames: list = []
    link = _link(48000, queue_blocks=4)
    await link.start(frames.append, lambda r: None)
    stream = FakeStream.instances[-1]
    for _ in range(10):  # the loop cannot run between these: it is this thread
        stream.pump(np.zeros(960, np.int16))
    assert link.dropped_blocks == 6
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(frames) == 4  # the 4 blocks handed over: 20 ms each, one frame each
    await link.stop()


async def test_stream_finished_while_running_is_a_lost_device():
    errors: list[str] = []
    link = _link()
    await link.start(lambda f: None, errors.append)
    stream = FakeStream.instances[-1]
    threading.Thread(target=stream.kw["finished_callback"]).start()
    await _until(lambda: errors)
    assert errors == ["the audio stream stopped"] and not link.running
    await link.stop()


async def test_a_failing_callback_aborts_the_stream_and_reports():
    errors: list[str] = []
    link = _link()
    await link.start(lambda f: None, errors.append)
    stream = FakeStream.instances[-1]
    bad = np.zeros(960, np.int16)  # 1-D: indexing a channel fails inside the callback
    with pytest.raises(sd.CallbackAbort):
        stream.kw["callback"](bad, np.zeros((960, 1), np.int16), 960, None, sd.CallbackFlags())
    await _until(lambda: errors)
    assert "audio callback failed" in errors[0]
    await link.stop()


async def test_no_input_for_the_watchdog_time_is_a_lost_device():
    errors: list[str] = []
    link = _link(watchdog_s=0.1)
    await link.start(lambda f: None, errors.append)
    await _until(lambda: errors)
    assert errors[0].startswith("no audio from sound card 'USB Audio Device")
    await link.stop()


async def test_a_stream_that_cannot_open_is_named():
    def refuse(**kw):
        raise sd.PortAudioError("Device unavailable", -9985)

    link = SoundCardLink("C-Media", stream_factory=refuse, query=lambda: DEVICES)
    with pytest.raises(AudioLinkError, match=r"cannot open sound card 'C-Media USB.*unavailable"):
        await link.start(lambda f: None, lambda r: None)


# -- arrays and files --------------------------------------------------------------------------


async def test_array_link_paces_frames_and_records_what_was_played():
    frames: list = []
    link = ArrayAudioLink(np.arange(400, dtype=np.int16))
    await link.start(frames.append, lambda r: None)
    link.play(np.full(160, 7, np.int16))
    await _until(lambda: len(frames) >= 4)
    await link.stop()
    joined = np.concatenate(frames)
    assert np.array_equal(joined[:400], np.arange(400)) and not joined[400:].any()
    sent = link.sent_audio()
    assert np.array_equal(sent[:160], np.full(160, 7)) and not sent[160:].any()


async def test_array_link_fail_reports_on_the_loop():
    errors: list = []
    link = ArrayAudioLink()
    await link.start(lambda f: None, errors.append)
    link.fail("gone")
    await asyncio.sleep(0)
    assert errors == ["gone"] and not link.running


async def test_file_link_reads_wav_at_any_rate_and_writes_what_went_out(tmp_path):
    src, out = tmp_path / "far.wav", tmp_path / "sent.wav"
    write_wav(src, to_pcm16(tone(440.0, 0.5, -10.0, 16000)), 16000)
    frames: list = []
    link = FileAudioLink(src, record_to=out)
    await link.start(frames.append, lambda r: None)
    await _until(lambda: len(frames) >= 25)
    await link.stop()
    assert abs(_peak_hz(np.concatenate(frames[:25]), 8000) - 440.0) < 20
    assert out.exists()
    with pytest.raises(AudioLinkError, match="cannot read"):
        await FileAudioLink(tmp_path / "missing.wav").start(lambda f: None, lambda r: None)
