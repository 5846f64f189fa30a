"""Text to speech with espeak-ng, as 8 kHz int16 line audio."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np

from .load import to_line_rate
from .wav import parse_wav


class TtsError(RuntimeError):
    """espeak-ng is missing or failed; the message says which."""


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "en", speed_wpm: int = 160, pitch: int = 50) -> np.ndarray:
    """``text`` spoken by espeak-ng's ``voice``, resampled to 8 kHz int16."""
    if not available():
        raise TtsError("espeak-ng is not installed (apt install espeak-ng)")
    run = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed_wpm), "-p", str(pitch), "--stdout", text],
        capture_output=True,
        check=False,
    )
    if run.returncode != 0 or not run.stdout:
        err = run.stderr.decode(errors="replace").strip() or f"exit status {run.returncode}"
        raise TtsError(f"espeak-ng failed for voice {voice!r}: {err}")
    samples, info = parse_wav(run.stdout)
    return to_line_rate(samples, info.sample_rate)
