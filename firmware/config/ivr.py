"""``[ivr.<flow>]``: call flows as a small graph of nodes, told apart by ``type``.

A flow names its ``start`` node; each node names the nodes that may follow it. Every
node lists the nodes, queues, schedules and prompts it refers to through
:meth:`Node.refs`, so :mod:`.references` can check them all without knowing each
type. What the nodes *do* is :mod:`firmware.ivr`'s business.
"""

from __future__ import annotations

import re
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field

from .base import DtmfKey, Lang, Name, PositiveSeconds, Seconds, Section, invalid

NODE_TYPES = (
    "play",
    "menu",
    "collect",
    "language",
    "hours",
    "queue",
    "voicemail",
    "callback",
    "hangup",
    "agent_login",
)

#: (key path inside the node, what it refers to: node/queue/schedule/prompt/language, name)
Ref = tuple[tuple[str, ...], str, str]


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise invalid(f"is not a regular expression ({exc})") from None
    return value


Regex = Annotated[str, AfterValidator(_check_regex)]

_TYPE = Field(title="Type", description="What the node does: " + ", ".join(NODE_TYPES) + ".")
_TIMEOUT = Field(5, gt=0, title="Timeout", description="Seconds to wait for the caller's key.")
_RETRIES = Field(2, ge=0, le=10, title="Retries", description="Repeats after a wrong entry.")


class _Node(Section):
    def refs(self) -> list[Ref]:
        """What this node names, so the loader can check each name exists."""
        out: list[Ref] = []
        for key, kind in self.REFS:
            value = getattr(self, key)
            if isinstance(value, dict):
                out += [((key, k), kind, v) for k, v in value.items()]
            elif value is not None:
                out.append(((key,), kind, value))
        return out

    REFS: ClassVar[tuple[tuple[str, str], ...]] = ()


class PlayNode(_Node):
    type: Literal["play"] = _TYPE
    prompt: Name = Field(title="Prompt", description="The prompt to play.")
    next: Name = Field(title="Next", description="The node after it.")
    REFS = (("prompt", "prompt"), ("next", "node"))


class MenuNode(_Node):
    type: Literal["menu"] = _TYPE
    prompt: Name = Field(title="Prompt", description="The menu's question.")
    choices: dict[DtmfKey, Name] = Field(
        title="Choices", description="Key -> the node it leads to.", min_length=1
    )
    timeout_s: PositiveSeconds = _TIMEOUT
    retries: int = _RETRIES
    invalid_prompt: Name | None = Field(
        None, title="Invalid-entry prompt", description="Played after a wrong or no key."
    )
    fallback: Name = Field(
        title="Fallback", description="The node after the last retry (e.g. a queue)."
    )
    REFS = (
        ("prompt", "prompt"),
        ("choices", "node"),
        ("invalid_prompt", "prompt"),
        ("fallback", "node"),
    )


class CollectNode(_Node):
    type: Literal["collect"] = _TYPE
    prompt: Name = Field(title="Prompt", description="What to enter ('your order number').")
    into: Name = Field(title="Variable", description="The call variable the digits go to.")
    min_digits: int = Field(1, ge=1, le=64, title="Fewest digits", description="Shortest entry.")
    max_digits: int = Field(16, ge=1, le=64, title="Most digits", description="Longest entry.")
    terminator: Literal["#", "*"] | None = Field(
        "#", title="Terminator", description="Key that ends the entry early (none: only length)."
    )
    pattern: Regex | None = Field(
        None, title="Pattern", description="A regular expression the whole entry must match."
    )
    luhn: bool = Field(False, title="Luhn check", description="The entry ends in a Luhn digit.")
    timeout_s: PositiveSeconds = _TIMEOUT
    retries: int = _RETRIES
    invalid_prompt: Name | None = Field(
        None, title="Invalid-entry prompt", description="Played after an entry that fails."
    )
    next: Name = Field(title="Next", description="The node after a valid entry.")
    fallback: Name = Field(title="Fallback", description="The node after the last retry.")
    REFS = (
        ("prompt", "prompt"),
        ("invalid_prompt", "prompt"),
        ("next", "node"),
        ("fallback", "node"),
    )


class LanguageNode(_Node):
    type: Literal["language"] = _TYPE
    prompt: Name = Field(title="Prompt", description="'For English press 3 …'.")
    choices: dict[DtmfKey, Lang] = Field(
        title="Choices", description="Key -> language code.", min_length=1
    )
    timeout_s: PositiveSeconds = _TIMEOUT
    next: Name = Field(
        title="Next", description="The node after the choice (or the default on timeout)."
    )
    REFS = (("prompt", "prompt"), ("choices", "language"), ("next", "node"))


class HoursNode(_Node):
    type: Literal["hours"] = _TYPE
    schedule: Name = Field(title="Schedule", description="An [hours.<name>] schedule.")
    open: Name = Field(title="Open", description="The node while open.")
    closed: Name = Field(title="Closed", description="The node outside business hours.")
    holiday: Name | None = Field(
        None, title="Holiday", description="The node on a holiday (default: closed)."
    )
    REFS = (("schedule", "schedule"), ("open", "node"), ("closed", "node"), ("holiday", "node"))


class QueueNode(_Node):
    type: Literal["queue"] = _TYPE
    queue: Name = Field(title="Queue", description="The queue the caller waits in.")
    prompt: Name | None = Field(None, title="Prompt", description="Played before queueing.")
    REFS = (("queue", "queue"), ("prompt", "prompt"))


class VoicemailNode(_Node):
    type: Literal["voicemail"] = _TYPE
    prompt: Name = Field(title="Prompt", description="'Leave a message after the tone'.")
    mailbox: Name = Field(title="Mailbox", description="Where the message is filed.")
    max_length_s: PositiveSeconds = Field(
        120, title="Longest message", description="Recording stops after this."
    )
    next: Name | None = Field(
        None, title="Next", description="The node after the message (none: hang up)."
    )
    REFS = (("prompt", "prompt"), ("next", "node"))


class CallbackNode(_Node):
    type: Literal["callback"] = _TYPE
    prompt: Name = Field(title="Prompt", description="'Press 1 to be called back'.")
    queue: Name = Field(title="Queue", description="The queue whose agents call back.")
    next: Name | None = Field(
        None, title="Next", description="The node after the request (none: hang up)."
    )
    REFS = (("prompt", "prompt"), ("queue", "queue"), ("next", "node"))


class HangupNode(_Node):
    type: Literal["hangup"] = _TYPE
    prompt: Name | None = Field(None, title="Prompt", description="A goodbye before hanging up.")
    reason: str = Field("ivr", title="Reason", description="The reason recorded on the call.")
    REFS = (("prompt", "prompt"),)


class AgentLoginNode(_Node):
    """An operator logs in at a station from any phone: station number, then code."""

    type: Literal["agent_login"] = _TYPE
    prompt: Name = Field(
        title="Prompt", description="'Enter your station number, then press hash'."
    )
    code_prompt: Name = Field(
        title="Code prompt", description="'Enter your login code, then press hash'."
    )
    ok_prompt: Name | None = Field(
        None, title="OK prompt", description="'You are logged in' (none: nothing is said)."
    )
    failed_prompt: Name | None = Field(
        None,
        title="Failed prompt",
        description="'Login failed', played after every refused try (none: nothing is said).",
    )
    timeout_s: PositiveSeconds = _TIMEOUT
    retries: int = _RETRIES
    logout: bool = Field(
        False,
        title="Log out",
        description="Log the agent at that station out instead of in (their own code; "
        "after their call if on one).",
    )
    next: Name | None = Field(
        None, title="Next", description="The node after the login, done or not (none: hang up)."
    )
    REFS = (
        ("prompt", "prompt"),
        ("code_prompt", "prompt"),
        ("ok_prompt", "prompt"),
        ("failed_prompt", "prompt"),
        ("next", "node"),
    )


Node = Annotated[
    PlayNode
    | MenuNode
    | CollectNode
    | LanguageNode
    | HoursNode
    | QueueNode
    | VoicemailNode
    | CallbackNode
    | HangupNode
    | AgentLoginNode,
    Field(discriminator="type"),
]


class Flow(Section):
    start: Name = Field(title="Start", description="The node a new call starts in.")
    silence_after_s: Seconds = Field(
        10,
        title="Silent caller",
        description="After the greeting, this long with no voice heard means the caller "
        "cannot be heard (0: never).",
    )
    silence_prompt: Name | None = Field(
        None,
        title="Silent-caller prompt",
        description="'We cannot hear you', played once before hanging up.",
    )
    nodes: dict[Name, Node] = Field(title="Nodes", description="The flow's nodes.", min_length=1)
