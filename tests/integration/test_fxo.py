"""The FXO line against gpiozero's mock pins and an array-backed audio link.

Time is a virtual clock: ring pulses, the caller-ID window, timeouts, flash and the
audio frames all follow it, so no test depends on how fast this machine is. The mock
pins are gpiozero's own (``MockFactory``): ``drive_low()`` on the ring pin is the
optocoupler conducting (active low, as most DAA boards wire it), and the hook relay's
pin state is read back.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
from dataclasses import dataclass, field

import numpy as np
import pytest
from gpiozero.pins.mock import MockFactory

from dsp_ext import DtmfDetector
from dsp_ext.callerid import CallDateTime, CallerId
from dsp_ext.callerid_gen import callerid_burst, dtmf_callerid
from dsp_ext.generate import dtmf
from dsp_ext.progress_gen import progress_tone
from firmware.audio.soundcard import ArrayAudioLink
from firmware.lines.base import LineError
from firmware.lines.events import (
    Alarm,
    CallAnswered,
    CallEnded,
    CallProgress,
    DtmfReceived,
    IncomingCall,
    LineState,
    StateChanged,
)
from firmware.lines.fxo import FxoLine, FxoTiming, tonal_share

RING_PIN, HOOK_PIN = 17, 27


class VirtualClock:
    """A Clock whose time moves only in ``advance``; sleepers wake in deadline order."""

    def __init__(self) -> None:
        self.t = 0.0
        self._sleepers: list = []
        self._seq = itertools.count()

    def now(self) -> float:
        return self.t

    def wall(self) -> float:
        return 1_700_000_000.0 + self.t

    async def sleep(self, seconds: float) -> None:
        fut = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + max(0.0, seconds), next(self._seq), fut))
        await fut

    async def advance(self, seconds: float) -> None:
        end = self.t + seconds
        await _settle()
        while self._sleepers and self._sleepers[0][0] <= end:
            when, _, fut = heapq.heappop(self._sleepers)
            if fut.done():
                continue
            self.t = max(self.t, when)
            fut.set_result(None)
            await _settle()
        self.t = end
        await _settle()


async def _settle(rounds: int = 30) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


@dataclass
class Rig:
    line: FxoLine
    link: ArrayAudioLink
    clock: VirtualClock
    factory: MockFactory
    events: list = field(default_factory=list)
    frames: list = field(default_factory=list)

    @property
    def ring_pin(self):
        return self.factory.pin(RING_PIN)

    @property
    def relay_closed(self) -> bool:
        return bool(self.factory.pin(HOOK_PIN).state)

    def of(self, kind) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    async def ring(self, seconds: float = 1.0, hz: float = 25.0) -> None:
        """One ring burst: the opto pulses at the ring frequency."""
        for _ in range(round(seconds * hz)):
            self.ring_pin.drive_low()
            await self.clock.advance(0.5 / hz)
            self.ring_pin.drive_high()
            await self.clock.advance(0.5 / hz)

    async def run_until(self, predicate, limit_s: float = 30.0, step: float = 0.02):
        waited = 0.0
        while not predicate():
            assert waited < limit_s, f"not reached within {limit_s} s of virtual time"
            await self.clock.advance(step)
            waited += step

    async def replace_line(self, **kw) -> FxoLine:
        """Swap the fixture's line for one configured differently, on the same pins."""
        await self.line.stop()
        self.events.clear()
        kw.setdefault("on_event", self.events.append)
        self.line = FxoLine(
            "fxo1",
            ring_pin=RING_PIN,
            hook_pin=HOOK_PIN,
            audio=self.link,
            pin_factory=self.factory,
            clock=self.clock,
            **kw,
        )
        await self.line.start()
        return self.line

    async def answer_a_call(self) -> None:
        await self.ring()
        await self.clock.advance(0.2)
        task = asyncio.ensure_future(self.line.answer())
        await self.run_until(task.done)
        await task


@pytest.fixture
async def rig():
    clock = VirtualClock()
    factory = MockFactory()
    link = ArrayAudioLink(clock=clock)
    r = Rig(line=None, link=link, clock=clock, factory=factory)  # type: ignore[arg-type]
    r.line = FxoLine(
        "fxo1",
        ring_pin=RING_PIN,
        hook_pin=HOOK_PIN,
        audio=link,
        pin_factory=factory,
        timing=FxoTiming(silence_hangup_s=8.0),
        callerid=("bell202", "v23"),
        on_event=r.events.append,
        on_audio=r.frames.append,
        clock=clock,
    )
    await r.line.start()
    assert r.line.state == LineState.READY
    yield r
    await r.line.stop()
    factory.close()


def voice(seconds: float, level: float = 3000.0) -> np.ndarray:
    """A voice-like signal: a gliding harmonic series with syllable rhythm (not a tone)."""
    n = round(seconds * 8000)
    t = np.arange(n) / 8000
    f0 = 140 + 30 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / 8000
    x = sum(np.sin(h * phase) / h**0.7 for h in range(1, 20))
    x = x * (0.3 + 0.7 * np.abs(np.sin(2 * np.pi * 2.5 * t)))
    return np.clip(x / np.sqrt(np.mean(x**2)) * level, -32768, 32767).astype(np.int16)


# -- ringing and caller ID ----------------------------------------------------------------


async def test_ring_pulses_are_grouped_into_rings(rig):
    await rig.ring(1.0)  # 25 pulses
    await rig.clock.advance(0.5)
    assert rig.line.rings == 1
    assert rig.line.state == LineState.RINGING
    assert rig.of(IncomingCall) == []  # waiting for caller ID between the rings
    await rig.clock.advance(3.0)
    await rig.ring(1.0, hz=20.0)
    await rig.clock.advance(0.5)
    assert rig.line.rings == 2
    calls = rig.of(IncomingCall)
    assert len(calls) == 1 and calls[0].validity == "unavailable" and calls[0].number is None
    await rig.clock.advance(4.0)
    await rig.ring(1.0)
    assert rig.line.rings == 3 and len(rig.of(IncomingCall)) == 1


@pytest.mark.parametrize("standard", ["bell202", "v23"])
async def test_caller_id_between_first_and_second_ring(rig, standard):
    await rig.ring(1.0)
    await rig.clock.advance(0.3)
    cid = CallerId(number="0612345678", name="ANNA ROSSI", date_time=CallDateTime(3, 24, 9, 2))
    rig.link.feed(callerid_burst(cid, standard))
    await rig.run_until(lambda: rig.of(IncomingCall), limit_s=3.0)
    (call,) = rig.of(IncomingCall)
    assert (call.number, call.name, call.validity) == ("0612345678", "ANNA ROSSI", "valid")
    assert rig.line.rings == 1  # announced before the second ring
    await rig.clock.advance(2.0)
    await rig.ring(1.0)
    assert rig.line.rings == 2 and len(rig.of(IncomingCall)) == 1


async def test_withheld_number_is_announced_as_withheld(rig):
    await rig.ring(1.0)
    await rig.clock.advance(0.3)
    rig.link.feed(callerid_burst(CallerId(number_absence="private", name_absence="private")))
    await rig.run_until(lambda: rig.of(IncomingCall), limit_s=3.0)
    assert rig.of(IncomingCall)[0].validity == "withheld"


async def test_dtmf_caller_id_before_the_first_ring(rig):
    await rig.replace_line(callerid=("dtmf",))
    rig.link.feed(dtmf_callerid("5551234", "A-C"))
    await rig.clock.advance(2.0)
    assert rig.of(IncomingCall) == []  # nothing before the ring says a call is here
    await rig.ring(1.0)
    (call,) = rig.of(IncomingCall)
    assert call.number == "5551234" and call.validity == "valid"


async def test_caller_gives_up_before_answer(rig):
    await rig.ring(1.0)
    await rig.clock.advance(5.5)
    assert rig.line.state == LineState.RINGING  # ring-off timeout (6 s) not reached
    await rig.clock.advance(1.0)
    assert rig.line.state == LineState.READY
    (ended,) = rig.of(CallEnded)
    assert ended.by == "remote" and "before" in ended.cause
    assert len(rig.of(IncomingCall)) == 1  # the call was announced before it ended
    assert not rig.relay_closed
    with pytest.raises(LineError):
        await rig.line.answer()


async def test_bounce_and_glitch_pulses_are_not_rings(rig):
    for _ in range(3):  # a reversal click: a few short pulses well under 200 ms
        rig.ring_pin.drive_low()
        await rig.clock.advance(0.005)
        rig.ring_pin.drive_high()
        await rig.clock.advance(0.03)
    await rig.clock.advance(0.5)
    rig.ring_pin.drive_low()  # one 150 ms pulse: still shorter than a ring
    await rig.clock.advance(0.15)
    rig.ring_pin.drive_high()
    await rig.clock.advance(1.0)
    assert rig.line.rings == 0 and rig.line.state == LineState.READY
    assert [e for e in rig.events if isinstance(e, StateChanged)][-1].state == LineState.READY
    await rig.ring(0.4)  # a short but real ring still counts
    assert rig.line.rings == 1


async def test_edges_from_another_thread_reach_the_loop(rig):
    loop_thread = threading.get_ident()
    seen_threads = []
    rig.line.on_event = lambda ev: (
        seen_threads.append(threading.get_ident()),
        rig.events.append(ev),
    )

    def pulse_from_a_thread(active: bool) -> None:
        t = threading.Thread(target=rig.ring_pin.drive_low if active else rig.ring_pin.drive_high)
        t.start()
        t.join()

    for _ in range(10):
        pulse_from_a_thread(True)
        await rig.clock.advance(0.02)
        pulse_from_a_thread(False)
        await rig.clock.advance(0.02)
    await rig.clock.advance(0.2)
    assert rig.line.rings == 1
    assert seen_threads and set(seen_threads) == {loop_thread}


# -- incoming calls ------------------------------------------------------------------------


async def test_answer_closes_the_relay_and_delivers_audio(rig):
    assert not rig.relay_closed
    await rig.answer_a_call()
    assert rig.relay_closed
    assert rig.line.state == LineState.IN_CALL
    assert rig.of(CallAnswered)[0].direction == "incoming"
    rig.frames.clear()
    await rig.clock.advance(1.0)
    assert len(rig.frames) == 50 and all(f.shape == (160,) for f in rig.frames)


async def test_answer_waits_for_the_configured_rings(rig):
    line = await rig.replace_line(timing=FxoTiming(answer_after_rings=2))
    await rig.ring(1.0)
    task = asyncio.ensure_future(line.answer())
    await rig.clock.advance(2.0)
    assert not rig.relay_closed and not task.done()
    await rig.ring(1.0)
    await rig.run_until(task.done, limit_s=2.0)
    assert rig.relay_closed and line.state == LineState.IN_CALL


async def test_dtmf_in_a_call_is_detected_by_the_dsp(rig):
    await rig.answer_a_call()
    rig.link.feed(dtmf("1234*#", on_ms=80, off_ms=80))
    await rig.clock.advance(2.0)
    digits = rig.of(DtmfReceived)
    assert "".join(d.digit for d in digits) == "1234*#"
    assert {d.source for d in digits} == {"dsp"}


async def test_far_end_hang_up_is_heard_as_busy_tone(rig):
    await rig.answer_a_call()
    rig.link.feed(voice(1.0))
    rig.link.feed(progress_tone("busy", "ITU", 4.0))
    await rig.run_until(lambda: rig.of(CallEnded), limit_s=6.0)
    (ended,) = rig.of(CallEnded)
    assert ended.by == "remote" and "busy" in ended.cause
    assert not rig.relay_closed and rig.line.state == LineState.READY


async def test_far_end_gone_silent_ends_the_call(rig):
    await rig.answer_a_call()
    rig.link.feed(voice(2.0))
    await rig.clock.advance(9.0)
    assert rig.of(CallEnded) == []  # 8 s counts from the end of the voice
    await rig.clock.advance(2.0)
    (ended,) = rig.of(CallEnded)
    assert ended.by == "remote" and "no sound" in ended.cause
    assert not rig.relay_closed


async def test_local_hang_up(rig):
    await rig.answer_a_call()
    await rig.line.hangup()
    (ended,) = rig.of(CallEnded)
    assert ended.by == "local"
    assert not rig.relay_closed and rig.line.state == LineState.READY
    with pytest.raises(LineError):
        await rig.line.hangup()


async def test_hang_up_while_ringing_picks_up_and_puts_down(rig):
    await rig.ring(1.0)
    task = asyncio.ensure_future(rig.line.hangup())
    await rig.clock.advance(0.1)
    assert rig.relay_closed  # an analog line is refused by answering it
    await rig.run_until(task.done, limit_s=1.0)
    assert not rig.relay_closed
    assert [(e.by, e.cause) for e in rig.of(CallEnded)] == [("local", "rejected")]
    assert rig.line.state == LineState.READY and rig.line.rings == 0


async def test_flash_opens_the_loop_for_the_flash_time(rig):
    await rig.answer_a_call()
    task = asyncio.ensure_future(rig.line.flash())
    await rig.clock.advance(0.0)
    assert not rig.relay_closed
    await rig.clock.advance(0.099)
    assert not rig.relay_closed  # still open just before 100 ms
    await rig.clock.advance(0.002)
    assert rig.relay_closed  # closed again at 100 ms
    await rig.run_until(task.done, limit_s=1.0)
    rig.factory.pin(HOOK_PIN).assert_states([False, True, False, True])
    assert rig.line.state == LineState.IN_CALL and rig.of(CallEnded) == []


async def test_audio_device_lost_mid_call(rig):
    await rig.answer_a_call()
    rig.link.fail("USB sound card unplugged")
    await rig.clock.advance(0.1)
    (ended,) = rig.of(CallEnded)
    assert ended.by == "line" and "unplugged" in ended.cause
    down = rig.of(StateChanged)[-1]
    assert down.state == LineState.DOWN and "unplugged" in down.reason
    assert rig.of(Alarm)[0].code == "audio_lost"
    assert not rig.relay_closed
    await rig.ring(1.0)  # a down line does not pretend to take calls
    assert rig.line.rings == 0


# -- outgoing calls ------------------------------------------------------------------------


async def _dial(rig, number: str, far_end: list[np.ndarray], timeout_s: float = 30.0):
    task = asyncio.ensure_future(rig.line.dial(number, timeout_s=timeout_s))
    await rig.clock.advance(0.0)
    assert rig.relay_closed  # seized the line at once
    for part in far_end:
        rig.link.feed(part)
    await rig.run_until(task.done, limit_s=timeout_s + 5)
    return task.result()


def _digits_sent(rig) -> str:
    det = DtmfDetector(8000)
    return "".join(e.digit for e in det.process(rig.link.sent_audio()) + det.flush())


async def test_dial_waits_for_dial_tone_then_gets_busy(rig):
    # dial tone for 2.5 s (detected after 1.5 s), then it stops and busy follows
    result = await _dial(
        rig,
        "0612-345",
        [progress_tone("dial", "ITU", 2.5), np.zeros(8000 * 2, np.int16), progress_tone("busy")],
    )
    assert result == "busy"
    assert _digits_sent(rig) == "0612345"
    assert [e.result for e in rig.of(CallProgress)] == ["busy"]
    assert not rig.relay_closed and rig.line.state == LineState.READY


async def test_dial_hears_ringback_then_the_far_end_answers(rig):
    far_end = [
        progress_tone("dial", "ITU", 2.5),
        np.zeros(8000 * 2, np.int16),
        progress_tone("ringback", "ITU", 10.5),
        voice(2.0),
    ]
    result = await _dial(rig, "42", far_end)
    assert result == "answered"
    assert [e.result for e in rig.of(CallProgress)] == ["ringing"]
    assert rig.of(CallAnswered)[0].direction == "outgoing"
    assert rig.relay_closed and rig.line.state == LineState.IN_CALL


@pytest.mark.parametrize("country", ["ITU", "US", "GB"])
async def test_ringback_bursts_alone_are_not_an_answer(rig, country):
    # ringback bursts start mid-call, so the VAD takes each for speech at first
    await rig.replace_line(country=country)
    far_end = [
        progress_tone("dial", country, 2.0),  # the exchange stops it at the first digit
        np.zeros(8000, np.int16),
        progress_tone("ringback", country, 25.0),
    ]
    result = await _dial(rig, "7", far_end, timeout_s=25.0)
    assert result == "no_answer"
    assert [e.result for e in rig.of(CallProgress)] == ["ringing", "no_answer"]
    assert rig.of(CallAnswered) == []


async def test_dial_without_dial_tone(rig):
    result = await _dial(rig, "123", [])
    assert result == "no_dialtone"
    assert _digits_sent(rig) == ""  # nothing dialled into a dead line
    assert not rig.relay_closed and rig.line.state == LineState.READY


async def test_send_dtmf_in_a_call_is_not_heard_back_as_received(rig):
    await rig.answer_a_call()
    await_send = asyncio.ensure_future(rig.line.send_dtmf("9#"))
    await rig.run_until(await_send.done, limit_s=3.0)
    assert _digits_sent(rig) == "9#"
    assert rig.of(DtmfReceived) == []


async def test_gpio_pin_conflict_is_a_down_line_not_an_exception(rig):
    events: list = []
    other = FxoLine(
        "fxo2",
        ring_pin=RING_PIN,  # already held by the first line
        hook_pin=22,
        audio=ArrayAudioLink(clock=rig.clock),
        pin_factory=rig.factory,
        on_event=events.append,
        clock=rig.clock,
    )
    await other.start()
    assert other.state == LineState.DOWN
    assert [e.code for e in events if isinstance(e, Alarm)] == ["gpio"]
    assert rig.line.state == LineState.READY


def test_tonal_share_tells_tones_from_voice():
    tone = progress_tone("ringback", "US", 0.5)
    assert tonal_share(tone[800:960]) > 0.93
    v = voice(1.0)
    shares = [tonal_share(v[i : i + 160]) for i in range(0, 8000, 160)]
    assert np.median(shares) < 0.85


def test_timing_rejects_nonsense():
    with pytest.raises(ValueError, match="answer_after_rings"):
        FxoTiming(answer_after_rings=0)
    with pytest.raises(ValueError, match="flash_s"):
        FxoTiming(flash_s=-1)
