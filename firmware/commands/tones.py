"""``hotline tones dtmf|progress …``: write test signals to WAV files."""

from __future__ import annotations

import argparse

from dsp_ext.dtmf_table import DIGITS
from dsp_ext.generate import dtmf

from ..audio.wav import write_wav
from . import CommandError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tones", help="generate DTMF digits or call-progress tones as WAV")
    kinds = p.add_subparsers(dest="kind", required=True, metavar="KIND")

    d = kinds.add_parser("dtmf", help="DTMF digits", description="Write DTMF digits to a WAV file.")
    d.add_argument("digits", help=f"the digits to send, from {DIGITS} (either case)")
    d.add_argument("-o", "--output", required=True, help="WAV file to write (16-bit PCM)")
    d.add_argument("--level", type=float, default=-7.0, help="dBm0 per tone (default −7)")
    d.add_argument("--on", type=float, default=100.0, help="tone length, ms (default 100)")
    d.add_argument("--off", type=float, default=100.0, help="pause after each tone, ms")
    d.add_argument("--twist", type=float, default=0.0, help="low minus high group level, dB")
    d.add_argument("--rate", type=int, default=8000, help="sample rate, Hz (default 8000)")
    d.set_defaults(func=run_dtmf)

    g = kinds.add_parser(
        "progress",
        help="call-progress tones by country",
        description="Write a call-progress tone of a country's plan to a WAV file.",
    )
    g.add_argument("tone", help="dial, ringback, busy, congestion, sit, cng or ced")
    g.add_argument("--country", default="ITU", help="tone plan: ITU, RU, UA, US, GB, DE … ")
    g.add_argument("-o", "--output", required=True, help="WAV file to write (16-bit PCM)")
    g.add_argument("--seconds", type=float, default=8.0, help="length, s (default 8)")
    g.add_argument("--level", type=float, default=None, help="overall level, dBm0")
    g.set_defaults(func=run_progress)


def run_dtmf(args: argparse.Namespace) -> int:
    bad = sorted({c for c in args.digits.upper() if c not in DIGITS})
    if not args.digits or bad:
        raise CommandError(
            f"{args.digits!r} has {'no digits' if not bad else 'characters ' + ''.join(bad)} "
            f"(expected DTMF digits {DIGITS})"
        )
    if not (0 < args.on <= 60_000 and 0 <= args.off <= 60_000):
        raise CommandError("--on must be 0–60000 ms and more than 0, --off 0–60000 ms")
    if not -60 <= args.level <= 3:
        raise CommandError(f"--level {args.level} dBm0 is out of range (expected −60 to +3)")
    if args.rate not in (8000, 16000, 44100, 48000):
        raise CommandError(f"--rate {args.rate} is not one of 8000, 16000, 44100, 48000")
    x = dtmf(
        args.digits.upper(),
        sample_rate=args.rate,
        level_dbm0=args.level,
        on_ms=args.on,
        off_ms=args.off,
        twist_db=args.twist,
    )
    _write(args.output, x, args.rate)
    return 0


def run_progress(args: argparse.Namespace) -> int:
    from dsp_ext import tonesets
    from dsp_ext.progress_gen import progress_tone

    country = args.country.upper()
    if country not in tonesets.countries():
        raise CommandError(
            f"--country {args.country!r} has no tone plan "
            f"(expected one of {', '.join(tonesets.countries())})"
        )
    kinds = tonesets.plan(country).kinds
    if args.tone not in kinds:
        raise CommandError(f"{args.tone!r} is not a tone of {country} (expected one of {kinds})")
    if not 0 < args.seconds <= 600:
        raise CommandError(f"--seconds {args.seconds} is out of range (expected 0–600)")
    x = progress_tone(args.tone, country, args.seconds, 8000, args.level)
    _write(args.output, x, 8000)
    return 0


def _write(path: str, samples, rate: int) -> None:
    try:
        write_wav(path, samples, rate)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write ({exc.strerror})") from None
