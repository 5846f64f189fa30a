"""``hotline doctor``: audio devices found by name, GPIO pins claimed and released,
serial ports there and usable; a config that does not load stops it.

Real parts: PortAudio itself through ALSA ``file`` devices in a child process whose
``ALSA_CONFIG_PATH`` defines them (as in test_headset.py), gpiozero's own MockFactory
(``--pin-factory mock``), a real pseudo-terminal for a modem port. Real USB headsets,
a Pi's GPIO (lgpio) and USB modems are hardware only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
from gpiozero import DigitalInputDevice
from gpiozero.pins.mock import MockFactory, MockPWMPin

from firmware import doctor
from firmware.audio.wav import write_wav
from firmware.cli import main
from firmware.config import load_config
from tests.unit.test_acd_support import make_config

ASOUND = """\
</usr/share/alsa/alsa.conf>
pcm.hotline_doctor_headset {
    type file; slave.pcm "null"; file "/dev/null"; infile "/dev/zero"; format "raw"
}
"""

BASE = """\
box_id = "doctor"

[languages]
available = ["en"]
default = "en"

[queues.sales]
strategy = "longest-idle"

[agents.anna]
queues = ["sales"]

[ivr.main]
start = "sales"
silence_after_s = 0

[ivr.main.nodes.sales]
type = "queue"
queue = "sales"

{lines}
{stations}
"""


#: A line that is not checked (disabled): the config needs one.
SPARE_LINE = '[lines.spare]\nkind = "huawei"\nflow = "main"\nenabled = false\nport = "/dev/x"\n'


def _config(tmp_path, *, lines: str = SPARE_LINE, stations: str = "") -> str:
    path = tmp_path / "hotline.toml"
    path.write_text(BASE.format(lines=lines, stations=stations))
    return str(path)


def _doctor(capsys, path: str) -> tuple[int, list[str]]:
    rc = main(["doctor", "--config", path, "--pin-factory", "mock"])
    return rc, capsys.readouterr().out.splitlines()


def test_a_config_that_does_not_load_is_all_it_says(tmp_path, capsys):
    path = _config(tmp_path, stations='[stations.desk1]\nheadset = ""\n')
    rc, out = _doctor(capsys, path)
    assert rc == 2
    assert any("stations.desk1.headset" in line for line in out)
    assert not any(line.startswith("audio") for line in out)


def test_serial_ports_there_missing_and_not_by_id(tmp_path, capsys):
    master, slave = os.openpty()
    try:
        tty = os.ttyname(slave)
        lines = (
            f'[lines.gsm1]\nkind = "huawei"\nflow = "main"\nport = "{tty}"\n'
            '[lines.gsm2]\nkind = "huawei"\nflow = "main"\n'
            'port = "/dev/serial/by-id/usb-gone-if00-port0"\n'
            '[lines.gsm3]\nkind = "huawei"\nflow = "main"\nenabled = false\n'
            'port = "/dev/nothing"\n'
        )
        rc, out = _doctor(capsys, _config(tmp_path, lines=lines))
    finally:
        os.close(master)
        os.close(slave)
    assert rc == 1
    assert f"  ok    lines.gsm1.port: {tty} is there" in out
    assert any(line.startswith("  warn  lines.gsm1.port") and "by-id" in line for line in out)
    gone = [line for line in out if "lines.gsm2.port" in line]
    assert len(gone) == 1 and gone[0].startswith("  FAIL") and "plugged in" in gone[0]
    assert not any("gsm3" in line for line in out)  # disabled: not checked
    assert out[-1] == "1 problem(s), 1 warning(s)"


def test_a_port_that_is_not_a_tty_fails(tmp_path):
    found = list(doctor._port("lines.x.port", str(tmp_path)))  # a directory
    assert [f.status for f in found] == [doctor.FAIL] and "not a serial device" in found[0].detail


STATIONS = """\
[stations.desk1]
headset = "desk1.wav"
headset_backend = "file"
buttons = { ready = 2, answer = 6 }
leds = { ready = 12 }
[panic.room]
pin = 4
"""


def test_gpio_pins_claimed_as_the_daemon_does_and_a_busy_one_named(tmp_path):
    write_wav(tmp_path / "desk1.wav", np.zeros(8000, np.int16))
    config = load_config(_config(tmp_path, stations=STATIONS))
    factory = MockFactory(pin_class=MockPWMPin)
    try:
        held = DigitalInputDevice(6, pin_factory=factory)  # something else has GPIO6
        found = doctor.gpio(config, factory)
        held.close()
        again = doctor.gpio(config, factory)  # everything it claimed was released
    finally:
        factory.close()
    by_pin = {f.what: f for f in found}
    assert by_pin["GPIO pin factory"].detail == "MockFactory"
    # GPIO2 has a fixed pull-up on a Pi: claimed pulled up, as a button is, it is fine.
    assert by_pin["GPIO2"].status == doctor.OK and "pulled up" in by_pin["GPIO2"].detail
    assert by_pin["GPIO6"].status == doctor.FAIL and "stations.desk1.buttons.answer" in (
        by_pin["GPIO6"].detail
    )
    assert "systemctl stop hotline" in by_pin["GPIO6"].detail
    assert by_pin["GPIO12"].detail == "stations.desk1.leds.ready (output)"
    assert [f.what for f in found[1:]] == ["GPIO2", "GPIO4", "GPIO6", "GPIO12"]  # by pin
    assert all(f.status == doctor.OK for f in again)


def test_file_headsets_are_read_and_a_broken_one_is_named(tmp_path):
    (tmp_path / "desk1.wav").write_bytes(b"not a wav at all")
    config = load_config(_config(tmp_path, stations=STATIONS))
    found = doctor.audio(config, query=lambda: [], base_dir=tmp_path)
    (headset,) = [f for f in found if f.what == "stations.desk1.headset"]
    assert headset.status == doctor.FAIL and "not a WAV file" in headset.detail


FAKE = [
    {"name": "HDA Intel PCH: ALC3246 Analog (hw:0,0)", "max_input_channels": 2,
     "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "Jabra EVOLVE 20: USB Audio (hw:1,0)", "max_input_channels": 1,
     "max_output_channels": 2, "default_samplerate": 48000.0},
    {"name": "Jabra EVOLVE 20 MS: USB Audio (hw:2,0)", "max_input_channels": 1,
     "max_output_channels": 2, "default_samplerate": 16000.0},
    {"name": "HDMI 0 (hw:3,3)", "max_input_channels": 0, "max_output_channels": 2,
     "default_samplerate": 48000.0},
]  # fmt: skip


def test_each_headset_and_line_card_gets_its_device_or_the_reason_it_does_not():
    config = make_config(
        stations={
            "desk1": {"headset": "EVOLVE 20 MS"},
            "desk2": {"headset": "evolve 20"},  # matches two: ambiguous
            "desk3": {"headset": "Plantronics"},
        }
    )
    found = {f.what: f for f in doctor.audio(config, query=lambda: FAKE)}
    assert found["stations.desk1.headset"].status == doctor.OK
    assert "device 2 'Jabra EVOLVE 20 MS: USB Audio (hw:2,0)' (16000 Hz)" in (
        found["stations.desk1.headset"].detail
    )
    assert found["stations.desk2.headset"].status == doctor.FAIL
    assert "several" in found["stations.desk2.headset"].detail
    assert "no headset name contains 'Plantronics'" in found["stations.desk3.headset"].detail
    assert "not full duplex" in found["audio device 3"].detail


def test_portaudio_failing_is_one_line_with_the_install_hint():
    def broken():
        raise OSError("PortAudio library not found")

    config = make_config(stations={"desk1": {"headset": "Jabra"}})
    (only,) = doctor.audio(config, query=broken)
    assert only.status == doctor.FAIL and "PortAudio library not found" in only.detail
    assert "libportaudio2" in only.detail


CHILD = textwrap.dedent(
    """
    import sys
    from firmware.cli import main
    sys.exit(main(["doctor", "--config", sys.argv[1], "--pin-factory", "mock"]))
    """
)


def test_real_portaudio_finds_the_alsa_headset_and_names_the_missing_one(tmp_path):
    (tmp_path / "asound.conf").write_text(ASOUND)
    stations = (
        '[stations.desk1]\nheadset = "hotline_doctor"\n'
        '[stations.desk2]\nheadset = "Plantronics Blackwire"\n'
    )
    path = _config(tmp_path, stations=stations)
    env = {**os.environ, "ALSA_CONFIG_PATH": str(tmp_path / "asound.conf")}
    done = subprocess.run([sys.executable, "-c", CHILD, path], env=env, capture_output=True,
                          text=True, timeout=120, cwd=os.getcwd())  # fmt: skip
    out = done.stdout.splitlines()
    assert done.returncode == 1 and out[-1] == "1 problem(s), 0 warning(s)", (
        done.stdout + done.stderr[-2000:]
    )
    (desk1,) = [line for line in out if "stations.desk1.headset" in line]
    assert desk1.startswith("  ok") and "'hotline_doctor_headset'" in desk1
    (desk2,) = [line for line in out if "stations.desk2.headset" in line]
    assert desk2.startswith("  FAIL") and "'Plantronics Blackwire'" in desk2
    assert any("audio device" in line and "hotline_doctor_headset" in line for line in out)


def test_the_pin_factory_follows_the_environment(tmp_path, capsys, monkeypatch):
    (tmp_path / "desk1.wav").write_bytes(b"")
    monkeypatch.setenv("HOTLINE_PIN_FACTORY", "mock")
    rc = main(["doctor", "--config", _config(tmp_path, stations=STATIONS)])
    out = capsys.readouterr().out
    assert "ok    GPIO pin factory: MockFactory" in out and "GPIO12" in out
    assert rc == 1  # the empty WAV file


class RecordingPin(MockPWMPin):
    """A mock pin that records every function it is switched to."""

    functions: list[tuple[str, str]] = []  # noqa: RUF012 (shared on purpose: one log)

    def _set_function(self, value):
        RecordingPin.functions.append((self.info.name, value))
        super()._set_function(value)


FXO = (
    '[lines.city]\nkind = "fxo"\nflow = "main"\nring_pin = 17\nhook_pin = 27\n'
    'hook_active_high = false\naudio_device = "USB Audio"\n'
)


def test_no_output_is_driven_an_active_low_hook_relay_would_seize_the_line(tmp_path):
    config = load_config(_config(tmp_path, lines=FXO, stations=STATIONS))
    RecordingPin.functions.clear()
    factory = MockFactory(pin_class=RecordingPin)
    try:
        found = doctor.gpio(config, factory)
    finally:
        factory.close()
    by_pin = {f.what: f for f in found}
    assert by_pin["GPIO27"].status == doctor.OK and "lines.city.hook_pin" in by_pin["GPIO27"].detail
    assert by_pin["GPIO17"].detail == "lines.city.ring_pin (input, pulled up)"
    assert ("GPIO17", "input") in RecordingPin.functions  # the inputs were set up
    assert not [f for f in RecordingPin.functions if f[1] == "output"]


def test_the_daemon_and_doctor_find_a_relative_file_headset_next_to_the_config(tmp_path):
    from firmware.clock import VirtualClock
    from firmware.station import _default_headset

    write_wav(tmp_path / "desk1.wav", np.zeros(8000, np.int16))
    config = load_config(_config(tmp_path, stations=STATIONS))
    cwd = os.getcwd()
    os.chdir("/")  # not where the config is
    try:
        found = {f.what: f for f in doctor.audio(config, query=lambda: [], base_dir=tmp_path)}
        headset = _default_headset(VirtualClock(), tmp_path)("desk1", config.stations["desk1"])
    finally:
        os.chdir(cwd)
    assert found["stations.desk1.headset"].status == doctor.OK
    assert headset.rate == 8000 and "desk1.wav" in headset.description
