"""The whole configuration: one field per top-level TOML section."""

from __future__ import annotations

from pydantic import Field

from .agents import Acd, Agent
from .base import Name, Section
from .hours import HolidayDates, Schedule
from .ivr import Flow
from .lines import Line
from .mqtt import Mqtt
from .prompts import Languages, Prompt
from .queues import Queue
from .stations import PanicButton, Station
from .storage import Journal, Paths, Recording
from .traffic import Traffic


class Config(Section):
    """A validated config. Build it with :func:`firmware.config.load_config`, which also
    checks what one section says about another (``Config.model_validate`` does not)."""

    box_id: Name = Field(
        title="Box id", description="This box's name in MQTT topics and the management service."
    )
    languages: Languages = Field(title="Languages", description="Caller languages.")
    lines: dict[Name, Line] = Field(title="Lines", description="Phone lines by id.", min_length=1)
    queues: dict[Name, Queue] = Field(title="Queues", description="Queues by name.", min_length=1)
    agents: dict[Name, Agent] = Field(title="Agents", description="Agents by login.", min_length=1)
    acd: Acd = Field(Acd(), title="Distribution rules", description="Pauses, misses, alarms.")
    stations: dict[Name, Station] = Field(
        {}, title="Stations", description="Operator desks by name."
    )
    panic: dict[Name, PanicButton] = Field(
        {}, title="Panic buttons", description="Supervisor alarm buttons by name."
    )
    ivr: dict[Name, Flow] = Field(
        title="IVR flows", description="Call flows by name.", min_length=1
    )
    hours: dict[Name, Schedule] = Field(
        {}, title="Business hours", description="Weekly schedules by name."
    )
    holidays: dict[Name, HolidayDates] = Field(
        {}, title="Holidays", description="Name -> date or dates on which every schedule is closed."
    )
    prompts: dict[Name, Prompt] = Field({}, title="Prompts", description="Prompts by name.")
    mqtt: Mqtt | None = Field(None, title="MQTT", description="The broker (none: no telemetry).")
    recording: Recording = Field(Recording(), title="Recording", description="Call recording.")
    journal: Journal = Field(Journal(), title="Journal", description="Event journal retention.")
    paths: Paths = Field(Paths(), title="Paths", description="Voice messages, prompt cache.")
    traffic: Traffic | None = Field(
        None, title="Traffic", description="Callers for hotline simulate --config (box: unused)."
    )

    def is_holiday(self, day) -> bool:
        """Whether ``day`` (a ``datetime.date``) is one of the configured holidays."""
        return any(day in dates for dates in self.holidays.values())
