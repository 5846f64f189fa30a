"""``hotline demo``: a live call centre on this machine (``--dsp``: the DSP core on one call).

The live demo runs the real daemon over emulated Huawei sticks with simulated
callers and operators, draws a wallboard, and prints the KPIs at the end
(firmware/demo/, docs/demo.md). ``--dsp`` is the older demo: what the appliance's
ears make of one synthetic call (firmware/demo/dsp.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from ..demo.dsp import CALLER, KEYS, build_call
from ..demo.dsp import run as run_dsp
from . import CommandError

__all__ = ["CALLER", "KEYS", "build_call", "register", "run"]

DEFAULT_SECONDS = 60.0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="run a live call centre on this machine (--dsp: the DSP core on one call)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=DEFAULT_SECONDS,
        help=f"how long callers keep ringing (default {DEFAULT_SECONDS:.0f})",
    )
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--dir", help="where the config and journal go (default: a new temp dir)")
    p.add_argument("--dsp", action="store_true", help="the DSP demo: one synthetic call heard")
    p.add_argument("--keep", metavar="WAV", help="--dsp: also write the call's audio to this file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.dsp or args.keep:
        return run_dsp(args)
    return run_live(args)


def run_live(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..demo.report import summary
    from ..demo.runner import DemoUnavailable, run_demo

    if not args.seconds > 0:
        raise CommandError(f"--seconds: {args.seconds!r} (expected a number of seconds > 0)")
    # The board is the output; the daemon's own log only for trouble.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    out = sys.stdout
    try:
        result = asyncio.run(
            run_demo(
                args.seconds,
                args.seed,
                out,
                directory=Path(args.dir) if args.dir else None,
                tty=out.isatty(),
            )
        )
    except DemoUnavailable as exc:
        raise CommandError(str(exc)) from None
    text, ok = summary(result)
    print(text)
    return 0 if ok else 1
