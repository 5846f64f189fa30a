"""The demo office's config: ``office.toml`` with the emulated sticks' ports filled in."""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from string import Template

#: The lines the template names, in order; one emulated stick each.
LINES = ("gsm1", "gsm2", "gsm3", "gsm4")
CONFIG_NAME = "hotline-demo.toml"
#: The real station of the template, and the WAV its file headset plays as the mic.
DESK = "desk1"
DESK_VOICE = "desk1-voice.wav"


def template() -> str:
    return files(__package__).joinpath("office.toml").read_text(encoding="utf-8")


def write_config(directory: Path, ports: Mapping[str, tuple[str, str]]) -> Path:
    """Write the demo config into ``directory``; ``ports`` maps each line of :data:`LINES`
    to its stick's (AT port, voice port). :data:`DESK`'s headset is :data:`DESK_VOICE` in
    ``directory`` (written by the runner). Returns the file's path."""
    missing = [line for line in LINES if line not in ports]
    if missing:
        raise ValueError(
            f"ports: no stick for {', '.join(missing)} (expected one for each of {LINES})"
        )
    path = Path(directory) / CONFIG_NAME
    values = {"config": str(path), "desk1_headset": str(Path(directory).resolve() / DESK_VOICE)}
    for line in LINES:
        values[f"{line}_port"], values[f"{line}_audio"] = ports[line]
    path.write_text(Template(template()).substitute(values), encoding="utf-8")
    return path
