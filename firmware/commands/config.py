"""``hotline config check FILE``: validate a config and print every problem at once."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from ..config import Config, ConfigError, load_config


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="work with the configuration file",
        description="Work with the appliance's TOML configuration (see docs/config.md).",
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="validate a config file",
        description="Validate a config file: print 'FILE: OK (…)' and exit 0, or every "
        "problem, one per line ('key.path: value is not … (expected …)'), and exit 2.",
    )
    check.add_argument("file", help="the TOML config file")
    check.set_defaults(func=run_check)


def load_or_report(path: str, file: TextIO | None = None) -> Config | None:
    """The config at ``path``; or None, having printed every problem as
    ``PATH: problem`` (what ``config check``, ``run`` and ``doctor`` all print)."""
    try:
        return load_config(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"{path}: {problem}", file=file or sys.stdout)
        return None


def run_check(args: argparse.Namespace) -> int:
    cfg = load_or_report(args.file)
    if cfg is None:
        return 2
    print(
        f"{args.file}: OK ({_count(len(cfg.lines), 'line')}, "
        f"{_count(len(cfg.queues), 'queue')}, {_count(len(cfg.agents), 'agent')})"
    )
    return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
