"""``[agents.<name>]`` (the people) and ``[acd]`` (the rules they work under)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr

from .base import Name, PositiveSeconds, Section


class Agent(Section):
    name: str = Field("", title="Full name", description="Shown on the dashboard and reports.")
    queues: list[Name] = Field(
        title="Queues", description="The queues this agent answers.", min_length=1
    )
    skills: dict[Name, Annotated[int, Field(ge=1, le=10)]] = Field(
        {}, title="Skills", description="Skill name -> level, 1 (basic) to 10 (expert)."
    )
    station: Name | None = Field(
        None,
        title="Home station",
        description="The station the agent is logged in at on start (none: logs in by code).",
    )
    login_code: SecretStr | None = Field(
        None, title="Login code", description="Digits the agent keys in to log in at a station."
    )
    supervisor: bool = Field(
        False, title="Supervisor", description="Receives 'supervisor' overflow and panic alarms."
    )


class Acd(Section):
    """Rules for every agent: pauses, unanswered offers, stuck states."""

    pause_reasons: list[Name] = Field(
        ["break", "lunch", "training", "missed-calls"],
        title="Pause reasons",
        description="The reasons an agent may pause with.",
        min_length=1,
    )
    max_missed_offers: int = Field(
        2,
        ge=1,
        title="Missed offers before pause",
        description="An agent who lets this many offers ring out in a row is paused.",
    )
    missed_pause_reason: Name = Field(
        "missed-calls",
        title="Auto-pause reason",
        description="The pause reason used for that (one of pause_reasons).",
    )
    stuck_after_s: PositiveSeconds = Field(
        3600,
        title="Stuck-state alarm",
        description="Alarm when an agent stays in one state (other than logged out or ready) "
        "this long.",
    )
