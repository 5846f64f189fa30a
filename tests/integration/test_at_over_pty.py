"""The AT channel over a real pseudo-terminal opened with pyserial, against the emulator base."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from firmware.emulator.pty_modem import PtyModem
from firmware.lines.at import AtChannel, AtCommandError, AtPortClosed
from firmware.lines.ports import PortBusy, PortMissing, lock_port, open_port


@pytest.fixture
async def modem(tmp_path):
    m = PtyModem(by_id_dir=tmp_path / "by-id")
    await m.start()
    yield m
    m.unplug()


async def connect(modem: PtyModem, tmp_path, **kw):
    reader, writer, lock = await open_port(modem.path, lock_dir=tmp_path)
    ch = AtChannel(reader, writer, name="test", **kw)
    ch.start()
    return ch, lock


async def test_commands_and_urcs_over_a_pty(modem, tmp_path):
    urcs: list[str] = []
    ch, lock = await connect(modem, tmp_path, urc_prefixes=("+CRING",), on_urc=urcs.append)
    assert (await ch.command("AT")).ok  # echo is on: the channel drops it
    assert (await ch.command("ATE0")).ok
    modem.inject("+CRING: VOICE")
    with pytest.raises(AtCommandError):
        await ch.command("AT+NOSUCH")
    await asyncio.sleep(0.05)
    assert urcs == ["+CRING: VOICE"]
    modem.assert_sent("ATE0")
    await ch.close()
    lock.release()


async def test_unplugged_modem_fails_the_command_in_flight(modem, tmp_path):
    closed: list[str] = []
    ch, lock = await connect(modem, tmp_path, on_closed=closed.append)
    modem.delay_s = 1.0
    task = asyncio.create_task(ch.command("AT", timeout=3))
    await asyncio.sleep(0.1)
    modem.unplug()
    with pytest.raises(AtPortClosed):
        await task
    assert closed and ch.closed
    lock.release()


async def test_port_held_by_another_program_is_refused_by_name(modem, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        lockfile = tmp_path / f"LCK..{os.path.basename(os.path.realpath(modem.path))}"
        lockfile.write_text(f"{holder.pid:10d}\n")
        with pytest.raises(PortBusy) as info:
            await open_port(modem.path, lock_dir=tmp_path)
        assert f"pid {holder.pid}" in str(info.value) and "python" in str(info.value)
    finally:
        holder.kill()
        holder.wait()
    # its owner gone, the stale lock is taken over
    ch, lock = await connect(modem, tmp_path)
    await ch.close()
    lock.release()


async def test_missing_port_says_so(tmp_path):
    with pytest.raises(PortMissing, match="does not exist"):
        await open_port(tmp_path / "ttyUSB9", lock_dir=tmp_path)


def test_two_names_of_one_device_share_one_lock(tmp_path):
    target = tmp_path / "ttyUSB0"
    target.write_text("")
    link = tmp_path / "usb-Vendor-if00"
    link.symlink_to(target)
    lock = lock_port(target, tmp_path)
    try:
        # the same process may not take it twice under another name either
        assert (tmp_path / "LCK..ttyUSB0").exists()
        assert lock_port(link, tmp_path).path == lock.path  # own pid: allowed, same file
    finally:
        lock.release()
