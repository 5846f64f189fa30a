"""What ``hotline doctor`` checks: is the hardware the config names really there?

An installer runs it after wiring a box and before starting the daemon. Each check
gives :class:`Finding` lines in plain words: what was looked at, what was found, and
what to do when it is wrong. Nothing here keeps a device open: the audio devices are
only listed, GPIO pins are claimed and released at once, serial ports are never
opened (the daemon may hold them).

Not yet: the MQTT broker (it comes with the MQTT link) and talking AT to the modems
(``hotline modem`` does that for one port).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audio.soundcard import AudioLinkError, describe_device, find_device, list_devices
from .audio.wav import read_wav
from .config import Config

OK, WARN, FAIL, INFO = "ok", "warn", "FAIL", "--"
BY_ID = "/dev/serial/by-id/"
PORTAUDIO_HINT = "is PortAudio installed? (apt install libportaudio2)"


@dataclass(frozen=True)
class Finding:
    status: str  # OK, WARN, FAIL, or INFO for a plain listing
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.status:<5} {self.what}: {self.detail}"


# -- audio ------------------------------------------------------------------------------------


def _audio_users(config: Config) -> list[tuple[str, str]]:
    """(who, device name fragment) for every PortAudio device the config names."""
    users = [
        (f"stations.{name}.headset", st.headset)
        for name, st in config.stations.items()
        if st.headset_backend != "file"
    ]
    for name, line in config.lines.items():
        device = getattr(line, "audio_device", None)
        if line.enabled and device:
            users.append((f"lines.{name}.audio_device", device))
    return users


def audio(
    config: Config, *, query: Callable[[], Any] | None = None, base_dir: Path | None = None
) -> list[Finding]:
    """The devices PortAudio sees, which one each headset and line sound card gets,
    and every file headset's WAV. ``query`` is ``sounddevice.query_devices`` (a seam)."""
    out: list[Finding] = []
    for name, st in config.stations.items():
        if st.headset_backend == "file":
            out.append(_file_headset(f"stations.{name}.headset", st.headset, base_dir))
    users = _audio_users(config)
    try:
        devices = list_devices(query)
    except Exception as exc:  # the library itself missing or failing
        return [*out, Finding(FAIL, "audio devices", f"cannot list them ({exc}); "
                              + PORTAUDIO_HINT)]  # fmt: skip
    if not devices:
        out.append(Finding(WARN if users else INFO, "audio devices", "PortAudio sees none"))
    for d in devices:
        duplex = d.get("max_input_channels", 0) >= 1 and d.get("max_output_channels", 0) >= 1
        text = describe_device(d["index"], d).split(": ", 1)[1]
        if not duplex:
            text += "; not full duplex: no headset or line can use it"
        out.append(Finding(INFO, f"audio device {d['index']}", text))
    for who, fragment in users:
        try:
            dev = find_device(fragment, devices)
        except AudioLinkError as exc:
            text = _first_clause(str(exc))
            if who.startswith("stations."):
                text = text.replace("sound card", "headset")
            out.append(Finding(FAIL, who, f"{text}: plugged in? "
                               "see hw/README.md (udev names)"))  # fmt: skip
            continue
        rate = int(dev.get("default_samplerate") or 0)
        out.append(Finding(OK, who, f"{fragment!r} is device {dev['index']} "
                           f"{dev['name']!r} ({rate} Hz)"))  # fmt: skip
    return out


def _first_clause(message: str) -> str:
    # find_device appends the whole device list, which the listing above shows already.
    return message.split("; devices:")[0]


def _file_headset(who: str, path_text: str, base_dir: Path | None) -> Finding:
    path = Path(path_text)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path  # where the daemon looks too: next to the config
    try:
        samples, info = read_wav(path)
    except (OSError, ValueError) as exc:
        return Finding(FAIL, who, f"file headset {path}: {exc}")
    return Finding(OK, who, f"file headset {path}: {len(samples) / info.sample_rate:.1f} s "
                   f"at {info.sample_rate} Hz")  # fmt: skip


# -- GPIO -------------------------------------------------------------------------------------


OUTPUT, PULL_UP, PULL_DOWN = "output", "input, pulled up", "input, pulled down"


def gpio_users(config: Config) -> list[tuple[int, str, str]]:
    """(BCM pin, config key, how it is used) for every pin the config uses, by pin; the
    use as the daemon claims it (buttons to ground, pulled up; see panel_buttons)."""
    users: list[tuple[int, str, str]] = []
    for name, st in config.stations.items():
        key = f"stations.{name}"
        users += [(p, f"{key}.buttons.{b}", PULL_UP) for b, p in st.buttons.items()]
        users += [(p, f"{key}.leds.{led}", OUTPUT) for led, p in st.leds.items()]
        if st.rgb is not None:
            users += [(getattr(st.rgb, c), f"{key}.rgb.{c}", OUTPUT) for c in _RGB]
        if st.buzzer is not None:
            users.append((st.buzzer, f"{key}.buzzer", OUTPUT))
        if st.ack_button is not None:
            users.append((st.ack_button, f"{key}.ack_button", PULL_UP))
    for name, button in config.panic.items():
        users.append((button.pin, f"panic.{name}.pin", PULL_UP))
    for name, line in config.lines.items():
        if line.enabled and line.kind == "fxo":
            ring = PULL_DOWN if line.ring_active_high else PULL_UP
            users.append((line.ring_pin, f"lines.{name}.ring_pin", ring))
            users.append((line.hook_pin, f"lines.{name}.hook_pin", OUTPUT))
    return sorted(users)


_RGB = ("red", "green", "blue")


def gpio(config: Config, pin_factory: Any) -> list[Finding]:
    """The pin factory, and each pin the config uses claimed and released at once: an
    input as the daemon claims it (its pull), an output reserved without being driven.
    One that will not be claimed is held by something else (the daemon?), or an input
    set against a pin's fixed pull resistor."""
    from gpiozero import DigitalInputDevice, GPIODevice

    users = gpio_users(config)
    if not users:
        return [Finding(OK, "GPIO", "the config uses no GPIO pins")]
    out = [Finding(OK, "GPIO pin factory", type(pin_factory).__name__)]
    for pin, key, use in users:
        try:
            if use == OUTPUT:
                # Reserved, never driven: an FXO hook relay switched on here would seize
                # the phone line, and an active-low one is on at the first low level.
                device: Any = GPIODevice(pin, pin_factory=pin_factory)
            else:
                device = DigitalInputDevice(pin, pull_up=use == PULL_UP,
                                            pin_factory=pin_factory)  # fmt: skip
        except Exception as exc:
            out.append(Finding(FAIL, f"GPIO{pin}", f"{key}: cannot be claimed ({exc}); is "
                               "`hotline run` running? stop it first: systemctl stop hotline"))
            continue
        device.close()
        out.append(Finding(OK, f"GPIO{pin}", f"{key} ({use})"))
    return out


# -- serial ports -----------------------------------------------------------------------------


def serial_ports(config: Config) -> list[Finding]:
    """Each enabled line's port (and GSM audio port): there, a character device, and
    readable and writable by this user. Never opened."""
    out: list[Finding] = []
    for name, line in config.lines.items():
        if not line.enabled:
            continue
        for key in ("port", "audio_port"):
            path = getattr(line, key, None)
            if path:
                out += _port(f"lines.{name}.{key}", path)
    return out


def _port(who: str, path: str) -> Iterable[Finding]:
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        yield Finding(FAIL, who, f"{path} is not there: is the modem plugged in? "
                      f"ls {BY_ID}")  # fmt: skip
        return
    except OSError as exc:
        yield Finding(FAIL, who, f"{path}: {exc.strerror}")
        return
    if not stat.S_ISCHR(mode):
        yield Finding(FAIL, who, f"{path} is not a serial device (expected a tty)")
        return
    if not os.access(path, os.R_OK | os.W_OK):
        yield Finding(FAIL, who, f"{path}: this user may not read and write it (add it to "
                      "the dialout group; see hw/udev/99-hotline-modems.rules)")  # fmt: skip
        return
    yield Finding(OK, who, f"{path} is there")
    if not path.startswith(BY_ID):
        yield Finding(WARN, who, f"{path} can change name when the stick is re-plugged or "
                      f"another one appears: use its {BY_ID}… name")  # fmt: skip
