"""Line drivers by name: the names configs and ``hotline modem replay --dialect`` use."""

from __future__ import annotations

import importlib
import re

from .base import LineDriver
from .replay import LogEntry

# name -> (module, class, keyword arguments that select the dialect or profile)
DRIVERS: dict[str, tuple[str, str, dict]] = {
    "gsm": ("firmware.lines.gsm", "GsmLine", {}),
    "huawei": ("firmware.lines.gsm", "GsmLine", {"dialect": "huawei"}),
    "sim800": ("firmware.lines.gsm", "GsmLine", {"dialect": "sim800"}),
    "sim7600": ("firmware.lines.gsm", "GsmLine", {"dialect": "sim7600"}),
    "quectel": ("firmware.lines.gsm", "GsmLine", {"dialect": "quectel"}),
    "v253": ("firmware.lines.voicemodem", "VoiceModemLine", {}),
    "usr5637": ("firmware.lines.voicemodem", "VoiceModemLine", {"profile": "usr5637"}),
    "conexant": ("firmware.lines.voicemodem", "VoiceModemLine", {"profile": "conexant"}),
}

# What modems say to AT+CGMI / AT+GMI / ATI, and the driver that speaks their dialect.
_SIGNATURES = [
    (re.compile(r"huawei", re.I), "huawei"),
    (re.compile(r"sim7[56]\d\d", re.I), "sim7600"),
    (re.compile(r"sim8\d\d", re.I), "sim800"),
    (re.compile(r"quectel|\bEC2[15]\b|\bEG25\b", re.I), "quectel"),
    (re.compile(r"robotics|usr|5637", re.I), "usr5637"),
    (re.compile(r"conexant|zoom|cx93|agere", re.I), "conexant"),
]


def names() -> list[str]:
    return sorted(DRIVERS)


def make_line(name: str, line_id: str, **kwargs) -> LineDriver:
    """A driver for ``name`` (one of :func:`names`); ``kwargs`` go to its constructor."""
    try:
        module, cls, preset = DRIVERS[name]
    except KeyError:
        raise ValueError(
            f"unknown dialect {name!r} (expected one of {', '.join(names())})"
        ) from None
    driver_cls = getattr(importlib.import_module(module), cls)
    return driver_cls(line_id, **{**preset, **kwargs})


def dialect_of_log(entries: list[LogEntry], header: str = "") -> str:
    """The dialect a log was captured from: a ``# dialect: NAME`` comment, else
    what the modem said about itself, else generic GSM."""
    m = re.search(r"^#\s*dialect:\s*(\S+)", header, re.M | re.I)
    if m and m.group(1).lower() in DRIVERS:
        return m.group(1).lower()
    modem_text = " ".join(e.text for e in entries if e.kind == "<")
    for pattern, name in _SIGNATURES:
        if pattern.search(modem_text):
            return name
    return "gsm"
