"""The IVR: walks a call through its flow's nodes (``[ivr.<flow>]``) until it is queued,
answered, sent to voicemail or hung up.

Each node type is one method here; what a node's fields mean is in
:mod:`firmware.config.ivr` and ``docs/ivr.md``. The flow talks to the caller only through
``call.media`` (:class:`firmware.call.CallMedia`), so a real line and a simulated caller
run the same code.

A few rules hold for every node:

* **Barge-in.** A key pressed during a question (menu, language, collect, callback) is
  the answer; a key during a ``play`` node skips it and is kept as the answer to the
  next question (type-ahead). Announcements (a queue's prompt, voicemail greeting,
  goodbye) cannot be skipped.
* **Decisions are journaled** (``ivr_choice``: the key, ``timeout`` or ``invalid``); a
  collected entry never is, only its length: it may be an account or a PIN. A login
  code (``agent_login``, :mod:`firmware.ivr_login`) is not even that.
* **A silent caller** (``silence_after_s``): once the first prompt has played, the time
  the flow spends *waiting for the caller* adds up; a key or voice resets it. When it
  reaches ``silence_after_s`` the caller hears ``silence_prompt`` once and the call
  ends (``caller-silent``). Time spent talking to the caller does not count: a long menu
  must not hang up on a caller who is listening, and a caller who answers with keys is
  heard even if they never speak. See docs/ivr.md.
* **The caller hanging up** ends the call in the engine; the media then returns at
  once and the walk stops at the next step, journaling nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .call import Call
from .cdr import CALLBACK_REQUESTED, IVR_CHOICE
from .clock import Clock
from .config.ivr import (
    AgentLoginNode,
    CallbackNode,
    CollectNode,
    Flow,
    HangupNode,
    HoursNode,
    LanguageNode,
    MenuNode,
    PlayNode,
    QueueNode,
    VoicemailNode,
)
from .config.model import Config
from .engine import CallEngine
from .ivr_entry import entry_ok
from .ivr_login import OnLogin, OnLogout, agent_login
from .ivr_voicemail import leave_message
from .schedule import CLOSED, HOLIDAY, status

if TYPE_CHECKING:
    from .acd import Acd
    from .audio.prompts import PromptStore

log = logging.getLogger(__name__)

#: A flow that keeps going round (menu -> fallback -> menu) ends after this many steps.
MAX_STEPS = 200
#: After a prompt, voice heard this soon is taken for its echo (analog lines).
ECHO_TAIL_S = 0.5
#: How long a callback node waits for its "1" (the node has no timeout of its own).
CALLBACK_TIMEOUT_S = 5.0
#: Longest message when a queue overflows to voicemail (no node to say otherwise).
OVERFLOW_VOICEMAIL_S = 120.0

OnCallback = Callable[[Call, str, str], None]


@dataclass
class _Walk:
    """One call's way through its flow."""

    call: Call
    flow: Flow
    node: str = ""
    typeahead: str | None = None  # a key that skipped a play node: the next answer
    greeted: bool = False  # the first prompt has played: silence counts from now
    quiet_s: float = 0.0  # time spent waiting for the caller with nothing heard
    silent: bool = False


class Ivr:
    """Runs calls through their flows; see the module docstring.

    ``acd`` is :class:`firmware.acd.Acd` (only ``await acd.enqueue(call, queue)`` is
    used); ``prompts`` the :class:`~firmware.audio.prompts.PromptStore` the media plays
    from, prepared by the daemon at start and by :meth:`reconfigure`; messages go to
    ``voicemail_dir/<mailbox>/<call_id>.wav``;
    ``on_callback(call, number, queue)`` hears of every callback request;
    ``on_login(station, code) -> agent`` logs an operator in for ``agent_login`` nodes,
    ``on_logout`` (the same) out for those with ``logout = true`` (both settable later:
    the daemon opens the stations after the switchboard).
    """

    def __init__(
        self,
        config: Config,
        *,
        engine: CallEngine,
        acd: Acd,
        prompts: PromptStore,
        clock: Clock,
        voicemail_dir: Path,
        on_callback: OnCallback | None = None,
        on_login: OnLogin | None = None,
        on_logout: OnLogout | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.acd = acd
        self.prompts = prompts
        self.clock = clock
        self.voicemail_dir = Path(voicemail_dir)
        self.on_callback = on_callback
        self.on_login = on_login
        self.on_logout = on_logout
        self._handlers: dict[type, Callable] = {
            PlayNode: self._play_node,
            MenuNode: self._menu,
            CollectNode: self._collect,
            LanguageNode: self._language,
            HoursNode: self._hours,
            QueueNode: self._queue,
            VoicemailNode: self._voicemail_node,
            CallbackNode: self._callback_node,
            HangupNode: self._hangup,
            AgentLoginNode: self._agent_login,
        }

    async def reconfigure(self, config: Config) -> None:
        """A reloaded (validated) config: its prompts are prepared first, so one that
        cannot be played (PromptError) leaves the running config in place. New calls
        take the new flows; calls in a flow finish the one they started in."""
        await self.prompts.prepare(config)
        self.config = config

    def flow_of(self, call: Call) -> Flow:
        """The flow ``call`` runs; ValueError naming it and the configured ones if unknown."""
        flows = self.config.ivr
        if call.flow not in flows:
            raise ValueError(
                f"call {call.call_id}: flow {call.flow!r} is not configured "
                f"(expected one of {', '.join(sorted(flows))})"
            )
        return flows[call.flow]

    async def run(self, call: Call) -> None:
        """Walk ``call`` from its flow's start node until it leaves the IVR."""
        flow = self.flow_of(call)
        walk = _Walk(call, flow)
        name: str | None = flow.start
        steps = 0
        while name is not None and not call.ended:
            steps += 1
            if steps > MAX_STEPS:
                log.warning("call %s: flow %r went round %d steps", call.call_id, call.flow, steps)
                self.engine.end(call, "system", "ivr-loop")
                return
            walk.node = name
            node = flow.nodes[name]
            name = await self._handlers[type(node)](walk, node)
            if walk.silent and not call.ended:
                await self._silent(walk)
                return

    # -- talking and listening ------------------------------------------------------

    async def _say(self, walk: _Walk, prompt: str, *, barge_in: bool, lang: str | None = None):
        """Play a prompt; a key that interrupts it is returned (and shows a caller)."""
        call = walk.call
        key = await call.media.play(prompt, lang or call.lang, barge_in=barge_in)
        walk.greeted = True
        if key is not None:
            walk.quiet_s = 0.0
        return key

    async def _ask(self, walk: _Walk, prompt: str, lang: str | None = None) -> str | None:
        """A question: the type-ahead key if there is one, else the prompt (barge-in)."""
        key, walk.typeahead = walk.typeahead, None
        if key is not None:
            return key
        return await self._say(walk, prompt, barge_in=True, lang=lang)

    def _voice_after(self, walk: _Walk, since: float) -> float | None:
        """When the caller was last heard, if that was after ``since``."""
        v = walk.call.media.last_voice()
        return v if v is not None and v > since else None

    async def _key(self, walk: _Walk, timeout_s: float) -> str | None:
        """The caller's next key within ``timeout_s``, or None; sets ``walk.silent``
        when the silent-caller budget runs out first."""
        media, clock, limit = walk.call.media, self.clock, walk.flow.silence_after_s
        if limit <= 0 or not walk.greeted:
            return await media.next_digit(timeout_s)
        # Voice counts only while we wait, and not in the first moments: on an analog
        # line our own prompt echoes back, and the detector holds on for its hangover.
        deadline = clock.now() + timeout_s
        heard_from = clock.now() + ECHO_TAIL_S
        while True:
            left, budget = deadline - clock.now(), limit - walk.quiet_s
            if budget <= 1e-9:
                walk.silent = True
                return None
            start = clock.now()
            key = await media.next_digit(min(left, budget))
            now = clock.now()
            voice = self._voice_after(walk, max(start, heard_from))
            if key is not None:
                walk.quiet_s = 0.0
                return key
            if voice is not None:
                walk.quiet_s = max(0.0, now - max(voice, start))
            else:
                walk.quiet_s += now - start
            if walk.call.ended or now >= deadline - 1e-9:
                return None

    def _decide(self, walk: _Walk, choice: str, **extra: Any) -> None:
        self.engine.journal.append(
            IVR_CHOICE, call_id=walk.call.call_id, node=walk.node, choice=choice, **extra
        )

    def _gone(self, walk: _Walk) -> bool:
        return walk.call.ended or walk.silent

    def _end(self, walk: _Walk, reason: str) -> None:
        self.engine.end(walk.call, "system", reason)

    async def _silent(self, walk: _Walk) -> None:
        prompt = walk.flow.silence_prompt
        if prompt is not None:
            await walk.call.media.play(prompt, walk.call.lang, barge_in=False)
        self._end(walk, "caller-silent")

    # -- nodes ------------------------------------------------------------------------
    # Each returns the next node's name, or None when the call has left the IVR.

    async def _play_node(self, walk: _Walk, node: PlayNode) -> str | None:
        key = await self._say(walk, node.prompt, barge_in=True)
        if key is not None:
            walk.typeahead = key
        return node.next

    async def _menu(self, walk: _Walk, node: MenuNode) -> str | None:
        for attempt in range(node.retries + 1):
            walk.call.media.flush_digits()
            key = await self._ask(walk, node.prompt)
            if key is None and not self._gone(walk):
                key = await self._key(walk, node.timeout_s)
            if self._gone(walk):
                return None
            if key in node.choices:
                self._decide(walk, key)
                return node.choices[key]
            self._decide(walk, "timeout" if key is None else "invalid", **_pressed(key))
            if attempt < node.retries and node.invalid_prompt is not None:
                walk.typeahead = await self._say(walk, node.invalid_prompt, barge_in=True)
        return node.fallback

    async def _collect(self, walk: _Walk, node: CollectNode) -> str | None:
        for attempt in range(node.retries + 1):
            walk.call.media.flush_digits()
            key = await self._ask(walk, node.prompt)
            entry = ""
            while not self._gone(walk):
                if key is None:
                    key = await self._key(walk, node.timeout_s)
                if key is None or key == node.terminator:
                    break
                entry += key
                if len(entry) >= node.max_digits:
                    break
                key = None
            if self._gone(walk):
                return None
            # Only the length: the entry itself may be a secret.
            if entry and entry_ok(node, entry):
                walk.call.vars[node.into] = entry
                self._decide(walk, "valid", length=len(entry))
                return node.next
            self._decide(walk, "invalid" if entry else "timeout", length=len(entry))
            if attempt < node.retries and node.invalid_prompt is not None:
                walk.typeahead = await self._say(walk, node.invalid_prompt, barge_in=True)
        return node.fallback

    async def _language(self, walk: _Walk, node: LanguageNode) -> str | None:
        walk.call.media.flush_digits()
        key, walk.typeahead = walk.typeahead, None
        # "For English press 3" is said in English, so the prompt plays in each language.
        for lang in dict.fromkeys(node.choices.values()):
            if key is not None or self._gone(walk):
                break
            key = await self._say(walk, node.prompt, barge_in=True, lang=lang)
        if key is None and not self._gone(walk):
            key = await self._key(walk, node.timeout_s)
        if self._gone(walk):
            return None
        if key in node.choices:
            walk.call.lang = node.choices[key]
            self._decide(walk, key, lang=walk.call.lang)
        else:  # the call keeps the language it has (the default)
            self._decide(walk, "timeout" if key is None else "invalid", **_pressed(key))
        return node.next

    async def _hours(self, walk: _Walk, node: HoursNode) -> str | None:
        schedule = self.config.hours[node.schedule]
        now = status(schedule, self.config.holidays.values(), self.clock.wall())
        if now == HOLIDAY:
            return node.holiday or node.closed
        return node.closed if now == CLOSED else node.open

    async def _queue(self, walk: _Walk, node: QueueNode) -> str | None:
        call = walk.call
        if node.prompt is not None:
            await self._say(walk, node.prompt, barge_in=False)
            if call.ended:
                return None
        outcome = await self.acd.enqueue(call, node.queue)
        if outcome.result in ("answered", "ended") or call.ended:
            return None  # with an agent now, or gone: no longer the IVR's
        action = outcome.action or "hangup"
        if action == "voicemail":
            mailbox = outcome.target or node.queue
            await self._record(walk, mailbox, None, OVERFLOW_VOICEMAIL_S)
            if not call.ended:
                self._end(walk, "voicemail")
        elif action == "callback" and self._request_callback(call, node.queue):
            self._end(walk, "callback")
        else:
            self._end(walk, f"queue-{outcome.result}")
        return None

    async def _voicemail_node(self, walk: _Walk, node: VoicemailNode) -> str | None:
        await self._record(walk, node.mailbox, node.prompt, node.max_length_s)
        return self._then(walk, node.next, "voicemail")

    async def _callback_node(self, walk: _Walk, node: CallbackNode) -> str | None:
        walk.call.media.flush_digits()
        key = await self._ask(walk, node.prompt)
        if key is None and not self._gone(walk):
            key = await self._key(walk, CALLBACK_TIMEOUT_S)
        if self._gone(walk):
            return None
        self._decide(walk, "timeout" if key is None else key)
        requested = key == "1" and self._request_callback(walk.call, node.queue)
        return self._then(walk, node.next, "callback" if requested else "ivr-done")

    async def _hangup(self, walk: _Walk, node: HangupNode) -> str | None:
        if node.prompt is not None:
            await self._say(walk, node.prompt, barge_in=False)
        self._end(walk, node.reason)
        return None

    async def _agent_login(self, walk: _Walk, node: AgentLoginNode) -> str | None:
        return await agent_login(self, walk, node)  # firmware/ivr_login.py

    def _then(self, walk: _Walk, next_node: str | None, reason: str) -> str | None:
        """The node after a voicemail or callback; none: the call is over."""
        if walk.call.ended:
            return None
        if next_node is None:
            self._end(walk, reason)
        return next_node

    # -- voicemail and callbacks --------------------------------------------------------

    async def _record(self, walk: _Walk, mailbox: str, prompt: str | None, max_s: float) -> None:
        """Greeting (if any), then the beep and the message."""
        if prompt is not None:
            await self._say(walk, prompt, barge_in=False)
        if not walk.call.ended:
            folder = self.voicemail_dir / mailbox
            await leave_message(
                walk.call, self.engine.journal, self.clock, folder, mailbox=mailbox, max_s=max_s
            )

    def _request_callback(self, call: Call, queue: str) -> bool:
        """Journal and hand on a callback request; False when there is no number to call."""
        number = call.caller
        if not number:
            log.info(
                "call %s: callback asked for, but the caller's number is withheld", call.call_id
            )
            return False
        self.engine.journal.append(
            CALLBACK_REQUESTED, call_id=call.call_id, number=number, queue=queue
        )
        if self.on_callback is not None:
            try:
                self.on_callback(call, number, queue)
            except Exception:  # the request is journaled; a listener's bug must not drop the call
                log.exception("call %s: on_callback failed", call.call_id)
        return True


def _pressed(key: str | None) -> dict[str, str]:
    # A wrong menu key is no secret and shows which choice callers look for.
    return {} if key is None else {"key": key}
