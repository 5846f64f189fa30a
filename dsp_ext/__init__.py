"""Hotline's DSP core: Cython kernels over 16-bit PCM, each with a NumPy reference.

Kernels keep their own per-channel state and know nothing about calls.
"""

from .callerid import CallerId, CallerIdDecoder, CallerIdEvent
from .drift import DriftResampler
from .dtmf import DtmfDetector, DtmfEvent
from .fsk import FskDemodulator
from .g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode
from .level import LevelMeter, measure
from .progress import ProgressToneDetector
from .resample import Resampler
from .vad import VadEvent, VoiceActivityDetector

__all__ = [
    "CallerId",
    "CallerIdDecoder",
    "CallerIdEvent",
    "DriftResampler",
    "DtmfDetector",
    "DtmfEvent",
    "FskDemodulator",
    "LevelMeter",
    "ProgressToneDetector",
    "Resampler",
    "VadEvent",
    "VoiceActivityDetector",
    "alaw_decode",
    "alaw_encode",
    "measure",
    "ulaw_decode",
    "ulaw_encode",
]
