"""The simulated people: callers who hear nothing and may give up, and agents who
pick up at once and talk for a drawn time. Both only do what a person at a phone
could: hang up, or answer and hang up, through the same calls the box's stations use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..call import Call
from ..clock import Clock, Timer


class SilentMedia:
    """A simulated caller's line: prompts play instantly, no keys, no voice.

    Model mode plays no prompts at all (no IVR, no announcements); these answers
    only keep the :class:`firmware.call.CallMedia` contract if something asks.
    """

    __slots__ = ()

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        return None

    async def say_queue_status(self, position: int | None, wait_s: float | None, lang: str) -> None:
        return None

    async def next_digit(self, timeout_s: float) -> str | None:
        return None

    def flush_digits(self) -> None:
        pass

    def start_hold(self, music: str | None, lang: str) -> None:
        pass

    def stop_hold(self) -> None:
        pass

    def last_voice(self) -> float | None:
        return None

    async def record(self, path: str, max_s: float) -> float:
        return 0.0

    async def hangup(self) -> None:
        return None


SILENT = SilentMedia()


class SimAgent:
    """An :class:`firmware.acd.AgentEndpoint` for a simulated agent: answers every
    offer after ``answer_delay_s`` (0: at once, the same virtual instant), talks for
    ``handle_time()`` seconds, then hangs up through the ACD (``acd.agent_hangup``),
    as a station's button would.

    Why the answer goes through ``call_later(0)``: an endpoint's ``offer`` is called
    by the ACD in the middle of its own bookkeeping, and a real agent's answer
    arrives later too; answering from inside ``offer`` would re-enter the ACD.
    """

    __slots__ = (
        "_acd",
        "_clock",
        "_delay",
        "_handle_time",
        "_on_connect",
        "_ringing",
        "_talk",
        "name",
    )

    def __init__(
        self,
        name: str,
        acd: Any,
        clock: Clock,
        handle_time: Callable[[], float],
        on_connect: Callable[[Call], None] | None = None,
        answer_delay_s: float = 0.0,
    ) -> None:
        self.name = name
        self._delay = answer_delay_s
        self._acd = acd
        self._clock = clock
        self._handle_time = handle_time
        self._on_connect = on_connect
        self._ringing: Call | None = None
        self._talk: Timer | None = None

    def offer(self, call: Call) -> None:
        self._ringing = call
        self._clock.call_later(self._delay, self._answer, call)

    def _answer(self, call: Call) -> None:
        if self._ringing is call:  # not cancelled in the meantime
            self._ringing = None
            self._acd.agent_answer(self.name)

    def cancel_offer(self, call: Call) -> None:
        if self._ringing is call:
            self._ringing = None

    def connect(self, call: Call) -> None:
        if self._on_connect is not None:
            self._on_connect(call)
        self._talk = self._clock.call_later(self._handle_time(), self._hang_up, call)

    def _hang_up(self, call: Call) -> None:
        self._talk = None
        if not call.ended:
            self._acd.agent_hangup(self.name)

    def disconnect(self, call: Call) -> None:
        if self._talk is not None:  # the caller hung up first
            self._talk.cancel()
            self._talk = None


class SimCaller:
    """A simulated caller's line for config mode: prompts take time, keys follow
    ``[traffic.keys]``, voice is heard unless the caller is silent.

    ``keys``: prompt -> (key sequences, weights); after a prompt listed there the
    caller keys one sequence, drawn by weight. During a prompt that may be
    interrupted (barge-in) the first key comes part-way through it and the rest
    follow ``KEY_GAP_S`` apart; after one that may not, they are typed ahead. A
    silent caller presses nothing and is never heard (the flow's silence hang-up).
    Once the caller has hung up (:meth:`gone`) every method returns at once.
    """

    KEY_GAP_S = 0.4
    STATUS_S = 4.0  # "you are number 3, about 2 minutes"

    def __init__(
        self,
        clock: Clock,
        rng: Any,
        keys: dict[str, tuple[list[str], list[float]]],
        prompt_s: Callable[[str, str], float],
        *,
        silent: bool = False,
        message_s: float = 20.0,
    ) -> None:
        self._clock = clock
        self._rng = rng
        self._keys = keys
        self._prompt_s = prompt_s
        self._silent = silent
        self._message_s = message_s
        self._buffer: list[str] = []
        self.gone = False

    def _draw_keys(self, prompt: str) -> str:
        choice = self._keys.get(prompt)
        if choice is None or self._silent:
            return ""
        return self._rng.choices(choice[0], weights=choice[1])[0]

    async def play(self, prompt: str, lang: str, *, barge_in: bool = True) -> str | None:
        if self.gone:
            return None
        length = self._prompt_s(prompt, lang)
        keys = self._draw_keys(prompt)
        if keys and barge_in:
            await self._clock.sleep(length * self._rng.uniform(0.3, 1.0))
            self._buffer.extend(keys[1:])
            return None if self.gone else keys[0]
        await self._clock.sleep(length)
        self._buffer.extend(keys)
        return None

    async def say_queue_status(self, position: int | None, wait_s: float | None, lang: str) -> None:
        if not self.gone:
            await self._clock.sleep(self.STATUS_S)

    async def next_digit(self, timeout_s: float) -> str | None:
        if self.gone:
            return None
        if self._buffer:
            await self._clock.sleep(min(self.KEY_GAP_S, timeout_s))
            if timeout_s >= self.KEY_GAP_S and self._buffer and not self.gone:
                return self._buffer.pop(0)
            return None
        await self._clock.sleep(timeout_s)
        return None

    def flush_digits(self) -> None:
        self._buffer.clear()

    def start_hold(self, music: str | None, lang: str) -> None:
        pass

    def stop_hold(self) -> None:
        pass

    def last_voice(self) -> float | None:
        return None if self._silent or self.gone else self._clock.now()

    async def record(self, path: str, max_s: float) -> float:
        """The message is only timed (no file is written): exponential, capped."""
        if self.gone:
            return 0.0
        seconds = min(max_s, self._rng.expovariate(1.0 / self._message_s))
        await self._clock.sleep(seconds)
        return seconds

    async def hangup(self) -> None:
        self.gone = True
