"""``hotline run [--config FILE]``: the appliance daemon (systemd runs it)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from .config import load_or_report

DEFAULT_CONFIG = "/etc/hotline/hotline.toml"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run the appliance daemon",
        description="Open the configured phone lines, answer calls, run the IVR flows and "
        "queues. SIGHUP reloads the config (refused, with every problem logged, if it is "
        "not valid); SIGTERM ends calls in progress and stops.",
    )
    p.add_argument("--config", default=DEFAULT_CONFIG, help=f"config file ({DEFAULT_CONFIG})")
    p.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    p.set_defaults(func=run_daemon)


def run_daemon(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    # A bad config never starts a half-working box: every problem, then exit.
    config = load_or_report(args.config, sys.stderr)
    if config is None:
        return 2
    from ..daemon import Daemon

    pin_factory = None  # one for every panel and FXO line, so a pin clash shows
    fxo = any(getattr(line, "kind", "") == "fxo" for line in config.lines.values())
    if fxo or config.stations or config.panic:
        from ..panel import make_pin_factory

        pin_factory = make_pin_factory()

    async def main() -> None:
        await Daemon(args.config, config, pin_factory=pin_factory).run()

    asyncio.run(main())
    return 0
