"""Shared pieces of the ACD tests (imported by the other test_acd_* files), and checks
that those pieces are what they claim.

Everything here is real but two recorders: :class:`Station` is an ``AgentEndpoint``
(that protocol *is* the ACD's interface to people), and :class:`Media` a ``CallMedia``
that records what the caller would hear (the real media needs a phone line).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from typing import Any

import pytest

from firmware.acd import Acd
from firmware.call import Call
from firmware.clock import VirtualClock
from firmware.config import Config, ConfigError, parse_config
from firmware.engine import CallEngine
from firmware.journal import Journal, Retention

BASE: dict[str, Any] = {
    "box_id": "box1",
    "languages": {"available": ["en"], "default": "en"},
    "lines": {"l1": {"kind": "gsm", "port": "/dev/null", "flow": "main"}},
    "ivr": {"main": {"start": "bye", "silence_after_s": 0, "nodes": {"bye": {"type": "hangup"}}}},
    "queues": {"sales": {"strategy": "longest-idle", "announce_every_s": 0}},
    "agents": {
        "anna": {"queues": ["sales"]},
        "bob": {"queues": ["sales"]},
    },
}


def make_config(**sections: Any) -> Config:
    """A Config through the loader's own validation (cross-section checks included):
    ``BASE`` with the given top-level sections replaced."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(sections))
    return parse_config(data)


@dataclass
class Station:
    """An AgentEndpoint that records what the ACD asked of it; ``auto_answer`` picks up
    from inside ``offer`` (as a simulated agent may)."""

    name: str
    acd: Acd | None = None
    auto_answer: bool = False
    log: list[tuple[str, str]] = field(default_factory=list)

    def offer(self, call: Call) -> None:
        self.log.append(("offer", call.call_id))
        if self.auto_answer:
            assert self.acd is not None
            self.acd.agent_answer(self.name)

    def cancel_offer(self, call: Call) -> None:
        self.log.append(("cancel_offer", call.call_id))

    def connect(self, call: Call) -> None:
        self.log.append(("connect", call.call_id))

    def disconnect(self, call: Call) -> None:
        self.log.append(("disconnect", call.call_id))

    def what(self, action: str) -> list[str]:
        return [c for a, c in self.log if a == action]


class Media:
    """A CallMedia recorder: what the caller would hear. Prompts and announcements
    take ``say_s`` of virtual time, like real audio would."""

    def __init__(self, clock: VirtualClock, say_s: float = 0.0) -> None:
        self.clock = clock
        self.say_s = say_s
        self.heard: list[tuple] = []
        self.hangups = 0

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        self.heard.append(("play", prompt, lang, barge_in, self.clock.now()))
        if self.say_s:
            await self.clock.sleep(self.say_s)
        return None

    async def say_queue_status(self, position: int | None, wait_s: float | None, lang: str):
        self.heard.append(("status", position, wait_s, lang, self.clock.now()))
        if self.say_s:
            await self.clock.sleep(self.say_s)

    def start_hold(self, music: str | None, lang: str) -> None:
        self.heard.append(("hold", music))

    def stop_hold(self) -> None:
        self.heard.append(("unhold",))

    async def hangup(self) -> None:
        self.hangups += 1

    def of(self, kind: str) -> list[tuple]:
        return [h for h in self.heard if h[0] == kind]


class World:
    """A real engine, journal and ACD on a virtual clock, with helpers."""

    def __init__(self, config: Config, seed: int = 1) -> None:
        import random

        self.clock = VirtualClock()
        self.journal = Journal(
            ":memory:", box_id="box1", clock=self.clock, retention=Retention(30, max_events=10**6)
        )
        self.engine = CallEngine(journal=self.journal, clock=self.clock)
        self.acd = Acd(config, engine=self.engine, clock=self.clock, rng=random.Random(seed))
        self.stations: dict[str, Station] = {}
        for name in config.agents:
            self.attach(name)

    def attach(self, name: str, auto_answer: bool = False) -> Station:
        st = Station(name, self.acd, auto_answer)
        self.stations[name] = st
        self.acd.attach(name, st)
        return st

    def call(self, caller: str | None = "+100", *, priority: int = 0, say_s: float = 0.0):
        media = Media(self.clock, say_s)
        call = self.engine.arrive(
            line="l1", caller=caller, media=media, lang="en", priority=priority
        )
        return call

    def enqueue(self, call: Call, queue: str = "sales") -> asyncio.Task:
        return asyncio.get_running_loop().create_task(self.acd.enqueue(call, queue))

    def events(self, *kinds: str) -> list[tuple[str, dict]]:
        evs = self.journal.events(limit=None)
        return [(e.kind, dict(e.fields)) for e in evs if not kinds or e.kind in kinds]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.journal.events(limit=None)]

    def state(self, agent: str) -> str:
        return self.acd.snapshot()["agents"][agent]["state"]

    async def settle(self) -> None:
        await self.clock.advance(0)

    def close(self) -> None:
        self.journal.close()


@pytest.fixture
def world():
    w = World(make_config())
    yield w
    w.close()


# --- the helpers themselves ---------------------------------------------------------------


def test_make_config_goes_through_the_loaders_cross_checks():
    with pytest.raises(ConfigError) as info:
        make_config(agents={"anna": {"queues": ["nosuch"]}})
    assert "agents.anna.queues" in str(info.value)
    assert "nosuch" in str(info.value)


async def test_world_runs_a_call_to_an_agent(world):
    world.acd.login("anna")
    call = world.call()
    task = world.enqueue(call)
    await world.settle()
    assert world.stations["anna"].what("offer") == [call.call_id]
    world.acd.agent_answer("anna")
    await world.settle()
    assert task.result().agent == "anna"
    assert call.media.of("hold") == [("hold", None)]
