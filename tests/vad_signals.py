"""Signals and measures for the voice activity tests: noises, P.56-style activity, trials."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dsp_ext.generate import to_pcm16, white_noise
from dsp_ext.levels import dbm0_to_rms
from dsp_ext.vad import VoiceActivityDetector
from tests import speech

FS = 8000
FRAME = 80  # 10 ms
LANGS = ("en", "de", "ru", "cmn", "es", "fa")


def pink_noise(n: int, level_dbm0: float, rng: np.random.Generator) -> np.ndarray:
    """Noise falling 3 dB per octave from 20 Hz up (white noise shaped by 1/√f)."""
    spectrum = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0 / FS)
    gain = np.where(f >= 20.0, 1.0 / np.sqrt(np.maximum(f, 20.0)), 0.0)
    x = np.fft.irfft(spectrum * gain, n)
    return x / np.sqrt(np.mean(x**2)) * dbm0_to_rms(level_dbm0)


def hum(n: int, level_dbm0: float, rng: np.random.Generator) -> np.ndarray:
    """50 Hz mains hum: the fundamental and harmonics to 550 Hz, each 1/h as strong."""
    t = np.arange(n) / FS
    x = sum(np.sin(2 * np.pi * 50 * h * t + rng.uniform(0, 2 * np.pi)) / h for h in range(1, 12))
    return x / np.sqrt(np.mean(x**2)) * dbm0_to_rms(level_dbm0)


def white(n: int, level_dbm0: float, rng: np.random.Generator) -> np.ndarray:
    return white_noise(n, level_dbm0, rng)


NOISES = {"white": white, "pink": pink_noise, "hum": hum}


def frame_levels(x: np.ndarray) -> np.ndarray:
    """Mean square of each whole 10 ms frame."""
    m = len(x) // FRAME
    return (np.asarray(x[: m * FRAME], dtype=np.float64).reshape(m, FRAME) ** 2).mean(axis=1)


def active_frames(clean: np.ndarray) -> np.ndarray:
    """P.56-style activity of a clean utterance: one bool per 10 ms frame."""
    ms = frame_levels(clean)
    db = 10 * np.log10(ms + 1e-9)
    active_level = 10 * np.log10(ms[db > db.max() - 40].mean())
    act = db > active_level - 15.9
    idx = np.nonzero(act)[0]
    for a, b in itertools.pairwise(idx):
        if b - a <= 20:  # bridge gaps up to 200 ms
            act[a:b] = True
    return act


def at_active_level(clean: np.ndarray, level_dbm0: float) -> np.ndarray:
    ms = frame_levels(clean)
    db = 10 * np.log10(ms + 1e-9)
    rms = np.sqrt(ms[db > db.max() - 40].mean())
    return clean.astype(np.float64) * (dbm0_to_rms(level_dbm0) / rms)


def utterances(count: int) -> list[np.ndarray]:
    chosen = [u for u in speech.corpus() if u.lang in LANGS][::7][:count]
    return [speech.synthesize(u) for u in chosen]


def speech_labels(events: list, n: int) -> np.ndarray:
    """One bool per sample: inside a detected speech span."""
    lab = np.zeros(n, dtype=bool)
    start = None
    for e in events:
        if e.kind == "speech":
            start = e.start
        else:
            lab[start : e.start] = True
            start = None
    if start is not None:
        lab[start:] = True
    return lab


def speech_trial(clean: np.ndarray, speech_dbm0: float, noise: str, noise_dbm0: float, seed: int):
    """Utterance between 2 s and 1.5 s of noise; (share of active frames found,
    share of the frames well away from speech wrongly marked speech)."""
    lead, tail = 2 * FS, 3 * FS // 2
    x = np.concatenate([np.zeros(lead), at_active_level(clean, speech_dbm0), np.zeros(tail)])
    x += NOISES[noise](len(x), noise_dbm0, np.random.default_rng(seed))
    lab = speech_labels(VoiceActivityDetector().process(to_pcm16(x)), len(x))
    act = active_frames(clean)
    truth = np.zeros(len(x), dtype=bool)
    for j in np.nonzero(act)[0]:
        truth[lead + j * FRAME : lead + (j + 1) * FRAME] = True
    idx = np.nonzero(truth)[0]
    near = np.zeros(len(x), dtype=bool)
    near[idx[0] : idx[-1] + int(0.4 * FS)] = True  # hangover and smoothing may run on
    return lab[truth].mean(), lab[~near].mean()


needs_speech = pytest.mark.skipif(
    not speech.have_tools(), reason="espeak-ng and sox are needed to build the speech corpus"
)
