"""``[recording]`` (call audio on disk), ``[journal]`` (the event journal's bounds) and
``[paths]`` (where the box keeps voice messages and rendered prompts)."""

from __future__ import annotations

from pydantic import Field

from .base import Section


class Recording(Section):
    enabled: bool = Field(False, title="Record calls", description="Record answered calls.")
    path: str = Field(
        "/var/lib/hotline/recordings",
        title="Directory",
        description="Where recordings go (relative paths: next to the config file).",
        min_length=1,
    )
    retention_days: int = Field(
        90, ge=1, title="Keep for", description="Recordings older than this many days are deleted."
    )


class Journal(Section):
    path: str = Field(
        "/var/lib/hotline/journal.sqlite",
        title="Database",
        description="The SQLite journal (relative paths: next to the config file).",
        min_length=1,
    )
    retention_days: int = Field(
        365, ge=1, title="Keep for", description="Events older than this many days are pruned."
    )
    max_events: int = Field(
        5_000_000,
        ge=1000,
        title="Most events",
        description="Above this many events, the oldest are pruned (published ones first).",
    )


class Paths(Section):
    voicemail: str = Field(
        "/var/lib/hotline/voicemail",
        title="Voice messages",
        description="Where voice messages are filed, one folder per mailbox (relative paths: "
        "next to the config file).",
        min_length=1,
    )
    prompt_cache: str = Field(
        "/var/cache/hotline/prompts",
        title="Prompt cache",
        description="Where text prompts rendered by espeak-ng are kept between restarts "
        "(relative paths: next to the config file).",
        min_length=1,
    )
