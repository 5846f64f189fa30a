"""``hotline analyze FILE [--json]``: all the DSP core hears in a recording."""

from __future__ import annotations

import argparse
import json

from ..audio.analysis import Hearing, analyze
from ..audio.load import LINE_RATE, load_line_audio
from . import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="digits, call-progress tones, speech/silence and caller ID in a recording",
        description="Print everything the DSP core hears in a recording.",
    )
    p.add_argument("file", help="WAV file (any common rate), or raw 8 kHz int16 with --raw")
    p.add_argument("--raw", action="store_true", help="headerless 8 kHz int16 little-endian")
    p.add_argument("--country", default="ITU", help="tone plan for call-progress tones")
    p.add_argument("--json", action="store_true", help="print JSON instead of a timeline")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        samples = load_line_audio(args.file, raw=args.raw)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    try:
        heard = analyze(samples, country=args.country.upper())
    except KeyError as exc:
        raise CommandError(str(exc).strip("'\"")) from None
    if args.json:
        print(json.dumps(heard.as_json(), ensure_ascii=False, indent=2))
    else:
        print(timeline(heard))
    return 0


def timeline(heard: Hearing) -> str:
    """A human-readable, time-ordered account of what was heard."""
    rows: list[tuple[float, str]] = []
    for e in heard.caller_id:
        rows.append((e.start / LINE_RATE, f"caller ID  {_describe_cid(e)}"))
    for e in heard.digits:
        rows.append(
            (e.start / LINE_RATE, f"DTMF       {e.digit}  ({(e.end - e.start) / 8:.0f} ms)")
        )
    for t in heard.tones:
        cadence = "/".join(str(c) for c in t.cadence_ms)
        rows.append(
            (t.sample / LINE_RATE, f"tone       {t.kind} {t.state}  (cadence {cadence} ms)")
        )
    for a, b in heard.speech:
        rows.append((a / LINE_RATE, f"speech     until {b / LINE_RATE:.2f} s"))
    rows.sort(key=lambda r: r[0])
    lines = [f"{heard.duration_s:.2f} s of audio"]
    lines += [f"{at:8.3f} s  {text}" for at, text in rows]
    if not rows:
        lines.append("  nothing heard: silence or noise")
    digits = "".join(e.digit for e in heard.digits)
    lines.append(f"digits: {digits or '(none)'}")
    return "\n".join(lines)


def _describe_cid(e) -> str:
    if e.caller_id is None:
        return f"{e.standard}: unreadable ({e.error})"
    c = e.caller_id
    who = c.number or f"number {c.number_absence or 'absent'}"
    if c.name or c.name_absence:
        who += f' "{c.name}"' if c.name else f" (name {c.name_absence})"
    if c.date_time:
        dt = c.date_time
        who += f"  {dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}"
    check = {True: "checksum ok", False: "BAD CHECKSUM", None: "no checksum"}[e.checksum_ok]
    return f"{e.standard}: {who}  [{check}]"
