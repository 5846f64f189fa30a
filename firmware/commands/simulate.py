"""``hotline simulate``: virtual-time traffic through the real engine; prints KPIs.

Model mode: ``--agents N --arrivals-per-hour X --aht S [--patience S]
[--sl-threshold S] --hours H --seed K [--json]``. Config mode: ``--config FILE
--days D --seed K [--json]``. KPIs are defined in docs/kpis.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from collections.abc import Callable
from typing import Any, TextIO

from . import CommandError

MODEL_OPTIONS = ("agents", "arrivals_per_hour", "aht", "patience", "hours")
#: Argument names in the library's messages -> the options the user typed.
_OPTION_OF = {
    "agents": "--agents",
    "arrivals_per_hour": "--arrivals-per-hour",
    "aht_s": "--aht",
    "hours": "--hours",
    "patience_s": "--patience",
    "sl_threshold_s": "--sl-threshold",
    "seed": "--seed",
}


def _number(what: str, low: float, *, strict: bool, whole: bool = False) -> Callable[[str], Any]:
    expected = (
        f"expected {'a whole number' if whole else 'a number'} {'>' if strict else '>='} {low:g}"
    )

    def parse(text: str) -> Any:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({expected})") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(f"{text} ({expected}{what})")
        return value

    return parse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "simulate",
        help="run simulated traffic through the real call engine and print KPIs",
        description="Run callers through the real call engine and ACD on a virtual clock "
        "and print the KPIs (docs/kpis.md). Model mode: Poisson callers into one queue of "
        "N agents (compare with Erlang C). Config mode: a config's [traffic] through its "
        "own flows, queues and agents.",
    )
    model = p.add_argument_group("model mode")
    model.add_argument(
        "--agents",
        type=_number("", 1, strict=False, whole=True),
        metavar="N",
        help="agents, all in one queue, always ready",
    )
    model.add_argument(
        "--arrivals-per-hour", type=_number("", 0, strict=True), metavar="X", help="mean calls/h"
    )
    model.add_argument(
        "--aht", type=_number(" seconds", 0, strict=True), metavar="S", help="mean talk time (s)"
    )
    model.add_argument(
        "--patience",
        type=_number(" seconds", 0, strict=True),
        metavar="S",
        help="mean time a caller waits before hanging up (default: never)",
    )
    model.add_argument(
        "--sl-threshold",
        type=_number(" seconds", 0, strict=False),
        default=20.0,
        metavar="S",
        help="service level: answered within this many seconds (default 20; both modes)",
    )
    model.add_argument(
        "--hours",
        type=_number("", 0, strict=True),
        metavar="H",
        help="hours measured, after a warm-up hour",
    )
    cfg = p.add_argument_group("config mode")
    cfg.add_argument("--config", metavar="FILE", help="a config with a [traffic] section")
    cfg.add_argument(
        "--days", type=_number("", 0, strict=True), metavar="D", help="days, from a Monday 00:00"
    )
    p.add_argument("--seed", type=int, required=True, metavar="K", help="the random seed")
    p.add_argument("--json", action="store_true", help="the KPIs as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    progress = None
    if not args.json and sys.stderr.isatty():
        progress = ProgressBar(sys.stderr)
    if args.config is not None:
        kpis, formula = _config_mode(args, progress), None
    else:
        kpis, formula = _model_mode(args, progress)
    if progress is not None:
        progress.done()
    if args.json:
        print(json.dumps(kpis.as_dict(), indent=2))
    else:
        print(format_table(kpis, formula))
    return 0


def _model_mode(args: argparse.Namespace, progress: Any) -> tuple[Any, dict | None]:
    if args.days is not None:
        raise CommandError("--days goes with --config (model mode takes --hours)")
    missing = [
        "--" + name.replace("_", "-")
        for name in ("agents", "arrivals_per_hour", "aht", "hours")
        if getattr(args, name) is None
    ]
    if missing:
        raise CommandError(
            f"missing {', '.join(missing)} (model mode needs --agents, --arrivals-per-hour, "
            "--aht and --hours; or give --config FILE --days D)"
        )
    from .. import erlang
    from ..simulate.model import check_model_args, run_model

    params = (args.agents, args.arrivals_per_hour, args.aht, args.hours, args.seed)
    try:
        check_model_args(*params, args.patience, args.sl_threshold)
    except ValueError as exc:
        raise CommandError(_with_option(str(exc))) from None
    kpis = asyncio.run(run_model(*params, args.patience, args.sl_threshold, progress=progress))
    formula = None
    load = erlang.traffic(args.arrivals_per_hour, args.aht)
    if args.patience is None and args.agents > load:  # Erlang C holds only without abandons
        n, x, s = args.agents, args.arrivals_per_hour, args.aht
        formula = {
            "p_wait": erlang.p_wait(n, x, s),
            "asa_s": erlang.asa_s(n, x, s),
            "service_level": erlang.service_level(n, x, s, args.sl_threshold),
            "aht_s": s,
            "occupancy": erlang.occupancy(n, x, s),
        }
    return kpis, formula


def _config_mode(args: argparse.Namespace, progress: Any) -> Any:
    given = [
        "--" + name.replace("_", "-") for name in MODEL_OPTIONS if getattr(args, name) is not None
    ]
    if given:
        raise CommandError(f"{', '.join(given)}: model mode options do not go with --config")
    if args.days is None:
        raise CommandError("missing --days (config mode simulates --days D days)")
    from ..config import ConfigError, load_config
    from ..simulate import config_mode

    try:
        config_mode.check_available()
        config = load_config(args.config)
        config_mode.check_traffic(config)
        return asyncio.run(
            config_mode.run_config(
                config, args.days, args.seed, progress, sl_threshold_s=args.sl_threshold
            )
        )
    except ConfigError as exc:
        raise CommandError(f"{args.config}: {'; '.join(str(p) for p in exc.problems)}") from None
    except (config_mode.Unavailable, ValueError) as exc:
        raise CommandError(str(exc)) from None


def _with_option(message: str) -> str:
    name, sep, rest = message.partition(":")
    return f"{_OPTION_OF[name]}:{rest}" if sep and name in _OPTION_OF else message


# --- output ----------------------------------------------------------------------------
_ROWS = (  # key, label, how to show it
    ("offered", "offered calls", "{:d}"),
    ("answered", "answered", "{:d}"),
    ("abandoned", "abandoned", "{:d}"),
    ("short_abandoned", "short abandons", "{:d}"),
    ("p_wait", "P(wait)", "{:.4f}"),
    ("asa_s", "ASA (s)", "{:.2f}"),
    ("service_level", "service level", "{:.4f}"),
    ("aht_s", "AHT (s)", "{:.1f}"),
    ("occupancy", "occupancy", "{:.4f}"),
    ("longest_wait_s", "longest wait (s)", "{:.1f}"),
    ("blocked", "lines busy", "{:d}"),
)


def _show(value: Any, fmt: str) -> str:
    return "-" if value is None else fmt.format(value)


def format_table(kpis: Any, formula: dict[str, float] | None = None) -> str:
    """The KPIs as aligned text; with ``formula``, an Erlang C column beside them."""
    d = kpis.as_dict()
    head = f"{'':18}{'simulated':>12}" + (f"{'Erlang C':>12}" if formula else "")
    lines = [head]
    for key, label, fmt in _ROWS:
        if key not in d:
            continue
        row = f"{label:18}{_show(d[key], fmt):>12}"
        if formula:
            row += f"{_show(formula.get(key), fmt):>12}"
        lines.append(row)
    if len(d["queues"]) > 1:
        lines += ["", f"{'queue':12}{'offered':>9}{'answered':>9}{'abandoned':>10}{'SL':>8}"]
        for name, q in d["queues"].items():
            sl = _show(q["service_level"], "{:.3f}")
            lines.append(f"{name:12}{q['offered']:>9}{q['answered']:>9}{q['abandoned']:>10}{sl:>8}")
    if d["agents"]:
        lines += ["", f"{'agent':12}{'answered':>9}{'AHT s':>8}{'staffed h':>10}{'occupancy':>10}"]
        for name, a in d["agents"].items():
            lines.append(
                f"{name:12}{a['answered']:>9}{_show(a['aht_s'], '{:.1f}'):>8}"
                f"{a['staffed_s'] / 3600:>10.1f}{_show(a['occupancy'], '{:.3f}'):>10}"
            )
    return "\n".join(lines)


class ProgressBar:
    """``[#####-----]  50%  100/200 h`` on a terminal, redrawn when it moves a percent."""

    WIDTH = 30

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._shown = -1

    def __call__(self, done_s: float, total_s: float) -> None:
        pct = int(100 * done_s / total_s) if total_s > 0 else 100
        if pct == self._shown:
            return
        self._shown = pct
        filled = self.WIDTH * pct // 100
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self._out.write(f"\r[{bar}] {pct:3d}%  {done_s / 3600:.0f}/{total_s / 3600:.0f} h")
        self._out.flush()

    def done(self) -> None:
        if self._shown >= 0:
            self._out.write("\n")
            self._out.flush()
