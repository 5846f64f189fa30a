"""CPU cost of the line <-> headset bridge per second of audio, and its drift figures.

Prints figures only; it never passes or fails on time. Costs are CPU seconds
(``time.process_time``, best of 3) per second of audio, both directions at once, in
the real block sizes (20 ms line frames, 10 ms headset blocks), and each is given as
a ratio against a peer measured in the same run:

* the bridge (Downlink + Uplink + the speaker queue) against the two plain
  ``dsp_ext.Resampler`` passes it cannot do without (8 kHz -> 48 kHz, 48 kHz -> 8 kHz):
  the ratio is what drift control, FIFOs and bookkeeping cost on top;
* the ``dsp_ext.DriftResampler`` kernel against its NumPy reference.

Then the drift simulation (``firmware.audio.bridge_sim``) at ±300 ppm prints what
the tests assert: underruns, worst added latency, the offset each servo found and the
worst step in a sine passed through. Run:
    .venv/bin/python bench/bridge.py [--seconds 30] [--drift-seconds 600]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from dsp_ext.drift import DriftResampler
from dsp_ext.generate import to_pcm16, white_noise
from dsp_ext.reference.drift import DriftResampler as ReferenceDrift
from dsp_ext.resample import Resampler
from firmware.audio.bridge_core import Downlink, Uplink
from firmware.audio.bridge_sim import simulate_drift
from firmware.audio.headset import PlaybackQueue

RATE = 48000
FRAME = 160  # 20 ms at 8 kHz
BLOCK = 480  # 10 ms at 48 kHz


def _cpu_best_of(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def _signals(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    line = to_pcm16(white_noise(round(seconds * 8000), -15.0, rng))
    mic = to_pcm16(white_noise(round(seconds * RATE), -15.0, rng))
    return line, mic


def bridge_pass(line: np.ndarray, mic: np.ndarray) -> None:
    down, up = Downlink(RATE), Uplink(RATE)
    up.reset()
    speaker = PlaybackQueue(RATE)
    out = np.empty(BLOCK, np.int16)
    for k in range(len(line) // FRAME):
        for j in (2 * k, 2 * k + 1):  # two headset blocks per line frame
            speaker.pull_into(out, 0.0)
            up.push(mic[j * BLOCK : (j + 1) * BLOCK])
        level = down.level_s(speaker.queued, 0.0)
        speaker.write(down.process(line[k * FRAME : (k + 1) * FRAME], level))
        up.pull(FRAME, 0.0)


def resampler_pass(line: np.ndarray, mic: np.ndarray) -> None:
    to_ear, to_line = Resampler(8000, RATE), Resampler(RATE, 8000)
    for k in range(len(line) // FRAME):
        for j in (2 * k, 2 * k + 1):
            to_line.process(mic[j * BLOCK : (j + 1) * BLOCK])
        to_ear.process(line[k * FRAME : (k + 1) * FRAME])


def drift_pass(kind, mic: np.ndarray) -> None:
    d = kind()
    for j in range(len(mic) // BLOCK):
        d.process(mic[j * BLOCK : (j + 1) * BLOCK], 1.0003)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="audio per cost run")
    parser.add_argument("--drift-seconds", type=float, default=600.0, help="simulated time")
    args = parser.parse_args()
    line, mic = _signals(args.seconds)
    t_bridge = _cpu_best_of(lambda: bridge_pass(line, mic))
    t_peer = _cpu_best_of(lambda: resampler_pass(line, mic))
    t_kernel = _cpu_best_of(lambda: drift_pass(DriftResampler, mic))
    t_ref = _cpu_best_of(lambda: drift_pass(ReferenceDrift, mic))
    per = 1000.0 / args.seconds
    print(f"CPU ms per second of audio, both directions, {RATE} Hz headset:")
    print(f"  bridge (Downlink + Uplink + speaker queue)  {t_bridge * per:8.2f}")
    print(f"  peer: plain Resampler 8k->48k + 48k->8k     {t_peer * per:8.2f}")
    print(f"  bridge / peer                                {t_bridge / t_peer:8.2f}")
    print(f"  DriftResampler kernel, 48 kHz, 10 ms blocks  {t_kernel * per:8.2f}")
    print(f"  its NumPy reference                          {t_ref * per:8.2f}")
    print(f"  reference / kernel                           {t_ref / t_kernel:8.2f}")
    print(f"\ndrift simulation, {args.drift_seconds:.0f} s, settled after 120 s, 2 ms jitter:")
    print(f"{'ppm':>6} {'dir':>6} {'underruns':>9} {'overruns':>8} {'max ms':>7} "
          f"{'found ppm':>9} {'worst step':>10}")  # fmt: skip
    for ppm in (300.0, -300.0):
        t0 = time.process_time()
        report = simulate_drift(args.drift_seconds, ppm, settle_s=120.0)
        cpu = time.process_time() - t0
        for name, d in (("ear", report.ear), ("mouth", report.mouth)):
            print(
                f"{ppm:>+6.0f} {name:>6} {d.underruns:>9} {d.overruns:>8} "
                f"{d.max_latency_ms:>7.1f} {d.ppm_last:>+9.0f} {d.worst_step:>10.3f}"
            )
        print(f"{'':>6} (simulating took {cpu:.1f} s of CPU: {args.drift_seconds / cpu:.0f}x)")


if __name__ == "__main__":
    main()
