"""The station's sound path to a real ``LineMedia``: the line's one audio listener is
chained for the call (the media still hears every frame) and undone after; frames
go back through ``line.play``. The line here is a minimal ``LineDriver`` (no modem):
what it does with the frames is the driver's business, tested with each driver."""

from __future__ import annotations

import asyncio

import numpy as np

from firmware.lines.base import LineDriver
from firmware.media import LineMedia
from firmware.station_audio import call_audio
from tests.unit.test_station_support import (
    ANSWER_BTN,
    CALLER_HZ,
    MIC_HZ,
    RATE,
    READY_BTN,
    LineCaller,
    box,  # noqa: F401  (fixture)
    sine,
    tone_at,
)


class Line(LineDriver):
    """A line that records what is played to the caller."""

    def __init__(self, clock) -> None:
        super().__init__("l1", clock=clock)
        self.played: list[np.ndarray] = []

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def answer(self) -> None: ...
    async def hangup(self) -> None: ...
    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        return "answered"

    async def start_audio(self) -> None: ...
    async def stop_audio(self) -> None: ...

    def play(self, frame: np.ndarray) -> None:
        self.played.append(np.array(frame))


def line_media(clock) -> tuple[Line, LineMedia, list[np.ndarray]]:
    line = Line(clock)
    media = LineMedia(line, prompts=None, clock=clock)  # prompts: none played here
    heard: list[np.ndarray] = []

    def owner(frame: np.ndarray) -> None:  # what the line's owner wires: the media
        heard.append(frame)
        media.on_audio(frame)

    line.on_audio = owner
    return line, media, heard


async def test_line_media_hands_frames_to_the_bridge_and_sends_back(box):  # noqa: F811
    line, media, heard = line_media(box.clock)
    audio = call_audio(media)
    assert audio is media
    got: list[np.ndarray] = []
    remove = audio.listen(got.append)
    frame = sine(CALLER_HZ, 160, 8000)
    line.on_audio(frame)
    assert len(got) == 1 and len(heard) == 1  # the media (VAD, recorder) and the bridge
    audio.send(frame)
    assert len(line.played) == 1
    remove()
    line.on_audio(frame)
    assert len(got) == 1  # stopped listening
    media.close()
    audio.send(frame)  # the caller has gone: nothing more to the line
    assert len(line.played) == 1
def test_media_with_its_own_sound_path_is_used_as_is_and_silent_media_has_none():
    from firmware.clock import VirtualClock

    caller = LineCaller(VirtualClock())
    assert call_audio(caller) is caller
    assert call_audio(object()) is None


async def test_a_call_on_a_line_through_the_station(box):  # noqa: F811
    line, media, heard = line_media(box.clock)
    await box.press(READY_BTN)
    call = box.world.engine.arrive(line="l1", caller="+100", media=media, lang="en")
    task = box.world.enqueue(call)
    await box.clock.advance(0.05)
    await box.press(ANSWER_BTN)
    assert task.result().agent == "anna"

    async def line_clock() -> None:
        n = 0
        while True:
            await box.clock.sleep(0.02)
            line.on_audio(sine(CALLER_HZ, 160, 8000, start=n))
            n += 160

    runner = asyncio.get_running_loop().create_task(line_clock())
    before = len(box.headsets["desk1"].played())
    await box.clock.advance(1.0)
    assert len(heard) >= 49  # the media kept hearing the caller
    ear = box.headsets["desk1"].played()[before:]
    assert tone_at(ear[RATE // 2 :], RATE, CALLER_HZ) > 0.9
    assert len(line.played) >= 49
    assert tone_at(np.concatenate(line.played)[2000:], 8000, MIC_HZ) > 0.9
    await box.press(ANSWER_BTN)  # hang up: the tee is undone
    runner.cancel()
    assert line.on_audio.__name__ == "owner"
