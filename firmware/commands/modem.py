"""``hotline modem replay LOG [--dialect NAME] [--json]``: a modem log through the real driver."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from ..lines.events import LineEvent
from ..lines.factory import dialect_of_log, make_line, names
from ..lines.replay import LogError, LogReplay, parse_log
from . import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("modem", help="modem tools: replay a log through the driver")
    tools = p.add_subparsers(dest="tool", required=True, metavar="TOOL")
    r = tools.add_parser(
        "replay",
        help="feed a modem log through the real driver and print the line events",
        description="Feed the modem's side of a log ('>' host, '<' modem, '#' comment, "
        "'= wait S') through the real driver and print the line events it derives.",
    )
    r.add_argument("log", help="the modem log")
    r.add_argument("--dialect", choices=names(), help="driver to use (default: from the log)")
    r.add_argument("--json", action="store_true", help='a JSON list of {"t", "line", "event", ...}')
    r.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace) -> int:
    path = Path(args.log)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        entries = parse_log(text, str(path))
    except OSError as exc:
        raise CommandError(f"{path}: cannot read ({exc.strerror})") from None
    except LogError as exc:
        raise CommandError(str(exc)) from None
    dialect = args.dialect or dialect_of_log(entries, text)
    events, report = asyncio.run(replay(entries, dialect))
    if args.json:
        print(json.dumps([e.as_json() for e in events]))
    else:
        print(f"# {path.name} through the {dialect} driver")
        for e in events:
            print(e.describe())
    for note in report.mismatches + [f"no answer in the log for {c!r}" for c in report.unanswered]:
        print(f"note: {note}", file=sys.stderr)
    return 0


async def replay(entries, dialect: str) -> tuple[list[LineEvent], object]:
    """Run the log through a ``dialect`` driver; (events, replay report)."""
    rep = LogReplay(entries)
    events: list[LineEvent] = []
    t0 = asyncio.get_running_loop().time()

    class _Since:  # timestamps from the start of the replay
        def now(self) -> float:
            return asyncio.get_running_loop().time() - t0

        def wall(self) -> float:
            return self.now()

        async def sleep(self, seconds: float) -> None:
            await asyncio.sleep(seconds)

    line = make_line(
        dialect, "replay", port="replay", opener=rep.opener, on_event=events.append, clock=_Since()
    )

    async def act(name: str, arg: str) -> None:
        try:
            if name == "answer":
                await line.answer()
            elif name == "hangup":
                await line.hangup()
            elif name == "dial":
                await line.dial(arg)
            elif name == "dtmf":
                await line.send_dtmf(arg)
        except Exception as exc:  # the driver refusing is part of what a replay shows
            rep.report.mismatches.append(f"{name} {arg}: {exc}".strip())

    rep.on_action = act
    start = asyncio.create_task(line.start())
    await rep.done.wait()
    if not start.done():
        start.cancel()
    await line.stop()
    return events, rep.report
