"""IVR flows: every node type, barge-in, retries, the silent caller and the caller who
hangs up — with a virtual clock, a real journal and engine, and the real LineMedia.

The media runs over :class:`MemoryLine`, the least a ``LineDriver`` can be (it keeps
count of frames and hang-ups): what these tests are about is the flow, and
tests/unit/test_media.py holds LineMedia to a real line. Prompts are rendered by a
stand-in for espeak-ng whose text says how long the prompt lasts ("welcome|2" is two
seconds), so every time below follows from the config.
"""

from __future__ import annotations

import asyncio
import json
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from firmware.audio.prompts import BEEP, PromptError, PromptStore
from firmware.audio.wav import read_wav
from firmware.call import Call
from firmware.cdr import (
    CALL_ENDED,
    CALL_QUEUED,
    CALL_VOICEMAIL,
    CALLBACK_REQUESTED,
    IVR_CHOICE,
)
from firmware.clock import VirtualClock, settle
from firmware.config import Config, parse_config
from firmware.config.ivr import CollectNode
from firmware.config.prompts import Prompt
from firmware.engine import CallEngine
from firmware.ivr import Ivr
from firmware.ivr_entry import entry_ok, luhn_ok
from firmware.journal import Journal, Retention
from firmware.lines.base import LineDriver, LineError
from firmware.lines.events import CallEnded, DtmfReceived
from firmware.media import LineMedia

try:  # the ACD is built alongside; the contract is all the IVR relies on
    from firmware.acd import QueueOutcome
except ImportError:

    @dataclass(frozen=True)
    class QueueOutcome:  # type: ignore[no-redef]
        result: str
        agent: str | None = None
        action: str | None = None
        target: str | None = None


# A Monday, 10:00 UTC: inside the test schedule.
MONDAY_10 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC).timestamp()


def fake_speak(text: str, voice: str) -> np.ndarray:
    """espeak-ng's stand-in: 'words|seconds' lasts that long (a quiet tone)."""
    seconds = float(text.rsplit("|", 1)[1])
    t = np.arange(round(seconds * 8000)) / 8000
    return (300 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)


class MemoryLine(LineDriver):
    """A line that only counts: frames played, hang-ups."""

    def __init__(self) -> None:
        super().__init__("l1")
        self.frames = 0
        self.hangups = 0

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def answer(self) -> None: ...

    async def hangup(self) -> None:
        self.hangups += 1

    async def dial(self, number: str, timeout_s: float = 60.0) -> str:
        raise LineError("no dialling here")

    async def start_audio(self) -> None: ...
    async def stop_audio(self) -> None: ...

    def play(self, frame) -> None:
        self.frames += 1


class SpyMedia(LineMedia):
    """LineMedia that also notes which prompts it was asked to play, and when."""

    def __init__(self, *args, **kw) -> None:
        super().__init__(*args, **kw)
        self.played: list[tuple[float, str, str, bool]] = []

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        self.played.append((self.clock.now(), prompt, lang, barge_in))
        return await super().play(prompt, lang, barge_in=barge_in)

    @property
    def prompts_played(self) -> list[str]:
        return [p for _, p, _, _ in self.played]


class FakeAcd:
    """Records enqueues; each one waits ``wait_s`` and returns ``outcome``."""

    def __init__(self, engine: CallEngine, clock: VirtualClock) -> None:
        self.engine, self.clock = engine, clock
        self.outcome = QueueOutcome("answered", agent="anna")
        self.wait_s = 1.0
        self.enqueued: list[tuple[str, str, float]] = []

    async def enqueue(self, call: Call, queue: str) -> QueueOutcome:
        self.enqueued.append((call.call_id, queue, self.clock.now()))
        self.engine.journal.append(CALL_QUEUED, call_id=call.call_id, queue=queue, priority=0)
        await self.clock.sleep(self.wait_s)
        return self.outcome


BASE = """
box_id = "t1"
[languages]
available = ["en", "ru"]
default = "en"
[lines.l1]
kind = "gsm"
port = "/dev/null"
flow = "main"
[queues.sales]
strategy = "ringall"
announce_every_s = 0
[queues.support]
strategy = "ringall"
announce_every_s = 0
overflow = { action = "voicemail", target = "night" }
[agents.anna]
queues = ["sales", "support"]
[hours.office]
timezone = "UTC"
mon = ["09:00-17:00"]
[holidays]
xmas = 2026-12-25
"""


def make_config(nodes: dict, *, start: str, tmp_path: Path, **flow) -> Config:
    data = tomllib.loads(BASE)
    flow.setdefault("silence_after_s", 0)
    data["ivr"] = {"main": {"start": start, "nodes": nodes, **flow}}
    names: set[str] = {flow["silence_prompt"]} if flow.get("silence_prompt") else set()
    for node in nodes.values():
        names.update(node[k] for k in ("prompt", "invalid_prompt") if k in node)
    # Every prompt lasts 2 s, in English and Russian ("ru:" marks the Russian one).
    data["prompts"] = {n: {"text": {"en": f"{n}|2", "ru": f"ru:{n}|2"}} for n in names}
    return parse_config(data, base_dir=tmp_path)


@dataclass
class Rig:
    clock: VirtualClock
    engine: CallEngine
    ivr: Ivr
    acd: FakeAcd
    media: SpyMedia
    call: Call
    line: MemoryLine
    callbacks: list = field(default_factory=list)

    @property
    def journal(self) -> Journal:
        return self.engine.journal

    def events(self, kind: str | None = None) -> list:
        return [e for e in self.journal.events() if kind is None or e.kind == kind]

    def choices(self) -> list[tuple[str, str]]:
        return [(e.fields["node"], e.fields["choice"]) for e in self.events(IVR_CHOICE)]

    def press(self, keys: str, at: float, gap: float = 0.3) -> None:
        """The caller presses ``keys`` from clock time ``at``, ``gap`` apart."""
        for i, key in enumerate(keys):
            ev = DtmfReceived(line="l1", t=at + i * gap, digit=key)
            self.clock.call_later(at + i * gap - self.clock.now(), self.media.on_line_event, ev)

    def hang_up(self, at: float) -> None:
        """The caller hangs up: the line owner feeds the media and ends the call."""

        def gone() -> None:
            self.media.on_line_event(CallEnded(line="l1", t=self.clock.now()))
            self.engine.end(self.call, "caller")

        self.clock.call_later(at - self.clock.now(), gone)

    async def run(self, limit_s: float = 1000.0) -> None:
        """Run the flow to its end on the virtual clock."""
        task = asyncio.ensure_future(self.ivr.run(self.call))
        while not task.done():
            await settle()
            wake = self.clock.next_wakeup
            if task.done():
                break
            assert wake is not None, "the flow waits on nothing the clock will wake"
            assert wake <= limit_s, f"the flow is still running at {wake} s"
            await self.clock.run_until(wake)
        await task

    def ended(self) -> tuple[str | None, str | None]:
        return self.call.ended_by, self.call.end_reason


@pytest.fixture
def make_rig(tmp_path):
    journals: list[Journal] = []

    async def make(nodes: dict, *, start: str, wall=MONDAY_10, caller="+380501234567", **flow):
        config = make_config(nodes, start=start, tmp_path=tmp_path, **flow)
        clock = VirtualClock(wall_start=wall)
        journal = Journal(
            ":memory:", box_id="t1", clock=clock, retention=Retention(30, max_events=100_000)
        )
        journals.append(journal)
        engine = CallEngine(journal=journal, clock=clock)
        store = PromptStore(cache_dir=tmp_path / "cache", speak=fake_speak)
        await store.prepare(config)
        line = MemoryLine()
        media = SpyMedia(line, prompts=store, clock=clock, record_silence_s=3.0)
        acd = FakeAcd(engine, clock)
        callbacks: list = []
        ivr = Ivr(
            config,
            engine=engine,
            acd=acd,
            prompts=store,
            clock=clock,
            voicemail_dir=tmp_path / "voicemail",
            on_callback=lambda call, number, queue: callbacks.append((call, number, queue)),
        )
        call = engine.arrive(line="l1", caller=caller, media=media, lang="en", flow="main")
        quiet = np.zeros(160, np.int16)

        def tick() -> None:  # the line delivers the caller's (silent) audio every 20 ms
            media.on_audio(quiet)
            if not media.gone:
                clock.call_later(0.02, tick)

        clock.call_later(0.02, tick)
        return Rig(clock, engine, ivr, acd, media, call, line, callbacks)

    yield make
    for j in journals:
        j.close()


MENU = {
    "type": "menu",
    "prompt": "main-menu",
    "choices": {"1": "sales", "0": "support"},
    "timeout_s": 5,
    "retries": 2,
    "invalid_prompt": "invalid",
    "fallback": "support",
}
QUEUES = {
    "sales": {"type": "queue", "queue": "sales"},
    "support": {"type": "queue", "queue": "support"},
}


# --- menu ---------------------------------------------------------------------------


async def test_a_key_during_the_menu_prompt_is_the_choice(make_rig):
    rig = await make_rig({"menu": MENU, **QUEUES}, start="menu")
    rig.press("1", at=0.5)
    await rig.run()
    assert rig.choices() == [("menu", "1")]
    # Barge-in: the 2 s prompt stopped at the key (a 100 ms chunk later at most).
    ((call_id, queue, t),) = rig.acd.enqueued
    assert (call_id, queue) == (rig.call.call_id, "sales")
    assert 0.5 <= t <= 0.65
    assert not rig.call.ended  # answered: the call is the agent's now


async def test_menu_retries_after_timeout_and_wrong_key_then_falls_back(make_rig):
    rig = await make_rig({"menu": MENU, **QUEUES}, start="menu")
    # Try 1: silence (2 s prompt + 5 s). Try 2 starts with the invalid prompt at 7 s,
    # the menu prompt at 9 s; '9' at 12 s is wrong. Try 3: nothing again.
    rig.press("9", at=12.0)
    await rig.run()
    assert rig.choices() == [("menu", "timeout"), ("menu", "invalid"), ("menu", "timeout")]
    assert rig.media.prompts_played == ["main-menu", "invalid", "main-menu", "invalid", "main-menu"]
    assert rig.events(IVR_CHOICE)[1].fields["key"] == "9"
    assert [q for _, q, _ in rig.acd.enqueued] == ["support"]
    assert rig.acd.enqueued[0][2] == pytest.approx(2 + 5 + 2 + 2 + 1 + 2 + 2 + 5, abs=0.1)


async def test_a_key_pressed_during_a_play_node_answers_the_next_menu(make_rig):
    nodes = {"welcome": {"type": "play", "prompt": "welcome", "next": "menu"}, "menu": MENU}
    rig = await make_rig({**nodes, **QUEUES}, start="welcome")
    rig.press("0", at=1.0)
    await rig.run()
    assert rig.media.prompts_played == ["welcome"]  # type-ahead: no menu prompt at all
    assert rig.choices() == [("menu", "0")]
    assert rig.acd.enqueued[0][1] == "support"


async def test_a_flow_that_goes_round_forever_is_ended(make_rig):
    menu = {**MENU, "retries": 0, "invalid_prompt": None, "fallback": "menu"}
    menu = {k: v for k, v in menu.items() if v is not None}
    rig = await make_rig({"menu": menu, **QUEUES}, start="menu")
    await rig.run(limit_s=10_000)
    assert rig.ended() == ("system", "ivr-loop")


# --- collect ---------------------------------------------------------------------------

COLLECT = {
    "type": "collect",
    "prompt": "enter-order",
    "into": "order",
    "min_digits": 4,
    "max_digits": 6,
    "terminator": "#",
    "timeout_s": 4,
    "retries": 1,
    "invalid_prompt": "invalid",
    "next": "sales",
    "fallback": "support",
}


async def test_collect_stores_the_entry_and_journals_only_its_length(make_rig):
    rig = await make_rig({"order": COLLECT, **QUEUES}, start="order")
    rig.press("97531#", at=1.0)  # the first key barges in
    await rig.run()
    assert rig.call.vars["order"] == "97531"
    assert rig.choices() == [("order", "valid")]
    assert rig.events(IVR_CHOICE)[0].fields["length"] == 5
    assert "97531" not in json.dumps([dict(e.fields) for e in rig.events()])
    assert rig.acd.enqueued[0][1] == "sales"


async def test_collect_checks_luhn_retries_and_ends_at_max_digits(make_rig):
    node = {**COLLECT, "luhn": True, "min_digits": 6, "max_digits": 6}
    rig = await make_rig({"order": node, **QUEUES}, start="order")
    rig.press("123456", at=1.0)  # wrong check digit (…455 would be right)
    rig.press("123455", at=8.0)  # no '#' needed: six digits is the most
    await rig.run()
    assert rig.choices() == [("order", "invalid"), ("order", "valid")]
    assert rig.call.vars["order"] == "123455"
    assert rig.media.prompts_played == ["enter-order", "invalid", "enter-order"]


async def test_collect_pattern_and_timeouts_lead_to_the_fallback(make_rig):
    node = {**COLLECT, "pattern": "^[1-9][0-9]{3,5}$"}
    rig = await make_rig({"order": node, **QUEUES}, start="order")
    rig.press("0123#", at=1.0)  # four digits, but the pattern wants no leading 0
    await rig.run()
    assert rig.choices() == [("order", "invalid"), ("order", "timeout")]
    assert "order" not in rig.call.vars
    assert rig.acd.enqueued[0][1] == "support"


def test_entry_and_luhn_rules():
    assert luhn_ok("79927398713") and not luhn_ok("79927398710") and not luhn_ok("7")
    plain = CollectNode.model_validate({**COLLECT, "type": "collect"})
    assert entry_ok(plain, "1234") and not entry_ok(plain, "123") and not entry_ok(plain, "12*4")
    star = CollectNode.model_validate({**COLLECT, "pattern": r"^\d+\*\d+$"})
    assert entry_ok(star, "12*4")


# --- language -----------------------------------------------------------------------------

LANGUAGE = {
    "type": "language",
    "prompt": "choose-language",
    "choices": {"1": "en", "2": "ru"},
    "timeout_s": 3,
    "next": "bye",
}
BYE = {"type": "hangup", "prompt": "goodbye", "reason": "ivr-done"}


async def test_language_prompt_plays_in_each_language_and_a_key_sets_it(make_rig):
    rig = await make_rig({"lang": LANGUAGE, "bye": BYE}, start="lang")
    rig.press("2", at=3.0)  # during the Russian version
    await rig.run()
    played = [(p, lang) for _, p, lang, _ in rig.media.played]
    assert played == [("choose-language", "en"), ("choose-language", "ru"), ("goodbye", "ru")]
    assert rig.call.lang == "ru"
    assert rig.choices() == [("lang", "2")]
    assert rig.ended() == ("system", "ivr-done")


async def test_language_timeout_keeps_the_default(make_rig):
    rig = await make_rig({"lang": LANGUAGE, "bye": BYE}, start="lang")
    await rig.run()
    assert rig.call.lang == "en"
    assert rig.choices() == [("lang", "timeout")]
    assert rig.media.played[-1][0] == pytest.approx(2 + 2 + 3)  # goodbye after the wait


# --- hours ----------------------------------------------------------------------------------

HOURS = {"type": "hours", "schedule": "office", "open": "o", "closed": "c", "holiday": "h"}
ENDS = {n: {"type": "hangup", "reason": n} for n in ("o", "c", "h")}


@pytest.mark.parametrize(
    ("when", "branch"),
    [
        (MONDAY_10, "o"),
        (datetime(2026, 12, 7, 18, 0, tzinfo=UTC).timestamp(), "c"),
        (datetime(2026, 12, 25, 10, 0, tzinfo=UTC).timestamp(), "h"),  # a Friday, xmas
    ],
)
async def test_hours_branches_on_the_schedule(make_rig, when, branch):
    rig = await make_rig({"hours": HOURS, **ENDS}, start="hours", wall=when)
    await rig.run()
    assert rig.ended() == ("system", branch)


async def test_holiday_without_its_own_branch_is_closed(make_rig):
    hours = {k: v for k, v in HOURS.items() if k != "holiday"}
    xmas = datetime(2026, 12, 25, 10, 0, tzinfo=UTC).timestamp()
    rig = await make_rig({"hours": hours, **ENDS}, start="hours", wall=xmas)
    await rig.run()
    assert rig.ended() == ("system", "c")


# --- queue and its outcomes ----------------------------------------------------------------


async def test_queue_plays_its_prompt_unskippable_then_enqueues(make_rig):
    nodes = {"q": {"type": "queue", "queue": "sales", "prompt": "please-hold"}}
    rig = await make_rig(nodes, start="q")
    rig.press("5", at=0.5)
    await rig.run()
    assert rig.media.played[0][1:] == ("please-hold", "en", False)
    assert rig.acd.enqueued[0][2] == pytest.approx(2.0)  # the key did not cut it short


async def test_overflow_to_voicemail_records_into_the_target_mailbox(make_rig, tmp_path):
    rig = await make_rig({"q": {"type": "queue", "queue": "sales"}}, start="q")
    rig.acd.outcome = QueueOutcome("overflow", action="voicemail", target="after-hours")
    await rig.run()
    (vm,) = rig.events(CALL_VOICEMAIL)
    assert vm.fields["mailbox"] == "after-hours"
    assert (
        Path(vm.fields["path"])
        == tmp_path / "voicemail" / "after-hours" / f"{rig.call.call_id}.wav"
    )
    assert Path(vm.fields["path"]).is_file()
    assert rig.media.prompts_played == [BEEP]
    assert rig.ended() == ("system", "voicemail")
    assert rig.journal.cdr(rig.call.call_id).disposition == "voicemail"


async def test_closed_queue_with_callback_journals_the_request(make_rig):
    rig = await make_rig({"q": {"type": "queue", "queue": "sales"}}, start="q")
    rig.acd.outcome = QueueOutcome("closed", action="callback")
    await rig.run()
    (cb,) = rig.events(CALLBACK_REQUESTED)
    assert (cb.fields["number"], cb.fields["queue"]) == ("+380501234567", "sales")
    assert rig.callbacks == [(rig.call, "+380501234567", "sales")]
    assert rig.ended() == ("system", "callback")


async def test_overflow_hangup_and_a_callback_without_a_number_hang_up(make_rig):
    rig = await make_rig({"q": {"type": "queue", "queue": "sales"}}, start="q")
    rig.acd.outcome = QueueOutcome("overflow", action="hangup")
    await rig.run()
    assert rig.ended() == ("system", "queue-overflow")
    rig = await make_rig({"q": {"type": "queue", "queue": "sales"}}, start="q", caller=None)
    rig.acd.outcome = QueueOutcome("closed", action="callback")
    await rig.run()
    assert rig.ended() == ("system", "queue-closed") and not rig.events(CALLBACK_REQUESTED)


async def test_a_call_that_ended_in_the_queue_is_left_alone(make_rig):
    rig = await make_rig({"q": {"type": "queue", "queue": "sales"}, "bye": BYE}, start="q")
    rig.acd.outcome = QueueOutcome("ended")
    rig.hang_up(at=0.5)
    await rig.run()
    assert rig.ended() == ("caller", None)
    assert rig.media.played == []


# --- voicemail, callback, hangup nodes --------------------------------------------------------

VOICEMAIL = {
    "type": "voicemail",
    "prompt": "leave-message",
    "mailbox": "office",
    "max_length_s": 30,
    "next": "bye",
}


async def test_voicemail_node_greets_beeps_records_and_goes_on(make_rig, tmp_path):
    rig = await make_rig({"vm": VOICEMAIL, "bye": BYE}, start="vm")
    await rig.run()
    assert rig.media.prompts_played == ["leave-message", BEEP, "goodbye"]
    (vm,) = rig.events(CALL_VOICEMAIL)
    # No voice: the recording stops after the media's 3 s of silence.
    assert vm.fields["seconds"] == pytest.approx(3.0, abs=0.05)
    samples, info = read_wav(vm.fields["path"])
    assert info.sample_rate == 8000 and len(samples) == pytest.approx(3 * 8000, abs=480)
    assert rig.ended() == ("system", "ivr-done")


async def test_a_caller_who_hangs_up_to_end_the_message_still_leaves_it(make_rig):
    rig = await make_rig({"vm": {**VOICEMAIL, "max_length_s": 60}, "bye": BYE}, start="vm")
    rig.media.record_silence_s = 100  # keeps recording until the hang-up
    rig.hang_up(at=2 + 0.4 + 10)  # greeting 2 s, beep 0.4 s, then 10 s of message
    await rig.run()
    kinds = [e.kind for e in rig.events()][-2:]
    assert kinds == [CALL_VOICEMAIL, CALL_ENDED]  # filed before the call's end
    (vm,) = rig.events(CALL_VOICEMAIL)
    assert vm.fields["seconds"] == pytest.approx(10.0, abs=0.05)
    assert Path(vm.fields["path"]).is_file()
    cdr = rig.journal.cdr(rig.call.call_id)
    assert (cdr.ended_by, cdr.disposition) == ("caller", "voicemail")
    assert "goodbye" not in rig.media.prompts_played


CALLBACK = {"type": "callback", "prompt": "press-1-callback", "queue": "sales", "next": "bye"}


async def test_callback_node_on_1_journals_and_calls_on_callback(make_rig):
    rig = await make_rig({"cb": CALLBACK, "bye": BYE}, start="cb")
    rig.press("1", at=2.5)
    await rig.run()
    (cb,) = rig.events(CALLBACK_REQUESTED)
    assert dict(cb.fields) == {
        "call_id": rig.call.call_id,
        "number": "+380501234567",
        "queue": "sales",
    }
    assert rig.callbacks == [(rig.call, "+380501234567", "sales")]
    assert rig.choices() == [("cb", "1")]
    assert rig.ended() == ("system", "ivr-done")
    assert rig.journal.cdr(rig.call.call_id).disposition == "callback"


async def test_callback_node_without_a_1_requests_nothing(make_rig):
    cb = {k: v for k, v in CALLBACK.items() if k != "next"}
    rig = await make_rig({"cb": cb}, start="cb")
    rig.press("2", at=1.0)
    await rig.run()
    assert rig.events(CALLBACK_REQUESTED) == [] and rig.callbacks == []
    assert rig.ended() == ("system", "ivr-done")


async def test_hangup_node_says_goodbye_then_ends_with_its_reason(make_rig):
    rig = await make_rig({"bye": {**BYE, "reason": "done-here"}}, start="bye")
    await rig.run()
    assert rig.media.played[0][1:] == ("goodbye", "en", False)
    assert rig.ended() == ("system", "done-here")
    assert rig.events(CALL_ENDED)[0].t_mono == pytest.approx(2.0)
    await settle()
    assert rig.line.hangups == 1  # the engine hung the line up through the media


# --- the silent caller and the caller who hangs up ----------------------------------------------

SILENT = {"silence_after_s": 10, "silence_prompt": "cannot-hear"}


async def test_a_silent_caller_hears_the_prompt_once_and_is_hung_up(make_rig):
    menu = {**MENU, "timeout_s": 6}
    rig = await make_rig({"menu": menu, **QUEUES}, start="menu", **SILENT)
    await rig.run()
    # Waits count, prompts do not: 6 s after try 1, then 4 s into try 2's wait.
    assert rig.media.prompts_played == ["main-menu", "invalid", "main-menu", "cannot-hear"]
    assert rig.ended() == ("system", "caller-silent")
    assert rig.events(CALL_ENDED)[0].t_mono == pytest.approx(2 + 6 + 2 + 2 + 4 + 2)
    assert rig.acd.enqueued == []


async def test_keys_and_voice_show_a_caller_who_is_there(make_rig):
    menu = {**MENU, "timeout_s": 6}
    rig = await make_rig({"menu": menu, **QUEUES}, start="menu", **SILENT)
    # A wrong key at 7 s (quiet 5 s so far) shows someone is there: the count starts
    # again. Try 2 times out (quiet 6 s); a key 1 s into try 3's wait is in time.
    rig.press("7", at=7.0)
    rig.press("1", at=22.0)
    await rig.run()
    assert rig.choices() == [("menu", "invalid"), ("menu", "timeout"), ("menu", "1")]
    assert "cannot-hear" not in rig.media.prompts_played
    assert rig.acd.enqueued[0][1] == "sales"


async def test_voice_resets_the_silent_caller_count(make_rig):
    from firmware.audio import tts

    if not tts.available():
        pytest.skip("espeak-ng is not installed (apt install espeak-ng)")
    speech = tts.speak("Hello? Hello, can you hear me?", "en")
    menu = {**MENU, "timeout_s": 6, "retries": 1}
    rig = await make_rig({"menu": menu, **QUEUES}, start="menu", **SILENT)

    def talk(k: int = 0) -> None:  # the caller speaks from 4 s on, one frame per 20 ms
        if k * 160 < len(speech):
            rig.media.on_audio(speech[k * 160 : (k + 1) * 160])
            rig.clock.call_later(0.02, talk, k + 1)

    # Speech from 4 s to about 6.5 s leaves 1.5 s quiet after try 1's wait (2-8 s);
    # try 2's 6 s wait makes 7.5 s. Without it: 6 s, and try 2 would be cut at 4 s.
    rig.clock.call_later(4.0, talk)
    await rig.run()
    assert 6.0 < rig.media.last_voice() < 7.5
    assert "cannot-hear" not in rig.media.prompts_played
    assert rig.choices() == [("menu", "timeout"), ("menu", "timeout")]
    assert rig.acd.enqueued[0][1] == "support"


async def test_the_caller_hanging_up_mid_prompt_stops_the_flow_at_once(make_rig):
    nodes = {"welcome": {"type": "play", "prompt": "welcome", "next": "menu"}, "menu": MENU}
    rig = await make_rig({**nodes, **QUEUES}, start="welcome", **SILENT)
    rig.hang_up(at=1.0)
    await rig.run()
    assert rig.clock.now() == pytest.approx(1.0, abs=0.1)
    assert rig.media.prompts_played == ["welcome"]  # nothing more was even tried
    assert rig.choices() == [] and rig.acd.enqueued == []
    cdr = rig.journal.cdr(rig.call.call_id)
    assert (cdr.ended_by, cdr.disposition) == ("caller", "abandoned-in-ivr")


async def test_an_unknown_flow_is_an_error_naming_it(make_rig):
    rig = await make_rig({"bye": BYE}, start="bye")
    rig.call.flow = "mian"
    with pytest.raises(ValueError, match=r"flow 'mian' is not configured \(expected one of main\)"):
        await rig.ivr.run(rig.call)


# --- with the real ACD ----------------------------------------------------------------------


class Desk:
    """An agent's endpoint that picks up ``after_s`` after each offer."""

    def __init__(self, acd, agent: str, clock: VirtualClock, after_s: float = 3.0) -> None:
        self.acd, self.agent, self.clock, self.after_s = acd, agent, clock, after_s
        self.log: list[str] = []

    def offer(self, call: Call) -> None:
        self.log.append("offer")
        self.clock.call_later(self.after_s, self.acd.agent_answer, self.agent)

    def cancel_offer(self, call: Call) -> None:
        self.log.append("cancel")

    def connect(self, call: Call) -> None:
        self.log.append("connect")

    def disconnect(self, call: Call) -> None:
        self.log.append("disconnect")


def real_acd(rig: Rig):
    acd_module = pytest.importorskip("firmware.acd")
    acd = acd_module.Acd(rig.ivr.config, engine=rig.engine, clock=rig.clock)
    rig.ivr.acd = acd
    return acd


async def test_with_the_real_acd_the_caller_reaches_an_agent(make_rig):
    rig = await make_rig({"menu": MENU, **QUEUES}, start="menu")
    acd = real_acd(rig)
    desk = Desk(acd, "anna", rig.clock)
    acd.attach("anna", desk)
    acd.login("anna")
    rig.press("1", at=0.5)
    await rig.run()
    assert desk.log == ["offer", "connect"] and not rig.call.ended
    cdr = rig.journal.cdr(rig.call.call_id)
    assert (cdr.queue, cdr.agent) == ("sales", "anna")
    assert cdr.answer - cdr.enqueue == pytest.approx(3.0, abs=0.01)
    assert cdr.enqueue - cdr.arrival == pytest.approx(0.5, abs=0.15)  # barge-in


async def test_with_the_real_acd_a_closed_queue_sends_the_caller_to_voicemail(make_rig):
    rig = await make_rig({"menu": MENU, **QUEUES}, start="menu")
    acd = real_acd(rig)
    acd.set_night_mode(True)
    rig.press("0", at=0.5)
    await rig.run()
    (vm,) = rig.events(CALL_VOICEMAIL)
    assert vm.fields["mailbox"] == "night"
    cdr = rig.journal.cdr(rig.call.call_id)
    assert (cdr.ended_by, cdr.end_reason, cdr.disposition) == ("system", "voicemail", "voicemail")


async def test_a_reload_with_an_unplayable_prompt_keeps_the_running_flows(make_rig):
    rig = await make_rig({"bye": BYE}, start="bye")
    old = rig.ivr.config

    def with_farewell(prompt: Prompt) -> Config:
        flow = old.ivr["main"]
        bye = flow.nodes["bye"].model_copy(update={"prompt": "farewell"})
        flow = flow.model_copy(update={"nodes": {"bye": bye}})
        prompts = {**old.prompts, "farewell": prompt}
        return old.model_copy(update={"ivr": {"main": flow}, "prompts": prompts})

    # The loader would refuse a missing WAV; the store must refuse it too.
    broken = with_farewell(Prompt(wav={"en": "missing.wav"}, text={"ru": "пока|1"}))
    with pytest.raises(PromptError, match=r"prompt 'farewell' \(en\): .*missing.wav"):
        await rig.ivr.reconfigure(broken)
    assert rig.ivr.config is old
    await rig.run()
    assert rig.media.prompts_played == ["goodbye"]  # the old flow, still playable
    await rig.ivr.reconfigure(with_farewell(Prompt(text={"en": "bye|1", "ru": "пока|1"})))
    assert rig.ivr.config.ivr["main"].nodes["bye"].prompt == "farewell"
