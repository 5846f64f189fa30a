"""A call's audio report from the bridge: its share of the counters, the worst latency
each way on any of its frames, mute and a lost headset; one report per connection."""

from __future__ import annotations

import math

import numpy as np
import pytest

from firmware.audio.bridge_stats import BridgeStats, CallMeter
from tests.unit.test_bridge import LATENCY_LIMIT_MS, Station, _sine


async def test_a_clean_call_reports_its_length_and_worst_latencies():
    st = Station(ppm=300.0, mic=_sine(400, 30, 48000), far=_sine(1000, 30, 8000))
    await st.start()
    await st.clock.advance(3.0)
    st.bridge.mute = True
    await st.clock.advance(1.0)
    st.bridge.mute = False
    await st.clock.advance(1.0)
    live = st.bridge.stats
    report = st.bridge.disconnect()
    await st.stop()
    assert report is not None
    assert report.seconds == pytest.approx(5.0, abs=0.04)
    assert report.muted_s == pytest.approx(1.0, abs=0.04)
    assert report.ear_underruns == report.mouth_underruns == 0
    assert 20 < report.worst_line_to_ear_ms <= LATENCY_LIMIT_MS
    assert 20 < report.worst_mouth_to_line_ms <= LATENCY_LIMIT_MS
    # The worst is at least what the last frame showed.
    assert report.worst_line_to_ear_ms >= live.line_to_ear_ms - 1e-9
    assert not report.headset_lost and not report.headset_silent
    assert st.bridge.disconnect() is None  # nothing connected: no second report


async def test_a_lost_headset_shows_in_the_report_and_the_next_call_starts_clean():
    st = Station(mic=_sine(400, 30, 48000), retry_s=1.0)
    await st.start()
    await st.clock.advance(1.0)
    st.headset.unplug("USB headset unplugged")
    await st.clock.advance(2.0)
    first = st.bridge.disconnect()
    st.headset.replug()
    await st.clock.advance(2.0)  # back, between calls
    st.bridge.connect(st.line.play)
    await st.clock.advance(2.0)
    second = st.bridge.disconnect()
    await st.stop()
    assert first is not None and first.headset_lost
    assert first.seconds == pytest.approx(3.0, abs=0.04)  # the line's frames went on
    assert second is not None and not second.headset_lost
    assert second.seconds == pytest.approx(2.0, abs=0.04)
    assert second.ear_underruns == 0 and second.worst_line_to_ear_ms <= LATENCY_LIMIT_MS


def _stats(**counts) -> BridgeStats:
    base = dict(ear_underruns=0, ear_overruns=0, mouth_underruns=0, mouth_overruns=0,
                dropped_blocks=0, line_to_ear_ms=math.nan, mouth_to_line_ms=math.nan,
                ear_ppm=0.0, mouth_ppm=0.0, headset_silent=False)  # fmt: skip
    return BridgeStats(**{**base, **counts})


def test_counters_are_the_calls_share_and_survive_a_headset_counting_afresh():
    meter = CallMeter(_stats(ear_underruns=5, mouth_overruns=2, dropped_blocks=1))
    for ear in (40.0, 55.5, math.nan, 41.0):
        meter.frame(ear, None, muted=False, lost=False, silent=False)
    # ear counters went on from 5 to 7; the mouth side's headset restarted from zero.
    report = meter.report(_stats(ear_underruns=7, mouth_overruns=1, dropped_blocks=1,
                                 ear_ppm=12.34, headset_silent=True))  # fmt: skip
    assert (report.ear_underruns, report.mouth_overruns, report.dropped_blocks) == (2, 1, 0)
    assert report.worst_line_to_ear_ms == 55.5 and report.worst_mouth_to_line_ms is None
    fields = report.fields()
    assert fields["worst_mouth_to_line_ms"] is None and fields["ear_ppm"] == 12.3
    assert fields["headset_silent"] is True and fields["seconds"] == 0.08
    assert all(not isinstance(v, float) or not math.isnan(v) for v in fields.values())
    assert np.isclose(report.seconds, 0.08)
