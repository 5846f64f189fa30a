"""The line <-> headset bridge: drift, latency, continuity, mute, whisper, taps, loss.

What runs where:

* **Simulated clocks, real code** (``test_an_hour_*``, ``test_without_the_servo_*``):
  :func:`firmware.audio.bridge_sim.simulate_drift` drives the real Downlink/Uplink and
  the headset's real PlaybackQueue with a line clock and a headset clock ±300 ppm
  apart, with loop jitter, for an hour; a sine goes each way and is checked sample by
  sample for discontinuities.
* **The async bridge on a VirtualClock** with :class:`ArrayHeadset` (drifting) and
  :class:`ArrayAudioLink` (the line): everything between a line's frames and a
  headset's blocks, as the station runs it.
* **Hardware only**: a real USB headset's clock and PortAudio's real-time thread; the
  thread hand-over itself is tested in ``test_headset.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.generate import to_pcm16, tone
from dsp_ext.levels import sine_peak
from firmware.audio.bridge import (
    HEADSET_AUDIO,
    HEADSET_BACK,
    HEADSET_LOST,
    HEADSET_SILENT,
    Bridge,
    BridgeEvent,
    whisper_tone,
)
from firmware.audio.bridge_drift import DriftServo
from firmware.audio.bridge_sim import _StepMeter, simulate_drift
from firmware.audio.headset import ArrayHeadset
from firmware.audio.soundcard import ArrayAudioLink
from firmware.clock import VirtualClock

LATENCY_LIMIT_MS = 60.0  # the aim for the added delay
STEP_LIMIT = 1.2  # second difference vs a clean sine's; a dropped sample gives up to 7.6


# -- an hour of drifting clocks --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("ppm", [300.0, -300.0])
def test_an_hour_of_300_ppm_drift_has_no_underrun_bounded_latency_and_no_click(ppm):
    report = simulate_drift(3600.0, ppm, settle_s=120.0)
    for name, d in (("ear", report.ear), ("mouth", report.mouth)):
        assert d.underruns == 0, name
        assert d.overruns == 0, name
        assert d.max_latency_ms <= LATENCY_LIMIT_MS, (name, d.max_latency_ms)
        assert d.min_level_ms > 0.0, name
        assert d.worst_step < STEP_LIMIT, (name, d.worst_step)
    # The servos found the offset: the ear makes samples faster when the headset is fast,
    # the mouth slower.
    assert report.ear.ppm_last == pytest.approx(ppm, abs=60)
    assert report.mouth.ppm_last == pytest.approx(-ppm, abs=60)


def test_without_the_servo_the_same_drift_runs_a_buffer_dry():
    # The check above can fail: with the correction capped at 1 ppm, 300 ppm of drift
    # eats the 10 ms margin in ~35 s.
    report = simulate_drift(90.0, 300.0, settle_s=10.0, max_ppm=1.0)
    assert report.ear.underruns > 0  # the fast headset empties the speaker's buffer
    assert report.mouth.max_latency_ms > LATENCY_LIMIT_MS  # and fills the line's FIFO


def test_the_step_meter_sees_one_dropped_sample():
    x = to_pcm16(tone(1000.0, 0.1, -10.0, sample_rate=48000))
    amplitude = 0.98 * sine_peak(-10.0)  # as simulate_drift allows for filter ripple
    clean, dropped = _StepMeter(1000, 48000, amplitude), _StepMeter(1000, 48000, amplitude)
    clean.feed(x, True)
    dropped.feed(np.delete(x, 48 * 26), True)  # at a zero crossing, where a cut is steepest
    assert clean.worst < STEP_LIMIT
    assert dropped.worst > 5


def test_servo_holds_the_level_against_a_constant_offset():
    servo = DriftServo(0.010, max_ppm=1000)
    level, dt = 0.030, 0.02
    for _ in range(round(600 / dt)):  # ten minutes of a plant fed 300 ppm too slowly
        level += (servo.update(level, dt) - 1.0003) * dt
    assert level == pytest.approx(0.010, abs=0.0005)
    assert servo.ppm == pytest.approx(300, abs=5)


def test_servo_never_asks_for_more_than_its_limit():
    servo = DriftServo(0.010, max_ppm=500)
    assert servo.update(1.0, 0.02) == pytest.approx(1 - 500e-6)
    assert servo.update(-1.0, 20.0) == pytest.approx(1 + 500e-6)


# -- the async bridge on a virtual clock --------------------------------------------------------


class Station:
    """A bridge between an ArrayHeadset and an ArrayAudioLink, on one VirtualClock."""

    def __init__(self, *, ppm=300.0, mic=None, far=None, **options):
        self.clock = VirtualClock()
        self.headset = ArrayHeadset(mic, ppm=ppm, clock=self.clock)
        self.line = ArrayAudioLink(far, clock=self.clock, play_queue_frames=500)
        self.events: list[BridgeEvent] = []
        self.bridge = Bridge(self.headset, clock=self.clock, on_event=self.events.append, **options)

    async def start(self, connect=True):
        await self.bridge.start()
        await self.line.start(self.bridge.line_frame, lambda reason: None)
        if connect:
            self.bridge.connect(self.line.play)

    async def stop(self):
        await self.line.stop()
        await self.bridge.stop()

    def kinds(self):
        return [e.kind for e in self.events]


def _sine(freq, seconds, rate, level=-10.0):
    return to_pcm16(tone(freq, seconds, level, sample_rate=rate))


def _amplitude(x):
    """Peak of a pure sine from its RMS (a DFT bin would miss the drift's tiny shift)."""
    return np.sqrt(2 * np.mean(np.square(x.astype(np.float64))))


def _level_at(x, freq, rate):
    """Amplitude of ``freq`` in ``x`` (a DFT bin)."""
    t = np.arange(len(x)) / rate
    return 2 * abs(np.dot(x, np.exp(-2j * np.pi * freq * t))) / len(x)


async def test_both_directions_carry_audio_with_bounded_latency():
    st = Station(ppm=300.0, mic=_sine(400, 40, 48000), far=_sine(1000, 40, 8000))
    await st.start()
    await st.clock.advance(30.0)
    stats = st.bridge.stats
    ear, to_line = st.headset.played()[-48000 * 5 :], st.line.sent_audio()[-8000 * 5 :]
    await st.stop()
    peak = sine_peak(-10.0)
    assert _amplitude(ear) == pytest.approx(peak, rel=0.02)
    assert _amplitude(to_line) == pytest.approx(peak, rel=0.02)
    assert stats.ear_underruns == 0 and stats.mouth_underruns == 0
    assert stats.line_to_ear_ms <= LATENCY_LIMIT_MS
    assert stats.mouth_to_line_ms <= LATENCY_LIMIT_MS
    assert stats.ear_ppm > 0 > stats.mouth_ppm  # correcting a fast headset


async def test_taps_get_two_aligned_streams_of_what_was_heard_and_said():
    far = np.arange(8000 * 3, dtype=np.int16)  # every sample distinct: alignment shows
    st = Station(mic=_sine(400, 5, 48000), far=far)
    heard, said = [], []
    remove = st.bridge.add_tap(lambda a, b: (heard.append(a.copy()), said.append(b.copy())))
    await st.start()
    await st.clock.advance(2.0)
    remove()
    await st.clock.advance(0.5)
    sent = st.line.sent_audio()
    await st.stop()
    heard, said = np.concatenate(heard), np.concatenate(said)
    assert len(heard) == len(said) == 100 * 160  # one frame each per 20 ms, removed at 2 s
    np.testing.assert_array_equal(heard, far[: len(heard)])
    # What the tap says went to the line is what the line sent, frame for frame (one
    # frame later: the array line, like a modem, plays from its own queue).
    np.testing.assert_array_equal(said, sent[160 : 160 + len(said)])


async def test_mute_sends_silence_but_keeps_metering():
    st = Station(mic=_sine(400, 20, 48000), silence_s=1.0)
    await st.start()
    await st.clock.advance(2.0)
    st.bridge.mute = True
    await st.clock.advance(3.0)
    sent = st.line.sent_audio()
    await st.stop()
    assert np.abs(sent[8000 : 8000 * 2]).max() > 3000  # talking before the mute
    assert not sent[-8000 * 2 :].any()  # nothing after it
    assert HEADSET_SILENT not in st.kinds()  # the mic itself is still heard


async def test_whisper_tone_reaches_the_ear_between_calls_and_during_one():
    st = Station(far=np.zeros(8000 * 10, np.int16))
    await st.start(connect=False)
    await st.clock.advance(0.5)
    st.bridge.whisper()
    await st.clock.advance(0.5)
    idle = st.headset.played()[-48000 // 2 :]
    st.bridge.connect(st.line.play)
    await st.clock.advance(0.5)
    st.bridge.whisper()
    await st.clock.advance(0.5)
    during = st.headset.played()[-48000 // 2 :]
    await st.stop()
    expected = whisper_tone(48000)
    for got in (idle, during):
        assert _level_at(got, 800, 48000) == pytest.approx(
            _level_at(expected, 800, 48000) * len(expected) / len(got), rel=0.05
        )


async def test_no_audio_from_the_headset_raises_a_flag_and_clears_it():
    mic = np.concatenate([np.zeros(48000 * 3, np.int16), _sine(400, 2, 48000)])
    st = Station(mic=mic, silence_s=2.0)
    await st.start()
    await st.clock.advance(2.5)
    assert st.bridge.headset_silent and st.bridge.stats.headset_silent
    assert st.kinds() == [HEADSET_SILENT]
    await st.clock.advance(1.0)
    await st.stop()
    assert not st.bridge.headset_silent
    assert st.kinds() == [HEADSET_SILENT, HEADSET_AUDIO]


async def test_headset_lost_during_a_call_is_reported_and_the_line_keeps_its_frames():
    st = Station(mic=_sine(400, 20, 48000), retry_s=1.0)
    await st.start()
    await st.clock.advance(1.0)
    frames_before = st.line.frames_delivered
    st.headset.unplug("USB headset unplugged")
    await st.clock.advance(3.0)
    lost = [e for e in st.events if e.kind == HEADSET_LOST]
    assert len(lost) == 1 and lost[0].during_call and "unplugged" in lost[0].detail
    assert st.bridge.lost and HEADSET_BACK not in st.kinds()  # retries fail while unplugged
    # The call is not dropped by the bridge: the line still gets a frame every 20 ms.
    assert st.line.frames_delivered - frames_before == 150
    assert not st.line.sent_audio()[-8000:].any()
    st.headset.replug()
    await st.clock.advance(2.0)
    assert st.kinds()[-1] == HEADSET_BACK and not st.bridge.lost
    await st.clock.advance(2.0)
    sent = st.line.sent_audio()
    await st.stop()
    assert np.abs(sent[-8000:]).max() > 3000  # talking again after the re-plug


async def test_bridge_over_a_portaudio_backend_hands_audio_across_threads():
    # The same bridge over SoundDeviceHeadset, its callback run from a foreign thread
    # by a stand-in stream (real PortAudio devices: see test_headset.py).
    import asyncio
    import threading

    from firmware.audio.headset import SoundDeviceHeadset

    streams = []

    class Stream:
        def __init__(self, **kwargs):
            self.kwargs = kwargs
            streams.append(self)

        def start(self):
            pass

        def stop(self):
            pass

        def close(self):
            pass

    devices = [{"name": "USB headset", "max_input_channels": 1, "max_output_channels": 1,
                "default_samplerate": 48000.0}]  # fmt: skip
    hs = SoundDeviceHeadset("usb", query=lambda: devices, stream_factory=Stream,
                            watchdog_s=3600.0)  # fmt: skip
    bridge = Bridge(hs)
    await bridge.start()
    sent = []
    bridge.connect(sent.append)
    mic = _sine(400, 1, 48000)
    played = []

    def audio_thread():
        cb = streams[0].kwargs["callback"]
        for j in range(40):
            out = np.zeros((480, 1), np.int16)
            cb(mic[j * 480 : (j + 1) * 480].reshape(-1, 1), out, 480, None, None)
            played.append(out[:, 0].copy())

    t = threading.Thread(target=audio_thread)
    t.start()
    await asyncio.get_running_loop().run_in_executor(None, t.join)
    await asyncio.sleep(0.01)  # the 40 hand-overs run on the loop
    for _ in range(20):
        bridge.line_frame(_sine(1000, 0.02, 8000))
    await bridge.stop()
    assert len(sent) == 20 and all(len(f) == 160 for f in sent)
    assert np.abs(np.concatenate(sent)).max() > 3000  # the mic reached the line
    assert len(played) == 40
