"""A PortAudio re-scan for a re-plugged device: when it happens, who steps aside, and
what happens to a device that is gone afterwards.

The registry's logic runs here against recording fakes and against the real
``SoundDeviceHeadset`` and ``SoundCardLink`` behind their stream seam (a fake stream
called from a thread, as in ``test_headset.py``), with ``reinitialise`` as the seam for
PortAudio itself. Re-initialising the real PortAudio, with ALSA devices appearing in
its list, is ``test_headset.py::test_real_portaudio_rescan_*`` (in a subprocess).
"""

from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from firmware.audio.headset import HeadsetError, PyAudioHeadset, SoundDeviceHeadset
from firmware.audio.portaudio_rescan import PortAudioRescan, read_cards
from firmware.audio.soundcard import SoundCardLink
from tests.unit.test_headset import DEVICES, FakeStream


class Recorder:
    """A device that records what the registry asks of it."""

    def __init__(self, name: str, log: list, *, comes_back: bool = True) -> None:
        self.description = name
        self.log = log
        self.comes_back = comes_back
        self.lost: list[str] = []

    async def _suspend(self) -> None:
        self.log.append(("suspend", self.description))

    async def _resume(self) -> None:
        self.log.append(("resume", self.description))
        if not self.comes_back:
            raise HeadsetError(f"no headset name contains {self.description!r}")

    def _resume_failed(self, reason: str) -> None:
        self.lost.append(reason)


class Cards:
    def __init__(self, text: str = "0 [PCH ]: HDA-Intel\n") -> None:
        self.text = text
        self.reads = 0

    def __call__(self) -> str:
        self.reads += 1
        return self.text


def _registry(log: list, cards: Cards) -> PortAudioRescan:
    return PortAudioRescan(cards=cards, reinitialise=lambda: log.append(("reinitialise",)))


async def test_first_miss_rescans_then_only_when_the_cards_change():
    log, cards = [], Cards()
    reg = _registry(log, cards)
    # What PortAudio saw at import is unknown: the first miss re-scans.
    assert await reg.rescan_if_cards_changed() is True
    assert await reg.rescan_if_cards_changed() is False  # same cards: nothing to see
    assert await reg.rescan_if_cards_changed() is False
    assert log == [("reinitialise",)] and reg.rescans == 1
    cards.text += " 1 [Headset ]: USB-Audio - Plantronics Blackwire 3220\n"
    assert await reg.rescan_if_cards_changed() is True
    assert reg.rescans == 2 and log.count(("reinitialise",)) == 2


async def test_every_open_device_but_the_asker_steps_aside_around_one_reinitialise():
    log, cards = [], Cards()
    reg = _registry(log, cards)
    a, b, asker = Recorder("a", log), Recorder("b", log), Recorder("asker", log)
    reg.add(a)
    reg.add(b)
    reg.add(a)  # twice is once
    assert await reg.rescan_if_cards_changed(asker)
    assert log == [("suspend", "a"), ("suspend", "b"), ("reinitialise",),
                   ("resume", "a"), ("resume", "b")]  # fmt: skip
    assert reg.devices == [a, b] and not a.lost and not b.lost


async def test_a_device_gone_after_the_rescan_is_reported_lost_once_and_forgotten():
    log, cards = [], Cards()
    reg = _registry(log, cards)
    here, gone = Recorder("here", log), Recorder("gone", log, comes_back=False)
    reg.add(here)
    reg.add(gone)
    await reg.rescan_if_cards_changed()
    assert len(gone.lost) == 1
    assert "gone after an audio device re-scan" in gone.lost[0] and "'gone'" in gone.lost[0]
    assert reg.devices == [here] and not here.lost
    cards.text = "changed"
    await reg.rescan_if_cards_changed()
    assert len(gone.lost) == 1 and log.count(("resume", "gone")) == 1


async def test_a_device_stopped_while_suspended_stays_closed():
    log, cards = [], Cards()
    reg = _registry(log, cards)
    a, b = Recorder("a", log), Recorder("b", log)
    reg.add(a)
    reg.add(b)

    async def suspend_a_then_stop_b():
        log.append(("suspend", "a"))
        reg.discard(b)  # b's owner stops it meanwhile

    a._suspend = suspend_a_then_stop_b
    await reg.rescan_if_cards_changed()
    assert ("resume", "a") in log and ("resume", "b") not in log and not b.lost


async def test_askers_at_the_same_time_share_one_rescan():
    log, cards = [], Cards()
    reg = _registry(log, cards)
    gate = threading.Event()

    def slow_reinitialise():
        gate.wait(10)  # failsafe only: released below
        log.append(("reinitialise",))

    reg.reinitialise = slow_reinitialise
    first = asyncio.create_task(reg.rescan_if_cards_changed())
    second = asyncio.create_task(reg.rescan_if_cards_changed())
    await asyncio.sleep(0.05)
    gate.set()
    assert await first is True and await second is True  # the second looks again
    assert log == [("reinitialise",)]


async def test_portaudio_failing_to_come_back_loses_every_device_it_had():
    log, cards = [], Cards()

    def broken():
        raise OSError("PortAudio: Pa_Initialize failed")

    reg = PortAudioRescan(cards=cards, reinitialise=broken)
    a = Recorder("a", log, comes_back=False)
    reg.add(a)
    assert await reg.rescan_if_cards_changed()
    assert len(a.lost) == 1 and reg.devices == []


def test_cards_of_a_machine_without_alsa_read_as_none(tmp_path):
    assert read_cards(tmp_path / "no such file") == ""
    (tmp_path / "cards").write_text(" 0 [PCH ]: HDA-Intel\n")
    assert read_cards(tmp_path / "cards") == " 0 [PCH ]: HDA-Intel\n"


# -- the real device classes, at their stream seam ----------------------------------------------


def _plug(devices: list[dict], cards: Cards, name: str) -> None:
    devices.append({"name": name, "max_input_channels": 1, "max_output_channels": 2,
                    "default_samplerate": 48000.0})  # fmt: skip
    cards.text += f" 9 [{name[:6]}]: USB-Audio - {name}\n"


async def test_a_replugged_headset_opens_after_a_rescan_and_the_others_keep_going():
    FakeStream.instances.clear()
    listed = [dict(d) for d in DEVICES]  # what PortAudio lists until it re-initialises
    present = [dict(d) for d in DEVICES]  # what is plugged in
    log, cards = [], Cards()

    def reinitialise():
        log.append(("reinitialise",))
        listed[:] = [dict(d) for d in present]

    reg = PortAudioRescan(cards=cards, reinitialise=reinitialise)
    await reg.rescan_if_cards_changed()  # settle "what PortAudio saw" first
    common = {"query": lambda: listed, "stream_factory": FakeStream, "rescan": reg,
              "watchdog_s": 3600.0}  # fmt: skip
    other = SoundDeviceHeadset("blackwire", **common)
    line = SoundCardLink("HDA Intel", **common)
    mic, frames, lost = [], [], []
    await other.start(lambda block, at: mic.append(block), lost.append)
    await line.start(frames.append, lost.append)
    assert reg.devices == [other, line]

    jabra = SoundDeviceHeadset("jabra", **common)
    with pytest.raises(HeadsetError, match="no headset name contains 'jabra'"):
        await jabra.start(lambda block, at: None, lost.append)
    assert reg.rescans == 1 and len(FakeStream.instances) == 2  # nothing changed: no re-scan

    _plug(present, cards, "Jabra EVOLVE 20 MS: USB Audio (hw:2,0)")
    got = []
    await jabra.start(lambda block, at: got.append(block), lost.append)
    assert reg.rescans == 2 and reg.devices == [other, line, jabra]
    old_other, old_line, new_other, new_line, jabra_stream = FakeStream.instances
    assert old_other.closed and old_line.closed and not new_other.closed
    assert not new_line.closed and new_line.kwargs["device"] == (0, 0)
    assert jabra_stream.kwargs["device"] == (2, 2)
    # The headset that stepped aside delivers to the same consumer through its new stream.
    new_other.in_thread(new_other.call, np.full(441, 7, np.int16)).join()
    jabra_stream.in_thread(jabra_stream.call, np.full(480, 5, np.int16)).join()
    await asyncio.sleep(0.01)
    assert int(mic[-1][0]) == 7 and int(got[-1][0]) == 5 and lost == []
    for device in (other, line, jabra):
        await device.stop()
    assert reg.devices == []


async def test_a_device_unplugged_meanwhile_is_lost_after_the_rescan_not_silently_gone():
    FakeStream.instances.clear()
    listed = [dict(d) for d in DEVICES]
    present = [dict(d) for d in DEVICES]
    cards = Cards()

    def reinitialise():
        listed[:] = [dict(d) for d in present]

    reg = PortAudioRescan(cards=cards, reinitialise=reinitialise)
    await reg.rescan_if_cards_changed()
    common = {"query": lambda: listed, "stream_factory": FakeStream, "rescan": reg,
              "watchdog_s": 3600.0}  # fmt: skip
    blackwire = SoundDeviceHeadset("blackwire", **common)
    lost = []
    await blackwire.start(lambda block, at: None, lost.append)
    del present[1]  # the Blackwire goes while a Jabra is plugged in
    _plug(present, cards, "Jabra EVOLVE 20 MS: USB Audio (hw:2,0)")
    jabra = SoundDeviceHeadset("jabra", **common)
    await jabra.start(lambda block, at: None, lost.append)
    await asyncio.sleep(0)
    assert len(lost) == 1 and "gone after an audio device re-scan" in lost[0]
    assert "blackwire" in lost[0] and not blackwire.running and reg.devices == [jabra]
    await jabra.stop()
    await blackwire.stop()


async def test_a_pulled_out_headset_still_in_the_stale_list_is_seen_gone_after_a_rescan():
    FakeStream.instances.clear()
    listed = [dict(d) for d in DEVICES]  # PortAudio still lists the Blackwire…
    present = [dict(DEVICES[0])]  # …but it was pulled out
    cards = Cards(" 0 [PCH ]: HDA-Intel\n 1 [Blackwire]: USB-Audio - Blackwire 3220\n")

    def reinitialise():
        listed[:] = [dict(d) for d in present]

    def stream(**kwargs):
        if kwargs["device"] == (1, 1):
            raise OSError("Error opening Stream: Device unavailable [PaErrorCode -9985]")
        return FakeStream(**kwargs)

    reg = PortAudioRescan(cards=cards, reinitialise=reinitialise)
    await reg.rescan_if_cards_changed()
    reg.rescans = 0
    listed[:] = [dict(d) for d in DEVICES]  # as PortAudio saw it before the pull
    hs = SoundDeviceHeadset("blackwire", query=lambda: listed, stream_factory=stream,
                            rescan=reg, watchdog_s=3600.0)  # fmt: skip
    with pytest.raises(HeadsetError, match="Device unavailable"):
        await hs.start(lambda block, at: None, lambda reason: None)  # cards unchanged
    assert reg.rescans == 0
    cards.text = " 0 [PCH ]: HDA-Intel\n"  # the kernel saw the Blackwire go
    with pytest.raises(HeadsetError, match="no headset name contains 'blackwire'"):
        await hs.start(lambda block, at: None, lambda reason: None)
    assert reg.rescans == 1 and reg.devices == []


class FakePyAudioModule:
    """Stands in for the ``pyaudio`` module: counts live PyAudio instances; none opens."""

    paInt16 = 8

    def __init__(self) -> None:
        self.alive = 0

    def PyAudio(self):  # pyaudio's own name
        module = self
        module.alive += 1

        class _Pa:
            def get_device_count(self):
                return len(DEVICES)

            def get_device_info_by_index(self, i):
                d = DEVICES[i]
                return {"name": d["name"], "maxInputChannels": d["max_input_channels"],
                        "maxOutputChannels": d["max_output_channels"],
                        "defaultSampleRate": d["default_samplerate"]}  # fmt: skip

            def open(self, **kwargs):
                raise OSError("[Errno -9985] Device unavailable")

            def terminate(self):
                module.alive -= 1

        return _Pa()


@pytest.mark.parametrize("name", ["jabra", "blackwire"])
async def test_a_pyaudio_headset_that_will_not_open_lets_go_of_portaudio(name):
    # Not found (jabra) or listed but not opening (blackwire): either way its PyAudio is
    # terminated, or it would hold PortAudio's reference count above zero through a
    # re-scan, which then could not re-initialise anything.
    module = FakePyAudioModule()
    hs = PyAudioHeadset(name, pyaudio_module=module)
    with pytest.raises(HeadsetError):
        await hs.start(lambda block, at: None, lambda reason: None)
    assert module.alive == 0
