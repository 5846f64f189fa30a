"""Talk-off: speech must never produce a DTMF digit.

The corpus is synthesised in the test session by espeak-ng in fourteen languages
(en, ru, uk, fa, de, es, fr, pl, tr, ar, hi, cmn, it, pt), four voice variants,
three pitches and two speeds — over 20 minutes of speech at 8 kHz (see
``tests/speech.py``). Each utterance is heard at two levels: peak-normalised and
20 dB down.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.dtmf import DtmfDetector
from tests import speech

pytestmark = pytest.mark.skipif(
    not speech.have_tools(), reason="espeak-ng and sox are needed to build the speech corpus"
)


def _at_peak(x: np.ndarray, peak: float) -> np.ndarray:
    scale = peak / max(1, int(np.abs(x.astype(np.int32)).max()))
    return np.clip(np.rint(x * scale), -32768, 32767).astype(np.int16)


def test_talkoff_no_digit_in_20_minutes_of_multilingual_speech():
    det = DtmfDetector()
    total = 0
    false_digits = []
    for u in speech.corpus():
        x = speech.synthesize(u)
        for peak in (32000.0, 3200.0):
            y = _at_peak(x, peak)
            total += len(y)
            det.reset()
            got = det.process(y) + det.flush()
            false_digits += [(u.label, peak, e) for e in got]
    assert total / 8000 >= 20 * 60 * 2, f"corpus is only {total / 8000 / 60:.1f} min"
    assert false_digits == [], f"{len(false_digits)} false digits: {false_digits[:5]}"


def test_talkoff_speech_does_not_hide_a_digit_pressed_over_it():
    # The other side of the trade-off: digits pressed while speech goes on at
    # 10 dB below the tone pair's power are still heard.
    from dsp_ext.generate import dtmf
    from dsp_ext.levels import dbm0_to_rms

    u = next(u for u in speech.corpus() if u.lang == "en")
    x = speech.synthesize(u).astype(np.float64)
    x *= dbm0_to_rms(-8 + 3 - 10) / np.sqrt(np.mean(x**2))
    tones = dtmf("42", level_dbm0=-8, on_ms=80, off_ms=80, lead_ms=300).astype(np.float64)
    n = min(len(x), len(tones))
    mixed = np.clip(np.rint(x[:n] + tones[:n]), -32768, 32767).astype(np.int16)
    det = DtmfDetector()
    assert "".join(e.digit for e in det.process(mixed) + det.flush()) == "42"
