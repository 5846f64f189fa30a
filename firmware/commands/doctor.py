"""``hotline doctor [--config FILE]``: is the hardware the config names really there?"""

from __future__ import annotations

import argparse
from pathlib import Path

from .config import load_or_report
from .run import DEFAULT_CONFIG


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check the box's audio devices, GPIO pins and serial ports against the config",
        description="Check what the config names: which audio device each headset and line "
        "sound card gets, every GPIO pin (claimed and released at once: stop the daemon "
        "first), every modem port. One line per check; exit 0 when nothing FAILed, 1 "
        "otherwise, 2 when the config does not load. See docs/doctor.md.",
    )
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file ({DEFAULT_CONFIG})")
    p.add_argument(
        "--pin-factory",
        choices=("auto", "mock"),
        help="gpiozero pin factory (default: $HOTLINE_PIN_FACTORY, else auto)",
    )
    p.set_defaults(func=run_doctor)


def run_doctor(args: argparse.Namespace) -> int:
    from .. import doctor

    config = load_or_report(args.config)
    if config is None:
        return 2
    findings = [doctor.Finding(doctor.OK, "config", f"{args.config} loads")]
    print("config")
    print(f"  {findings[0]}")
    sections = [
        ("audio", lambda: doctor.audio(config, base_dir=Path(args.config).parent)),
        ("GPIO", lambda: _gpio(config, args.pin_factory)),
        ("serial ports", lambda: doctor.serial_ports(config)),
    ]
    for title, check in sections:
        found = check()
        findings += found
        print(title)
        for f in found or [doctor.Finding(doctor.OK, title, "none in the config")]:
            print(f"  {f}")
    failed = sum(f.status == doctor.FAIL for f in findings)
    warned = sum(f.status == doctor.WARN for f in findings)
    print(f"{failed} problem(s), {warned} warning(s)")
    return 1 if failed else 0


def _gpio(config, choice: str | None) -> list:
    from .. import doctor
    from ..panel import PanelError, make_pin_factory

    if not doctor.gpio_users(config):
        return [doctor.Finding(doctor.OK, "GPIO", "the config uses no GPIO pins")]
    try:
        factory = make_pin_factory(choice)
    except PanelError as exc:
        return [doctor.Finding(doctor.FAIL, "GPIO pin factory", str(exc))]
    try:
        return doctor.gpio(config, factory)
    finally:
        factory.close()
