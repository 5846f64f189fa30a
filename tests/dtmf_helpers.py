"""Feeding a DTMF receiver the ways the appliance does: 10 or 20 ms frames, or one array."""

from __future__ import annotations

import numpy as np

from dsp_ext.dtmf import DtmfDetector

FEEDS = ("frames10ms", "frames20ms", "oneshot")


def decode(samples: np.ndarray, feed: str = "oneshot", sample_rate: int = 8000) -> list:
    """All DTMF events in ``samples``, fed as ``feed`` says, with the end of input flushed."""
    det = DtmfDetector(sample_rate=sample_rate)
    events = []
    if feed in ("frames10ms", "frames20ms"):
        step = sample_rate // (100 if feed == "frames10ms" else 50)
        for i in range(0, len(samples), step):
            events += det.process(samples[i : i + step])
    elif feed == "oneshot":
        events += det.process(samples)
    else:
        raise ValueError(feed)
    return events + det.flush()


def digits(samples: np.ndarray, feed: str = "oneshot") -> str:
    return "".join(e.digit for e in decode(samples, feed))
