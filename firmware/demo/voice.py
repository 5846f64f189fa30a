"""The desk operator's voice: the WAV her file headset plays as its mic, and how much of
it a caller heard.

The headset (``headset_backend = "file"``) plays its WAV once, from the moment the
station opens it, whether or not a call is connected; so the phrase is repeated, with a
short breath between, for the whole run: whenever a call is answered, she is speaking.
The breath is shorter than the bridge's "silent mic" alarm would notice.

:class:`CallerEar` checks the other end: what the emulated stick received from the box
after the desk's agent answered (the Huawei emulator's ``heard()``), measured in 20 ms
frames loud enough to be speech.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dsp_ext.resample import Resampler

from ..audio import tts
from ..audio.wav import write_wav
from ..cdr import CALL_ANSWERED, CALL_ARRIVED, CALL_ENDED
from ..emulator.huawei import HuaweiEmulator
from ..journal import Event

PHRASE = "Hello, you are through to Anna, how can I help?"
#: A 16 kHz headset (a common USB headset rate): a third of 48 kHz's file size.
HEADSET_RATE = 16000
#: The longest voice file written; after it the mic is silent (the bridge then alarms).
LONGEST_S = 600.0
BREATH_S = 0.6
LINE_FRAME = 160  # 20 ms at 8 kHz
#: A 20 ms frame at or above this RMS counts as speech (about -40 dBFS; line silence
#: and the resampler's noise are far below).
SPEECH_RMS = 300.0


def write_voice(path: Path, seconds: float, phrase: str = PHRASE) -> Path:
    """``phrase`` spoken by espeak-ng, repeated with a breath between for ``seconds``, as
    a :data:`HEADSET_RATE` WAV at ``path``, at most :data:`LONGEST_S` long (raises
    :class:`firmware.audio.tts.TtsError`)."""
    spoken = tts.speak(phrase)  # 8 kHz
    one = np.concatenate([spoken, np.zeros(round(BREATH_S * 8000), np.int16)])
    reps = max(1, int(np.ceil(min(seconds, LONGEST_S) * 8000 / len(one))))
    up = Resampler(8000, HEADSET_RATE)
    samples = np.concatenate([up.process(np.tile(one, reps)), up.flush()]).astype(np.int16)
    write_wav(path, samples, HEADSET_RATE)
    return path


class LineCount:
    """A bridge tap counting the frames the headset sent to the line, and the speech."""

    def __init__(self) -> None:
        self.frames = 0
        self.speech = 0

    def __call__(self, from_line: np.ndarray, to_line: np.ndarray) -> None:
        self.frames += 1
        self.speech += speech_frames(to_line)

    @property
    def seconds(self) -> float:
        return self.frames * LINE_FRAME / 8000

    @property
    def speech_s(self) -> float:
        return self.speech * LINE_FRAME / 8000


def speech_frames(samples: np.ndarray) -> int:
    """How many whole 20 ms frames of 8 kHz ``samples`` are loud enough to be speech."""
    n = len(samples) // LINE_FRAME
    if n == 0:
        return 0
    frames = np.asarray(samples[: n * LINE_FRAME], dtype=np.float64).reshape(n, LINE_FRAME)
    return int(np.count_nonzero(np.sqrt(np.mean(frames**2, axis=1)) >= SPEECH_RMS))


@dataclass
class Heard:
    """One call the desk's agent answered, as its caller's stick heard it."""

    call_id: str
    line: str
    start: int  # sample offset into the stick's heard() at the answer
    end: int | None = None  # ... and at the call's end
    speech_s: float = 0.0


@dataclass
class CallerEar:
    """A journal subscriber marking, on each stick, where the desk agent's calls begin and
    end in what the caller heard; :meth:`measure` then counts the speech in between."""

    sticks: Mapping[str, HuaweiEmulator]
    agent: str
    calls: list[Heard] = field(default_factory=list)
    _lines: dict[str, str] = field(default_factory=dict)  # call id -> line

    def heard(self, ev: Event) -> None:
        f = ev.fields
        if ev.kind == CALL_ARRIVED:
            self._lines[f["call_id"]] = f["line"]
        elif ev.kind == CALL_ANSWERED and f.get("agent") == self.agent:
            line = self._lines.get(f["call_id"])
            if line in self.sticks:
                self.calls.append(Heard(f["call_id"], line, self._offset(line)))
        elif ev.kind == CALL_ENDED:
            self._lines.pop(f["call_id"], None)
            for h in self.calls:
                if h.call_id == f["call_id"] and h.end is None:
                    h.end = self._offset(h.line)

    def _offset(self, line: str) -> int:
        return len(self.sticks[line].voice.received) // 2

    def measure(self) -> float:
        """Seconds of speech the callers heard from the desk, over all its calls."""
        for h in self.calls:
            audio = self.sticks[h.line].heard()
            h.speech_s = speech_frames(audio[h.start : h.end]) * LINE_FRAME / 8000
        return sum(h.speech_s for h in self.calls)
