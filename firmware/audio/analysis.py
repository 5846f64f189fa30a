"""Everything the DSP core hears in a stretch of line audio, in one pass.

Runs the DTMF receiver, the call-progress tone detector, the voice activity
detector and the caller ID decoder side by side over 20 ms frames, exactly as the
line side will, and collects what they report. Speech spans that begin inside a
key press, a call-progress tone or a caller ID burst are left to those detectors.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dsp_ext.callerid import CallerIdDecoder, CallerIdEvent
from dsp_ext.dtmf import DtmfDetector
from dsp_ext.progress import ProgressToneDetector
from dsp_ext.vad import VoiceActivityDetector

from .load import LINE_RATE

FRAME = LINE_RATE // 50  # 20 ms


@dataclass
class Hearing:
    """What was heard: digits, tones, speech spans and caller ID messages."""

    duration_s: float
    digits: list = field(default_factory=list)
    tones: list = field(default_factory=list)
    speech: list[tuple[int, int]] = field(default_factory=list)
    caller_id: list[CallerIdEvent] = field(default_factory=list)

    def as_json(self) -> dict:
        def s(sample: int) -> float:
            return round(sample / LINE_RATE, 4)

        return {
            "duration_s": round(self.duration_s, 4),
            "digits": [
                {"digit": e.digit, "start_s": s(e.start), "end_s": s(e.end)} for e in self.digits
            ],
            "tones": [
                {
                    "tone": t.kind,
                    "state": t.state,
                    "at_s": s(t.sample),
                    "cadence_ms": list(t.cadence_ms),
                }
                for t in self.tones
            ],
            "speech": [{"start_s": s(a), "end_s": s(b)} for a, b in self.speech],
            "caller_id": [_caller_id_json(e) for e in self.caller_id],
        }


def _caller_id_json(e: CallerIdEvent) -> dict:
    out: dict = {
        "start_s": round(e.start / LINE_RATE, 4),
        "end_s": round(e.end / LINE_RATE, 4),
        "standard": e.standard,
        "checksum_ok": e.checksum_ok,
        "error": e.error,
    }
    cid = e.caller_id
    if cid is not None:
        dt = cid.date_time
        out.update(
            number=cid.number,
            name=cid.name,
            number_absence=cid.number_absence,
            name_absence=cid.name_absence,
            date_time=None
            if dt is None
            else f"{dt.month:02d}-{dt.day:02d} {dt.hour:02d}:{dt.minute:02d}",
        )
    return out


def analyze(samples: np.ndarray, country: str = "ITU") -> Hearing:
    """Run every detector over 8 kHz int16 ``samples`` and return what they heard."""
    dtmf = DtmfDetector(LINE_RATE)
    progress = ProgressToneDetector(country, LINE_RATE)
    vad = VoiceActivityDetector(LINE_RATE)
    cid = CallerIdDecoder(LINE_RATE, ("bell202", "v23", "dtmf"))
    heard = Hearing(duration_s=len(samples) / LINE_RATE)
    speech_start: int | None = None
    for i in range(0, len(samples), FRAME):
        frame = samples[i : i + FRAME]
        heard.digits += dtmf.process(frame)
        heard.tones += progress.process(frame)
        heard.caller_id += cid.process(frame)
        for ev in vad.process(frame):
            if ev.kind == "speech" and speech_start is None:
                speech_start = ev.start
            elif ev.kind == "silence" and speech_start is not None:
                heard.speech.append((speech_start, ev.start))
                speech_start = None
    heard.digits += dtmf.flush()
    heard.caller_id += cid.flush()
    if speech_start is not None:
        heard.speech.append((speech_start, len(samples)))
    heard.speech = _not_signalling(heard, len(samples))
    return heard


# The voice detector hears any new sound as speech until it proves stationary, so
# it also wakes up for key presses, tones and the caller ID burst. Those sounds are
# known to the other detectors; a speech span that begins inside one is theirs.
_SLACK = LINE_RATE * 3 // 100  # 30 ms: edges of digits and tone blocks are this good
_CID_LEAD = LINE_RATE // 2  # the seizure and mark signal before the message: < 0.5 s


def _not_signalling(heard: Hearing, n: int) -> list[tuple[int, int]]:
    spans = [(e.start - _SLACK, e.end + _SLACK) for e in heard.digits]
    spans += [(e.start - _CID_LEAD, e.end) for e in heard.caller_id]
    open_tones: dict[str, int] = {}
    for t in heard.tones:
        if t.state == "detected":
            open_tones[t.kind] = t.sample - _SLACK
        elif t.kind in open_tones:
            spans.append((open_tones.pop(t.kind), t.sample))
    spans += [(start, n) for start in open_tones.values()]
    return [(a, b) for a, b in heard.speech if not any(lo <= a <= hi for lo, hi in spans)]
