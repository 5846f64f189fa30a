"""How long a PortAudio re-scan pauses the audio of the devices already open.

When a headset is plugged in, :mod:`firmware.audio.portaudio_rescan` closes every open
PortAudio stream, re-initialises PortAudio and reopens them. This prints that pause
with 1, 2 and 4 headsets open, each as a ratio against a peer measured in the same
run: opening and closing one headset stream (what a re-scan does per device, plus
one ``Pa_Terminate``/``Pa_Initialize``).

The devices are ALSA ``file`` PCMs over ``null`` (no hardware here), defined in an
``ALSA_CONFIG_PATH`` for a child process. They have no clock: PortAudio calls them
back as fast as the CPU allows, so the figures are an upper bound for this machine
under load, not a Pi's with real USB headsets. Prints only; asserts nothing. Run:
    .venv/bin/python bench/rescan.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEVICE = """
pcm.{name} {{
    type file; slave.pcm "null"; file "/dev/null"; infile "/dev/zero"; format "raw"
}}
"""


def _conf(names: list[str]) -> str:
    return "</usr/share/alsa/alsa.conf>\n" + "".join(DEVICE.format(name=n) for n in names)


async def _child(open_count: int, repeats: int, conf: Path, cards: Path) -> dict:
    from firmware.audio import portaudio_rescan
    from firmware.audio.headset import open_headset

    reg = portaudio_rescan.registry()
    reg.cards = cards.read_text
    await reg.rescan_if_cards_changed()  # settle what PortAudio has seen
    sinks = (lambda block, at: None, lambda reason: None)
    opened = []
    for i in range(open_count):
        hs = open_headset("sounddevice", f"hotline_bench_{i}", samplerate=48000, watchdog_s=60)
        await hs.start(*sinks)
        opened.append(hs)
    peer, pauses = [], []
    for r in range(repeats):
        extra = open_headset("sounddevice", "hotline_bench_0", samplerate=48000, watchdog_s=60)
        began = time.perf_counter()
        await extra.start(*sinks)  # the same ALSA file device twice: it allows that
        await extra.stop()
        peer.append(time.perf_counter() - began)
        name = f"hotline_plugged_{r}"
        conf.write_text(conf.read_text() + DEVICE.format(name=name))
        cards.write_text(cards.read_text() + f" {r + 1} [Plugged{r}]: USB-Audio\n")
        plugged = open_headset("sounddevice", name, samplerate=48000, watchdog_s=60)
        await plugged.start(*sinks)
        pauses.append(reg.last_pause_s)
        opened.append(plugged)
    for hs in opened:
        await hs.stop()
    return {"open": open_count, "peer_s": min(peer), "pause_s": min(pauses)}


def _run_child(open_count: int, repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        conf, cards = Path(tmp) / "asound.conf", Path(tmp) / "cards"
        conf.write_text(_conf([f"hotline_bench_{i}" for i in range(4)]))
        cards.write_text(" 0 [PCH ]: HDA-Intel\n")
        env = {**os.environ, "ALSA_CONFIG_PATH": str(conf)}
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(open_count), str(repeats), str(conf),
             str(cards)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(done.stderr[-2000:])
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        n, repeats, conf, cards = args.child
        result = asyncio.run(_child(int(n), int(repeats), Path(conf), Path(cards)))
        print(json.dumps(result))
        return
    print("PortAudio re-scan: the pause of the devices already open (best of "
          f"{args.repeats}; ALSA file devices, no clock)")  # fmt: skip
    print(f"{'open':>5} {'pause':>10} {'peer: one open+close':>22} {'ratio':>7}")
    for n in (1, 2, 4):
        r = _run_child(n, args.repeats)
        print(f"{r['open']:>5} {r['pause_s'] * 1000:>8.1f} ms {r['peer_s'] * 1000:>19.1f} ms "
              f"{r['pause_s'] / r['peer_s']:>6.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
