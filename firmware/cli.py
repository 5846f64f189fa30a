"""``hotline``: the appliance's command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version

from .commands import (
    CommandError,
    analyze,
    config,
    demo,
    doctor,
    dtmf,
    modem,
    run,
    simulate,
    tones,
)


def _version() -> str:
    try:
        return version("hotline")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Hotline call-centre appliance")
    parser.add_argument("--version", action="version", version=f"hotline {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in (run, demo, doctor, dtmf, analyze, tones, modem, config, simulate):
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as exc:
        print(f"hotline {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
