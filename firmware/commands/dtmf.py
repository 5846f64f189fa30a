"""``hotline dtmf FILE [--raw] [--json]``: the DTMF digits in a recording."""

from __future__ import annotations

import argparse
import json

from dsp_ext.dtmf import DtmfDetector

from ..audio.load import LINE_RATE, load_line_audio
from . import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "dtmf",
        help="print the DTMF digits found in a WAV file (or raw 8 kHz int16 with --raw)",
        description="Print the DTMF digits in a recording: WAV at any common rate and "
        "sample format, or raw 8 kHz signed 16-bit little-endian with --raw.",
    )
    p.add_argument("file", help="the recording")
    p.add_argument("--raw", action="store_true", help="headerless 8 kHz int16 little-endian")
    p.add_argument(
        "--json", action="store_true", help='a JSON list of {"digit", "start_s", "end_s"}'
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        samples = load_line_audio(args.file, raw=args.raw)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    det = DtmfDetector(sample_rate=LINE_RATE)
    events = det.process(samples) + det.flush()
    if args.json:
        out = [
            {"digit": e.digit, "start_s": e.start / LINE_RATE, "end_s": e.end / LINE_RATE}
            for e in events
        ]
        print(json.dumps(out))
    else:
        print("".join(e.digit for e in events))
    return 0
