"""Voice activity: what the "caller cannot be heard" rule needs from the detector.

Clauses (from the appliance requirement, levels per ``dsp_ext.levels``):
  silent caller — a line carrying only hiss, pink noise or 50 Hz hum at −50 … −30 dBm0
      gives no speech event after the first second of a 30 s recording;
  steady tones — a continuous 425 Hz tone is never speech; one that starts mid-call
      is absorbed within ``stationary_ms``;
  quiet speech — speech at −35 … −30 dBm0 over a −55 dBm0 floor is found;
  noisy speech — speech at 10 dB SNR (white, pink, hum) is found;
  silence timer — after the caller stops, ``silence_samples`` counts the silence.

"Found" means the detector marks at least 90 % of the speech's active frames. Active
frames follow ITU-T P.56 in spirit: 10 ms frames of the clean utterance within
15.9 dB of its active speech level, gaps up to 200 ms bridged. Speech levels are
active speech levels. Speech is espeak-ng at 8 kHz in a few languages
(``tests/speech.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.generate import to_pcm16, tone
from dsp_ext.vad import VoiceActivityDetector
from tests.vad_signals import (
    FRAME,
    FS,
    NOISES,
    active_frames,
    at_active_level,
    hum,
    needs_speech,
    speech_trial,
    utterances,
    white,
)

# --- silent caller ------------------------------------------------------------


@pytest.mark.parametrize("level_dbm0", [-50.0, -40.0, -35.0, -30.0])
@pytest.mark.parametrize("noise", sorted(NOISES))
def test_silent_caller_noisy_line_no_speech_after_first_second(noise: str, level_dbm0: float):
    x = to_pcm16(NOISES[noise](30 * FS, level_dbm0, np.random.default_rng(7)))
    vad = VoiceActivityDetector()
    events = vad.process(x)
    assert [e for e in events if e.kind == "speech" and e.start >= FS] == []
    assert not vad.speaking
    # The floor has settled near the noise level (smoothed minimum, so a little under).
    assert level_dbm0 - 4.0 < vad.noise_floor_dbm0 < level_dbm0 + 1.0


def test_silent_caller_digital_silence_no_speech():
    vad = VoiceActivityDetector()
    assert vad.process(np.zeros(10 * FS, dtype=np.int16)) == []
    assert vad.silence_samples == 10 * FS


# --- steady tones -----------------------------------------------------------------


@pytest.mark.parametrize("level_dbm0", [-10.0, -30.0])
def test_steady_tones_continuous_425hz_is_never_speech(level_dbm0: float):
    rng = np.random.default_rng(3)
    x = tone(425.0, 30.0, level_dbm0) + white(30 * FS, -55.0, rng)
    assert VoiceActivityDetector().process(to_pcm16(x)) == []


@pytest.mark.parametrize("kind", ["tone425", "hum"])
def test_steady_tones_appearing_mid_call_absorbed_within_stationary_ms(kind: str):
    rng = np.random.default_rng(4)
    onset = 5 * FS
    steady = tone(425.0, 25.0, -15.0) if kind == "tone425" else hum(25 * FS, -15.0, rng)
    x = np.concatenate([np.zeros(onset), steady]) + white(30 * FS, -55.0, rng)
    stationary_ms, hangover_ms = 500.0, 300.0
    vad = VoiceActivityDetector(stationary_ms=stationary_ms, hangover_ms=hangover_ms)
    events = vad.process(to_pcm16(x))
    # At most one span, starting with the tone, silent again within stationary_ms.
    assert len(events) <= 2
    if events:
        assert events[0].kind == "speech" and onset - FRAME <= events[0].start <= onset + FRAME
        assert events[1].kind == "silence"
        assert events[1].start <= onset + stationary_ms * FS / 1000
    assert not vad.speaking
    assert vad.silence_samples >= len(x) - onset - (stationary_ms + hangover_ms) * FS / 1000
    assert vad.noise_floor_dbm0 > -20.0  # the tone is the floor now


# --- quiet speech and noisy speech ---------------------------------------------------


@needs_speech
@pytest.mark.parametrize("noise", ["white", "pink"])
@pytest.mark.parametrize("speech_dbm0", [-35.0, -30.0])
def test_quiet_speech_found_over_minus55_floor(speech_dbm0: float, noise: str):
    found, false = zip(
        *(speech_trial(u, speech_dbm0, noise, -55.0, i) for i, u in enumerate(utterances(4))),
        strict=True,
    )
    assert min(found) >= 0.9, f"active frames found: {np.round(found, 3)}"
    assert max(false) <= 0.01, f"false speech away from the utterance: {np.round(false, 4)}"


@needs_speech
@pytest.mark.parametrize("noise", sorted(NOISES))
def test_noisy_speech_found_at_10db_snr(noise: str):
    found, false = zip(
        *(speech_trial(u, -25.0, noise, -35.0, i) for i, u in enumerate(utterances(6))),
        strict=True,
    )
    assert np.mean(found) >= 0.9, f"active frames found: {np.round(found, 3)}"
    assert min(found) >= 0.8, f"active frames found: {np.round(found, 3)}"
    assert max(false) <= 0.01, f"false speech away from the utterance: {np.round(false, 4)}"


# --- silence timer --------------------------------------------------------------------


@needs_speech
@pytest.mark.parametrize("noise", ["white", "hum"])
def test_silence_timer_counts_from_the_end_of_speech(noise: str):
    rng = np.random.default_rng(11)
    clean = utterances(1)[0]
    lead, tail = 2 * FS, 8 * FS
    x = np.concatenate([np.zeros(lead), at_active_level(clean, -30.0), np.zeros(tail)])
    x = to_pcm16(x + NOISES[noise](len(x), -45.0, rng))
    act = active_frames(clean)
    speech_end = lead + (np.nonzero(act)[0][-1] + 1) * FRAME

    vad = VoiceActivityDetector()
    events = []
    history = []
    for i in range(0, len(x), 160):  # 20 ms frames, as the call engine feeds them
        events += vad.process(x[i : i + 160])
        history.append((i + len(x[i : i + 160]), vad.speaking, vad.silence_samples))
    assert events[-1].kind == "silence"
    # Silence begins where the speech ends, give or take a frame and the smoothing.
    assert speech_end - 2 * FRAME <= events[-1].start <= speech_end + 40 * FS // 1000
    # From then on the counter is the time since that start, growing 160 per call.
    for fed, speaking, silent in history:
        if fed >= events[-1].start + 400 * FS // 1000:
            assert not speaking
            assert silent == fed // FRAME * FRAME - events[-1].start
        if speaking:
            assert silent == 0
    assert vad.silence_samples == len(x) // FRAME * FRAME - events[-1].start
