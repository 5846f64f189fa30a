"""LineMedia on a real line driver: the FXO line over gpiozero's mock pins and an
array-backed sound card, all on the virtual clock.

No hardware is needed for this driver (its emulator-free seams are the pin factory
and the audio link), so what is tested is the whole way: prompt frames go out through
``FxoLine.play`` to the "sound card"; keys are real DTMF in the caller's audio, heard
by the line's own DSP detector; the caller hanging up is a busy tone on the line.
"""

from __future__ import annotations

import asyncio
import tomllib

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from dsp_ext.generate import dtmf
from dsp_ext.progress_gen import progress_tone
from firmware.audio.prompts import PromptStore
from firmware.audio.soundcard import ArrayAudioLink
from firmware.audio.wav import read_wav, write_wav
from firmware.clock import VirtualClock
from firmware.config import parse_config
from firmware.lines.events import CallEnded, DtmfReceived, LineState
from firmware.lines.fxo import FxoLine, FxoTiming
from firmware.media import LineMedia

RING_PIN, HOOK_PIN = 17, 27
CONFIG = """
box_id = "t1"
[languages]
available = ["en"]
default = "en"
[lines.l1]
kind = "fxo"
ring_pin = 17
hook_pin = 27
audio_device = "array"
flow = "main"
[queues.q]
strategy = "ringall"
announce_every_s = 0
hold_music = "music"
[agents.anna]
queues = ["q"]
[ivr.main]
start = "hello"
silence_after_s = 0
[ivr.main.nodes.hello]
type = "play"
prompt = "hello"
next = "bye"
[ivr.main.nodes.bye]
type = "hangup"
prompt = "long"
[prompts.hello]
file = "hello.wav"
[prompts.music]
file = "music.wav"
[prompts.long]
file = "long.wav"
"""


def ramp(seconds: float, start: int) -> np.ndarray:
    """A signal that says where it is: sample k holds start + k (mod 2^15), so any gap,
    drop or repeat shows in a comparison."""
    n = round(seconds * 8000)
    return ((np.arange(n) + start) % 30000 + 1).astype(np.int16)


def voice(seconds: float, level: float = 3000.0) -> np.ndarray:
    """A voice-like signal: a gliding harmonic series with syllable rhythm (not a tone)."""
    n = round(seconds * 8000)
    t = np.arange(n) / 8000
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 8000
    x = sum(np.sin(h * phase) / h**0.7 for h in range(1, 20))
    x = x * (0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t)))
    return np.clip(x / np.sqrt(np.mean(x**2)) * level, -32768, 32767).astype(np.int16)


def find(haystack: np.ndarray, needle: np.ndarray) -> int:
    """Where ``needle`` occurs whole in ``haystack`` (-1: it does not)."""
    hits = np.flatnonzero(haystack == needle[0])
    for i in hits:
        if np.array_equal(haystack[i : i + len(needle)], needle):
            return int(i)
    return -1


class Rig:
    def __init__(self, tmp_path) -> None:
        self.clock = VirtualClock()
        self.factory = MockFactory()
        self.link = ArrayAudioLink(clock=self.clock)
        self.events: list = []
        self.spoken: list[tuple[str, str]] = []
        self.line = FxoLine(
            "l1",
            ring_pin=RING_PIN,
            hook_pin=HOOK_PIN,
            audio=self.link,
            pin_factory=self.factory,
            timing=FxoTiming(silence_hangup_s=0),
            on_event=self._event,
            on_audio=lambda frame: self.media.on_audio(frame),
            clock=self.clock,
        )
        self.hello, self.music = ramp(1.0, 0), ramp(0.5, 10_000)
        write_wav(tmp_path / "hello.wav", self.hello)
        write_wav(tmp_path / "music.wav", self.music)
        write_wav(tmp_path / "long.wav", ramp(5.0, 0))
        self.config = parse_config(tomllib.loads(CONFIG), base_dir=tmp_path)
        self.store = PromptStore(cache_dir=tmp_path / "cache", base_dir=tmp_path, speak=self._speak)
        self.media = LineMedia(self.line, prompts=self.store, clock=self.clock)

    def _speak(self, text: str, voice: str) -> np.ndarray:
        self.spoken.append((text, voice))
        return ramp(0.6, 20_000)

    def _event(self, ev) -> None:
        """The line's owner: every event to the media (it takes keys and the hang-up)."""
        self.events.append(ev)
        self.media.on_line_event(ev)

    async def answer(self) -> None:
        await self.store.prepare(self.config)
        await self.line.start()
        pin = self.factory.pin(RING_PIN)
        for _ in range(25):  # one ring burst: the opto pulses at 25 Hz for a second
            pin.drive_low()
            await self.clock.advance(0.02)
            pin.drive_high()
            await self.clock.advance(0.02)
        task = asyncio.ensure_future(self.line.answer())
        await self.until(task.done)
        await task
        assert self.line.state == LineState.IN_CALL

    async def until(self, done, limit_s: float = 30.0, step: float = 0.02) -> None:
        end = self.clock.now() + limit_s
        while not done():
            assert self.clock.now() < end, f"not done within {limit_s} s of virtual time"
            await self.clock.advance(step)

    async def run(self, coro, limit_s: float = 30.0):
        """Run ``coro`` on the virtual clock; its result and how long it took."""
        start = self.clock.now()
        task = asyncio.ensure_future(coro)
        await self.until(task.done, limit_s)
        return task.result(), self.clock.now() - start

    def sent(self) -> np.ndarray:
        return self.link.sent_audio()


@pytest.fixture
async def rig(tmp_path):
    r = Rig(tmp_path)
    await r.answer()
    yield r
    await r.line.stop()
    r.factory.close()


async def test_a_prompt_goes_out_whole_in_order_and_at_its_own_pace(rig):
    key, took = await rig.run(rig.media.play("hello", "en"))
    assert key is None
    assert took == pytest.approx(1.0, abs=0.03)  # returns when the caller has heard it
    assert find(rig.sent(), rig.hello) >= 0  # no frame dropped, repeated or late


async def test_a_key_in_the_callers_audio_stops_the_prompt(rig):
    rig.clock.call_later(0.3, rig.link.feed, dtmf("5", on_ms=80))
    key, took = await rig.run(rig.media.play("hello", "en"))
    assert key == "5"
    assert 0.3 < took < 0.55  # detection (< 80 ms) plus at most a chunk of 100 ms
    (ev,) = [e for e in rig.events if isinstance(e, DtmfReceived)]
    assert ev.source == "dsp"  # the line's own detector heard it
    assert find(rig.sent(), rig.hello) == -1  # the rest was not sent
    assert await rig.media.next_digit(0) is None  # the key was used up


async def test_without_barge_in_a_key_waits_for_the_next_question(rig):
    rig.clock.call_later(0.3, rig.link.feed, dtmf("7", on_ms=80))
    key, took = await rig.run(rig.media.play("hello", "en", barge_in=False))
    assert key is None and took == pytest.approx(1.0, abs=0.03)
    assert await rig.media.next_digit(0) == "7"
    rig.clock.call_later(0.1, rig.link.feed, dtmf("12", on_ms=80))
    await rig.clock.advance(1.0)
    rig.media.flush_digits()
    got, took = await rig.run(rig.media.next_digit(2.0))
    assert got is None and took == pytest.approx(2.0, abs=0.03)


async def test_next_digit_returns_a_key_as_it_comes(rig):
    rig.clock.call_later(1.5, rig.link.feed, dtmf("#", on_ms=80))
    got, took = await rig.run(rig.media.next_digit(5.0))
    assert got == "#" and 1.5 < took < 1.7


async def test_the_voice_detector_tracks_when_the_caller_last_spoke(rig):
    await rig.clock.advance(2.0)
    assert rig.media.last_voice() is None  # line silence is not a voice
    start = rig.clock.now()
    rig.link.feed(voice(1.5))
    await rig.clock.advance(3.0)
    heard = rig.media.last_voice()
    assert heard is not None and start + 1.0 < heard < start + 2.0


async def test_record_keeps_the_callers_voice_and_stops_on_silence(rig, tmp_path):
    rig.media.record_silence_s = 2.0
    rig.link.feed(np.concatenate([np.zeros(4000, np.int16), voice(2.0)]))
    path = tmp_path / "vm" / "msg.wav"
    seconds, took = await rig.run(rig.media.record(str(path), 60))
    # 0.5 s quiet, 2 s voice, then 2 s of silence (the detector's hangover included).
    assert 4.3 < seconds < 5.0 and took == pytest.approx(seconds, abs=0.05)
    samples, info = read_wav(path)
    assert info.sample_rate == 8000 and len(samples) / 8000 == pytest.approx(seconds)
    loud = np.sqrt(np.mean(samples[8000:16000].astype(float) ** 2))
    assert loud > 1000  # the voice is in it


async def test_record_stops_at_a_key_or_the_longest_length(rig, tmp_path):
    rig.media.record_silence_s = 100
    rig.clock.call_later(1.0, rig.link.feed, dtmf("#", on_ms=80))
    seconds, _ = await rig.run(rig.media.record(str(tmp_path / "a.wav"), 60))
    assert 1.0 < seconds < 1.2
    assert await rig.media.next_digit(0) is None  # the '#' ended the message, no more
    seconds, _ = await rig.run(rig.media.record(str(tmp_path / "b.wav"), 3.0))
    assert seconds == pytest.approx(3.0, abs=0.03)


async def test_hold_music_loops_makes_way_for_a_prompt_and_stops(rig):
    rig.media.start_hold("music", "en")
    await rig.clock.advance(1.6)  # three rounds of the 0.5 s music (and a bit)
    sent = rig.sent()
    first = find(sent, rig.music)
    assert first >= 0 and find(sent[first + 4000 :], rig.music) == 0  # back to back
    key, _ = await rig.run(rig.media.play("hello", "en"))
    # The prompt goes out whole (the music pauses), after the few music frames the
    # line had queued already (< 0.15 s).
    await rig.clock.advance(0.15)
    assert key is None and find(rig.sent(), rig.hello) >= 0
    await rig.clock.advance(1.2)
    after = rig.sent()[-8000:]
    assert find(after, rig.music) >= 0  # and came back after the prompt
    rig.media.stop_hold()
    await rig.clock.advance(0.5)
    before = len(rig.sent())
    await rig.clock.advance(1.0)
    assert not rig.sent()[before:].any()  # silence once hold stopped


async def test_queue_status_is_spoken_in_the_callers_language(rig):
    text = "You are number 3 in the queue. The expected wait is about 3 minutes."
    # Rendering runs in a worker thread, which the virtual clock cannot wait for:
    # render it first, so the media finds it in the store's memory as a repeat would.
    await rig.store.speech(text, "en")
    _, took = await rig.run(rig.media.say_queue_status(3, 150.0, "en"))
    assert rig.spoken == [(text, "en")]  # once: the second time came from memory
    assert took == pytest.approx(0.6, abs=0.03)
    assert find(rig.sent(), ramp(0.6, 20_000)) >= 0
    await rig.run(rig.media.say_queue_status(None, None, "en"))  # nothing to say
    await rig.run(rig.media.say_queue_status(1, None, "de"))  # no sentences: logged, silent
    assert len(rig.spoken) == 1


async def test_the_caller_hanging_up_mid_prompt_ends_everything_at_once(rig, tmp_path):
    rig.clock.call_later(0.2, rig.link.feed, progress_tone("busy", "ITU", 4.0))
    key, took = await rig.run(rig.media.play("long", "en"))
    assert key is None and took < 4.0  # the busy tone ended the call mid-prompt
    (ended,) = [e for e in rig.events if isinstance(e, CallEnded)]
    assert ended.by == "remote"
    # At once, with no clock time passing (wait_for only guards against a hang).
    assert await asyncio.wait_for(rig.media.next_digit(10), 1.0) is None
    assert await rig.media.record(str(tmp_path / "x.wav"), 60) == 0.0
    assert await rig.media.play("long", "en") is None
    rig.media.start_hold("music", "en")  # nothing to hold
    assert rig.media._hold is None


async def test_hangup_puts_the_line_down(rig):
    await rig.media.hangup()
    assert rig.line.state == LineState.READY
    assert not rig.factory.pin(HOOK_PIN).state  # relay open: on-hook
    assert await rig.media.play("hello", "en") is None
    await rig.media.hangup()  # twice is harmless (the line has no call any more)
