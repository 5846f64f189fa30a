"""Call-progress tones against their plans: ITU-T E.180 (and national tables), T.30.

Every (country, kind) the generator produces from ``data/progress_tones.toml`` must
come back from the detector as exactly that kind, with the table's cadence; busy
and congestion of one plan differ only in cadence. Each case runs with the detector
fed 20 ms frames and the whole array at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.cadence import DETECTED, ENDED
from dsp_ext.generate import to_pcm16, tone, white_noise
from dsp_ext.progress import ProgressToneDetector
from dsp_ext.progress_gen import cng, progress_tone, sit
from dsp_ext.tonesets import KINDS, countries, plan

FS = 8000
FRAME = 160
CASES = [(c, k) for c in countries() for k in KINDS]


def run(country: str, x: np.ndarray, framed: bool):
    det = ProgressToneDetector(country)
    if not framed:
        return det.process(x)
    return [e for i in range(0, len(x), FRAME) for e in det.process(x[i : i + FRAME])]


def tone_seconds(country: str, kind: str) -> float:
    spec = plan(country).tone(kind)
    if spec.continuous:
        return spec.detect_after_ms / 1000 + 1.5
    # Enough whole cycles to confirm, then the next burst.
    cycles = -(-spec.confirm_segments // len(spec.steps)) + 1
    return (cycles * sum(spec.cadence_ms) + spec.cadence_ms[0]) / 1000


@pytest.mark.parametrize("framed", [True, False], ids=["frames", "one-shot"])
@pytest.mark.parametrize(("country", "kind"), CASES)
def test_e180_every_table_tone_is_detected_as_its_kind(country, kind, framed):
    lead = 0.37
    body = progress_tone(kind, country, tone_seconds(country, kind))
    x = np.concatenate([np.zeros(round(lead * FS), np.int16), body, np.zeros(7 * FS, np.int16)])
    events = run(country, x, framed)
    assert [(e.kind, e.state) for e in events] == [(kind, DETECTED), (kind, ENDED)]
    detected = events[0]
    assert abs(detected.sample - lead * FS) <= FRAME
    spec = plan(country).tone(kind)
    if spec.continuous:
        assert detected.decided_at - detected.sample >= spec.detect_after_ms * FS / 1000
    else:
        # The measured cadence lies within the table's tolerance plus one block.
        for ms, step in zip(detected.cadence_ms, spec.steps, strict=False):
            assert step.min_ms - 20 <= ms <= step.max_ms + 20


@pytest.mark.parametrize("country", countries())
def test_e180_busy_and_congestion_differ_only_by_cadence(country):
    busy, congestion = plan(country).tone("busy"), plan(country).tone("congestion")
    assert busy.steps[0].alternatives == congestion.steps[0].alternatives
    x = np.concatenate(
        [
            progress_tone("congestion", country, tone_seconds(country, "congestion")),
            np.zeros(2 * FS, np.int16),
            progress_tone("busy", country, tone_seconds(country, "busy")),
            np.zeros(2 * FS, np.int16),
        ]
    )
    detected = [e.kind for e in run(country, x, False) if e.state == DETECTED]
    assert detected == ["congestion", "busy"]


@pytest.mark.parametrize("scale", [0.9, 1.1])
@pytest.mark.parametrize("country", ["ITU", "RU", "US", "DE"])
def test_e180_cadence_within_tolerance_still_detected(country, scale):
    # A line whose cadence runs 10 % fast or slow is still its tone.
    busy = plan(country).tone("busy")
    on, off = (round(ms * scale * FS / 1000) for ms in busy.cadence_ms)
    burst = to_pcm16(tone(busy.freqs_hz, on / FS, busy.level_dbm0))
    x = np.concatenate([np.concatenate([burst, np.zeros(off, np.int16)])] * 5)
    assert [e.kind for e in run(country, x, False) if e.state == DETECTED] == ["busy"]


@pytest.mark.parametrize("error_hz", [-12.0, 12.0])
@pytest.mark.parametrize("level", [-10.0, -35.0])
def test_e180_frequency_error_12_hz(error_hz, level):
    burst = to_pcm16(tone(425.0 + error_hz, 0.5, level))
    cycle = np.concatenate([burst, np.zeros(FS // 2, np.int16)])
    x = np.concatenate([cycle] * 5).astype(np.float64)
    x = to_pcm16(x + white_noise(len(x), level - 20.0, np.random.default_rng(12)))
    assert [e.kind for e in run("ITU", x, True) if e.state == DETECTED] == ["busy"]


@pytest.mark.parametrize("variant", [0, 1, 2], ids=["itu", "bellcore-low", "bellcore-high"])
@pytest.mark.parametrize("segment_ms", [(330, 330, 330), (274, 274, 380), (380, 380, 380)])
def test_e180_clause_9_special_information_tone(variant, segment_ms):
    x = np.concatenate(
        [sit(variant=variant, segment_ms=segment_ms, level_dbm0=-24.0), np.zeros(FS, np.int16)]
    )
    events = run("ITU", x, True)
    assert [e.kind for e in events if e.state == DETECTED] == ["sit"]
    assert all(abs(m - s) <= 40 for m, s in zip(events[0].cadence_ms, segment_ms, strict=True))


def test_t30_cng_in_noise():
    x = cng(8.0, level_dbm0=-30.0).astype(np.float64)
    x = to_pcm16(x + white_noise(len(x), -50.0, np.random.default_rng(30)))
    events = run("US", x, True)
    assert [e.kind for e in events if e.state == DETECTED] == ["cng"]
    assert abs(events[0].cadence_ms[0] - 500) <= 30 and abs(events[0].cadence_ms[1] - 3000) <= 30


@pytest.mark.parametrize("seconds", [2.6, 4.0])
def test_t30_ced_from_2_6_to_4_seconds(seconds):
    x = np.concatenate([progress_tone("ced", "GB", seconds), np.zeros(FS, np.int16)])
    events = run("GB", x, True)
    assert [(e.kind, e.state) for e in events] == [("ced", DETECTED), ("ced", ENDED)]
    assert abs(events[1].sample - seconds * FS) <= FRAME
