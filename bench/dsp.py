"""DTMF receiver benchmark: speed, Q.24 score and talk-off, ours against spandsp and multimon-ng.

    .venv/bin/python bench/dsp.py [--quick]

Speed is audio seconds processed per wall-clock second on one core, best of
several runs on the same input, for our receiver fed 20 ms frames and the whole
array, and for spandsp fed the same way; the ratio is ours / spandsp. It prints
figures; it never fails on time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from peers import MultimonNg, Ours, Spandsp  # noqa: E402
from q24_cases import cases  # noqa: E402

from dsp_ext.dtmf_table import DIGITS  # noqa: E402
from dsp_ext.generate import dtmf, to_pcm16, white_noise  # noqa: E402
from tests import speech  # noqa: E402


def speech_corpus(limit: int | None) -> list[np.ndarray]:
    if not speech.have_tools():
        print("(espeak-ng or sox missing: no speech corpus)")
        return []
    out = []
    for u in speech.corpus()[:limit]:
        x = speech.synthesize(u).astype(np.float64)
        peak = max(1.0, float(np.abs(x).max()))
        for target in (32000.0, 3200.0):
            out.append(to_pcm16(x * target / peak))
    return out


def speed_input(corpus: list[np.ndarray]) -> np.ndarray:
    """A minute of what a line carries: digits in noise, speech, and quiet."""
    rng = np.random.default_rng(7)
    digits = dtmf(DIGITS * 4, level_dbm0=-10, on_ms=80, off_ms=80).astype(np.float64)
    parts = [to_pcm16(digits + white_noise(len(digits), -45, rng))]
    total = len(parts[0])
    for x in corpus:
        if total >= 45 * 8000:
            break
        parts.append(x)
        total += len(x)
    parts.append(to_pcm16(white_noise(max(0, 60 * 8000 - total), -50, rng)))
    return np.concatenate(parts)


def throughput(decoder, x: np.ndarray, frame: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        decoder.decode(x, frame)
        best = min(best, time.perf_counter() - t)
    return len(x) / 8000 / best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short corpus and fewer repeats")
    args = ap.parse_args()

    peers = [Ours()]
    if Spandsp.available():
        peers.append(Spandsp())
    else:
        print("(libspandsp not found: apt install libspandsp2)")
    if MultimonNg.available():
        peers.append(MultimonNg())
    else:
        print("(multimon-ng not found: apt install multimon-ng)")

    corpus = speech_corpus(40 if args.quick else None)
    x = speed_input(corpus)
    repeats = 3 if args.quick else 7
    secs = len(x) / 8000
    print(f"Speed on {secs:.0f} s of line audio (audio s per wall s, one core, best of {repeats}):")
    speeds = {}
    for peer in peers[:2]:
        for frame, label in ((160, "20 ms frames"), (0, "whole array")):
            speeds[peer.name, frame] = throughput(peer, x, frame, repeats)
            print(f"  {peer.name:12s} {label:13s} {speeds[peer.name, frame]:10.0f}")
    if ("spandsp", 160) in speeds:
        for frame, label in ((160, "20 ms frames"), (0, "whole array")):
            ratio = speeds["hotline", frame] / speeds["spandsp", frame]
            print(f"  ratio hotline/spandsp, {label}: {ratio:.2f}")

    table = cases()
    print(f"\nQ.24 clauses passed (of {len(table)}), fed 20 ms frames:")
    for peer in peers:
        failed = [name for name, sig, want in table if peer.decode(sig, 160) != want]
        print(
            f"  {peer.name:12s} {len(table) - len(failed):3d}   failed: {', '.join(failed) or '-'}"
        )

    minutes = sum(len(c) for c in corpus) / 8000 / 60
    print(f"\nTalk-off: false digits in {minutes:.1f} min of speech (14 languages, two levels):")
    for peer in peers:
        false = sum(len(peer.decode(c, 160)) for c in corpus)
        print(f"  {peer.name:12s} {false:5d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
