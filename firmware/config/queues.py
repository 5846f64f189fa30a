"""``[queues.<name>]``: where callers wait, how they reach agents, what happens at the limits."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from .base import Name, PositiveSeconds, Seconds, Section, invalid

STRATEGIES = ("ringall", "longest-idle", "fewest-calls", "round-robin", "random", "skills")
Strategy = Literal["ringall", "longest-idle", "fewest-calls", "round-robin", "random", "skills"]

OVERFLOW_ACTIONS = ("queue", "supervisor", "voicemail", "callback", "hangup")

_NUMBER = re.compile(r"\+?[0-9]{1,20}\*?|\*")


def _check_number(value: str) -> str:
    if not _NUMBER.fullmatch(value):
        raise invalid(
            "is not a phone number pattern (expected digits with an optional leading '+' "
            "and an optional trailing '*', e.g. '+38050*')"
        )
    return value


NumberPattern = Annotated[str, AfterValidator(_check_number)]


class PriorityRule(Section):
    """Callers whose number matches get this priority (higher is served first)."""

    label: str = Field("", title="Label", description="Why these callers come first ('VIP').")
    numbers: list[NumberPattern] = Field(
        title="Numbers",
        description="Caller numbers: exact, or a prefix ending in '*'.",
        min_length=1,
    )
    priority: int = Field(
        title="Priority", description="0 is normal; higher is served first.", ge=0, le=100
    )


class Overflow(Section):
    """Where a caller goes when the queue is full or the wait is too long."""

    action: Literal["queue", "supervisor", "voicemail", "callback", "hangup"] = Field(
        title="Action", description="queue, supervisor, voicemail, callback or hangup."
    )
    target: str | None = Field(
        None,
        title="Target",
        description="queue: the queue; supervisor: the agent; voicemail: the mailbox "
        "(default: this queue's name); callback and hangup take none.",
    )


class Queue(Section):
    label: str = Field("", title="Label", description="What the dashboard calls this queue.")
    strategy: Strategy = Field(
        title="Strategy",
        description="How a waiting caller is given to agents: " + ", ".join(STRATEGIES) + ".",
    )
    skills: dict[Name, Annotated[int, Field(ge=1, le=10)]] = Field(
        {},
        title="Required skills",
        description="Skill name -> lowest level (1-10) an agent needs; used by 'skills'.",
    )
    widen_after_s: Seconds = Field(
        30,
        title="Widen after",
        description="With 'skills': after this wait, any member agent may take the call.",
    )
    wrapup_s: Seconds = Field(
        10,
        title="Wrap-up",
        description="Seconds after each call before the agent is offered another.",
    )
    ring_timeout_s: PositiveSeconds = Field(
        20, title="Ring timeout", description="How long an offer rings before the next agent."
    )
    max_wait_s: PositiveSeconds | None = Field(
        None, title="Maximum wait", description="After this wait the caller overflows."
    )
    max_length: int | None = Field(
        None,
        ge=1,
        title="Maximum length",
        description="Callers that may wait at once; the next one overflows.",
    )
    overflow: Overflow | None = Field(
        None, title="Overflow", description="Required when max_wait_s or max_length is set."
    )
    announce_every_s: Seconds = Field(
        60,
        title="Announcement period",
        description="Seconds between position / expected-wait announcements (0: none).",
    )
    announce_position: bool = Field(
        True, title="Announce position", description="Tell callers their place in the queue."
    )
    announce_wait: bool = Field(
        True, title="Announce expected wait", description="Tell callers the expected wait."
    )
    hold_music: Name | None = Field(
        None, title="Hold music", description="A prompt played while waiting (none: silence)."
    )
    comfort_prompt: Name | None = Field(
        None,
        title="Comfort message",
        description="A prompt ('your call is important to us') between announcements.",
    )
    priority: list[PriorityRule] = Field(
        [], title="Priority rules", description="Callers matched here wait ahead of the rest."
    )
    callback_priority: int = Field(
        0, ge=0, le=100, title="Callback priority", description="Priority of callback calls."
    )
    hours: Name | None = Field(
        None,
        title="Business hours",
        description="An [hours.<name>] schedule; outside it the queue is closed.",
    )
