"""``hotline demo --dsp``: what the appliance's ears make of a call, end to end.

Builds the audio of one inbound call on an analog line — the caller ID burst
between rings, the caller answering the IVR's questions with key presses over a
noisy line, some speech, and the busy tone when the far end hangs up — then
runs the DSP core over it in 20 ms frames, as the line side does, and shows what
it heard next to what was sent.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from dsp_ext.callerid import CallDateTime, CallerId
from dsp_ext.callerid_gen import callerid_burst
from dsp_ext.generate import dtmf, to_pcm16, white_noise
from dsp_ext.progress_gen import progress_tone

from ..audio import tts
from ..audio.analysis import analyze
from ..audio.load import LINE_RATE
from ..audio.wav import write_wav
from ..commands.analyze import timeline

CALLER = CallerId(number="5550123", name="ALICE SMITH", date_time=CallDateTime(11, 23, 14, 5))
KEYS = ("1", "4719#")


def build_call(seed: int) -> np.ndarray:
    """The line audio of the demo call, 8 kHz int16."""
    rng = np.random.default_rng(seed)

    def quiet(seconds: float) -> np.ndarray:
        return np.zeros(round(seconds * LINE_RATE))

    parts = [quiet(0.3), callerid_burst(CALLER, "bell202").astype(np.float64), quiet(1.5)]
    if tts.available():
        parts.append(tts.speak("Hello, I would like to check my order.").astype(np.float64) * 0.5)
    parts.append(quiet(0.6))
    for keys in KEYS:
        parts += [dtmf(keys, level_dbm0=-12, on_ms=90, off_ms=110).astype(np.float64), quiet(0.8)]
    parts.append(progress_tone("busy", "ITU", 3.0).astype(np.float64))
    x = np.concatenate(parts)
    # A real line is never silent: hiss at 25 dB below the tones.
    return to_pcm16(x + white_noise(len(x), -40, rng))


def run(args: argparse.Namespace) -> int:
    print("Hotline demo: the DSP core listening to one inbound call on an analog line\n")
    print("Sent down the line:")
    print(f'  caller ID (Bell 202 MDMF): {CALLER.number} "{CALLER.name}" 11-23 14:05')
    print(
        "  the caller saying a sentence" + ("" if tts.available() else " (skipped: no espeak-ng)")
    )
    print(f"  key presses: {' then '.join(KEYS)}   (−12 dBm0 per tone, hiss at −40 dBm0)")
    print("  the far end hangs up: ITU busy tone, 0.5 s on / 0.5 s off\n")
    call = build_call(args.seed)
    heard = analyze(call, country="ITU")
    print("Heard, fed 20 ms frames:")
    print(timeline(heard))
    path = Path(args.keep) if args.keep else Path(tempfile.gettempdir()) / "hotline-demo-call.wav"
    write_wav(path, call, LINE_RATE)
    print(f"\nThe call's audio is in {path}; try: hotline analyze {path}")
    got = "".join(e.digit for e in heard.digits)
    ok_cid = any(e.caller_id and e.caller_id.number == CALLER.number for e in heard.caller_id)
    ok_busy = any(t.kind == "busy" for t in heard.tones)
    ok = got == "".join(KEYS) and ok_cid and ok_busy
    print("\nAll heard correctly." if ok else "\nSomething was missed (see above).")
    return 0 if ok else 1
