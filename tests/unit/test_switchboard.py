"""The switchboard between lines and calls: a ringing line is answered, the call runs its
line's flow, and however a call ends the line is free for the next one."""

from __future__ import annotations

import numpy as np
import pytest

from firmware.audio.prompts import PromptStore
from firmware.audio.wav import write_wav
from firmware.clock import VirtualClock
from firmware.config import parse_config
from firmware.journal import Journal, Retention
from firmware.lines.base import LineDriver, LineError
from firmware.lines.events import CallAnswered, CallEnded, IncomingCall, LineState, StateChanged
from firmware.switchboard import Switchboard

CONFIG = {
    "box_id": "sb",
    "languages": {"available": ["en"], "default": "en"},
    "lines": {"l1": {"kind": "gsm", "port": "/dev/null", "flow": "main"}},
    "queues": {"q": {"strategy": "ringall", "announce_every_s": 0}},
    "agents": {"anna": {"queues": ["q"]}},
    "ivr": {
        "main": {
            "start": "hello",
            "silence_after_s": 0,
            "nodes": {
                "hello": {"type": "play", "prompt": "hello", "next": "bye"},
                "bye": {"type": "hangup", "reason": "done"},
            },
        }
    },
    "prompts": {"hello": {"file": "hello.wav"}},
}


class QuietLine(LineDriver):
    """A line that answers and hangs up when told, and never reports a hang-up of its
    own: the switchboard must not depend on it. (A real driver needs a modem; the
    daemon's end-to-end test runs one on an emulated stick.)"""

    def __init__(self) -> None:
        super().__init__("l1")
        self.answers = self.hangups = 0

    async def start(self) -> None: ...
    async def stop(self) -> None: ...

    async def answer(self) -> None:
        self.answers += 1
        self.emit(CallAnswered)

    async def hangup(self) -> None:
        self.hangups += 1

    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        raise LineError("no dialling here")

    async def start_audio(self) -> None: ...
    async def stop_audio(self) -> None: ...
    def play(self, frame) -> None: ...


@pytest.fixture
async def board(tmp_path):
    write_wav(tmp_path / "hello.wav", np.zeros(800, np.int16))
    config = parse_config(CONFIG, base_dir=tmp_path)
    clock = VirtualClock()
    retention = Retention(30, max_events=10**5)
    journal = Journal(":memory:", box_id="sb", clock=clock, retention=retention)
    prompts = PromptStore(cache_dir=tmp_path / "cache", base_dir=tmp_path)
    sb = Switchboard(config, journal=journal, clock=clock, prompts=prompts,
                     voicemail_dir=tmp_path / "vm")  # fmt: skip
    await sb.start()
    line = QuietLine()
    sb.attach(line)
    yield sb, line, clock, journal
    await sb.stop()
    journal.close()


def kinds(journal: Journal, kind: str) -> list[dict]:
    return [dict(e.fields) for e in journal.events() if e.kind == kind]


async def test_each_call_is_answered_runs_its_flow_and_frees_the_line(board):
    sb, line, clock, journal = board
    line.emit(StateChanged, state=LineState.READY)
    for n in (1, 2):
        line.emit(IncomingCall, number=f"+38050000000{n}")
        await clock.advance(5)
        assert line.answers == n and not sb.busy("l1")
    ended = kinds(journal, "call_ended")
    assert [(e["ended_by"], e["reason"]) for e in ended] == [("system", "done")] * 2
    assert [e["caller"] for e in kinds(journal, "call_arrived")] == ["+380500000001",
                                                                     "+380500000002"]  # fmt: skip
    assert line.hangups == 2
    assert kinds(journal, "line_up") == [{"line": "l1"}]  # once, not after every call


async def test_the_caller_hanging_up_ends_the_call_as_theirs_and_a_line_fault_as_the_lines(board):
    sb, line, clock, journal = board
    line.emit(IncomingCall, number="1")
    await clock.advance(0.01)
    line.emit(CallEnded, by="remote", cause="normal")
    line.emit(IncomingCall, number="2")
    await clock.advance(0.01)
    line.emit(StateChanged, state=LineState.DOWN, reason="modem unplugged")
    ended = kinds(journal, "call_ended")
    assert [(e["ended_by"], e.get("reason")) for e in ended] == [
        ("caller", "normal"),
        ("line", "modem unplugged"),
    ]
    assert kinds(journal, "line_down") == [{"line": "l1", "reason": "modem unplugged"}]
    assert not sb.busy("l1")


async def test_an_unknown_line_is_refused_by_name(board):
    sb, *_ = board

    class Other(QuietLine):
        def __init__(self) -> None:
            LineDriver.__init__(self, "l9")

    with pytest.raises(ValueError, match="line 'l9' is not configured \\(expected one of l1\\)"):
        sb.attach(Other())
