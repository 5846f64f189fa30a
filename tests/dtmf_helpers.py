"""Feeding a DTMF receiver the ways the appliance does: 20 ms frames or one array."""

from __future__ import annotations

import numpy as np

from dsp_ext.dtmf import DtmfDetector

FEEDS = ("frames20ms", "oneshot")


def decode(samples: np.ndarray, feed: str = "oneshot", sample_rate: int = 8000) -> list:
    """All DTMF events in ``samples``, fed as ``feed`` says, with the end of input flushed."""
    det = DtmfDetector(sample_rate=sample_rate)
    events = []
    if feed == "frames20ms":
        step = sample_rate // 50
        for i in range(0, len(samples), step):
            events += det.process(samples[i : i + step])
    elif feed == "oneshot":
        events += det.process(samples)
    else:
        raise ValueError(feed)
    return events + det.flush()


def digits(samples: np.ndarray, feed: str = "oneshot") -> str:
    return "".join(e.digit for e in decode(samples, feed))
