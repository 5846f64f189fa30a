"""GsmLine against a plain 3GPP TS 27.007 modem: the emulator on a real pty, and replay logs.

The same behaviours are checked both ways: what passes against the emulator must pass
against a log of the modem (``tests/data/modem_logs/gsm_generic_*.log``), played
through the driver's ``opener`` the way ``hotline modem replay`` does.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from firmware.commands.modem import replay
from firmware.emulator.gsm import GsmModemEmulator
from firmware.lines.base import LineError
from firmware.lines.events import LineEvent, LineState
from firmware.lines.factory import dialect_of_log
from firmware.lines.gsm import GsmLine
from firmware.lines.replay import parse_log
from firmware.lines.transport import serial_opener

LOGS = Path(__file__).resolve().parents[1] / "data" / "modem_logs"


# -- helpers shared with test_huawei.py ---------------------------------------------------


class Recorder:
    """Collects a line's events; ``wait`` for one that matches."""

    def __init__(self) -> None:
        self.events: list[LineEvent] = []

    def __call__(self, event: LineEvent) -> None:
        self.events.append(event)

    def of(self, kind: str) -> list[LineEvent]:
        return [e for e in self.events if e.kind == kind]

    async def wait(self, kind: str, timeout: float = 5.0, **fields) -> LineEvent:
        def match(e: LineEvent) -> bool:
            return e.kind == kind and all(getattr(e, k) == v for k, v in fields.items())

        async def poll() -> LineEvent:
            while True:
                found = next((e for e in self.events if match(e)), None)
                if found is not None:
                    return found
                await asyncio.sleep(0.01)

        try:
            return await asyncio.wait_for(poll(), timeout)
        except TimeoutError:
            seen = "\n  ".join(e.describe() for e in self.events)
            raise AssertionError(f"no {kind} {fields} within {timeout} s; saw:\n  {seen}") from None

    async def wait_count(self, kind: str, n: int, timeout: float = 5.0, **fields) -> None:
        async def poll() -> None:
            while (
                len(
                    [e for e in self.of(kind) if all(getattr(e, k) == v for k, v in fields.items())]
                )
                < n
            ):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(poll(), timeout)


async def until(predicate, timeout: float = 5.0) -> None:
    """Wait (polling) until ``predicate()`` is true; TimeoutError after ``timeout``."""

    async def poll():
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def summary(e: LineEvent) -> tuple:
    """The parts of an event a log test compares (not times)."""
    keys = {
        "state": ("state", "reason"),
        "incoming_call": ("number", "name", "validity"),
        "caller_id": ("number", "validity"),
        "answered": ("direction",),
        "hangup": ("by", "cause", "code"),
        "progress": ("result",),
        "registration": ("status",),
        "signal": ("rssi_dbm",),
        "alarm": ("code",),
        "dtmf": ("digit", "source"),
    }[e.kind]
    values = tuple(getattr(e, k) for k in keys)
    return (e.kind, *(v.value if isinstance(v, LineState) else v for v in values))


async def run_log(name: str) -> list[tuple]:
    """A log through ``hotline modem replay``'s own path; the event summaries.

    The replay must go exactly as the log says: no command the log does not show.
    """
    path = LOGS / name
    text = path.read_text()
    entries = parse_log(text, name)
    events, report = await replay(entries, dialect_of_log(entries, text))
    assert report.mismatches == [] and report.unanswered == []
    assert summary(events[-1]) == ("state", "down", "stopped")  # the replay's own stop()
    return [summary(e) for e in events[:-1]]


def init_events(rssi: int = -73) -> list[tuple]:
    return [
        ("state", "initialising", None),
        ("registration", "registered (home)"),
        ("signal", rssi),
        ("state", "ready", None),
    ]


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
async def modem(tmp_path):
    m = GsmModemEmulator(by_id_dir=tmp_path / "by-id")
    m.ring_interval_s = 0.3
    await m.start()
    yield m
    await m.stop()


@pytest.fixture
async def make_line(tmp_path):
    lines: list[GsmLine] = []

    def make(modem: GsmModemEmulator, **kw) -> tuple[GsmLine, Recorder]:
        rec = Recorder()
        kw.setdefault("poll_interval_s", 0.1)
        kw.setdefault("reconnect_backoff", (0.1, 0.2))
        line = GsmLine(
            "gsm1",
            port=modem.path,
            opener=serial_opener(modem.path, lock_dir=tmp_path),
            on_event=rec,
            **kw,
        )
        line.settle_s = 0.05
        lines.append(line)
        return line, rec

    yield make
    for line in lines:
        await line.stop()


@pytest.fixture
async def ready(modem, make_line):
    line, rec = make_line(modem)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    yield modem, line, rec
    await line.stop()


# -- incoming calls -------------------------------------------------------------------------


async def test_answers_a_call_with_caller_id(ready):
    modem, line, rec = ready
    modem.ring("+441234567890", name="Alice")
    call = await rec.wait("incoming_call")
    assert (call.number, call.name, call.validity) == ("+441234567890", "Alice", "valid")
    assert line.state == LineState.RINGING
    await line.answer()
    modem.assert_sent("ATA")
    assert (await rec.wait("answered")).direction == "incoming"
    assert line.state == LineState.IN_CALL
    modem.caller_hangs_up()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("remote", "normal")
    await rec.wait_count("state", 2, state=LineState.READY)
    assert len(rec.of("incoming_call")) == 1  # once per call, however many rings


async def test_withheld_number(ready):
    modem, _, rec = ready
    modem.ring(None, validity=1)
    call = await rec.wait("incoming_call")
    assert (call.number, call.validity) == (None, "withheld")


async def test_caller_hangs_up_before_answer_is_seen_in_clcc(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await modem.wait_for("AT+CLCC")
    modem.caller_hangs_up()  # a plain 27.007 modem says nothing: only +CLCC tells
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("remote", "caller hung up before answer")
    await rec.wait_count("state", 2, state=LineState.READY)
    with pytest.raises(LineError, match="no ringing call"):
        await line.answer()


async def test_we_hang_up_and_reject(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.hangup()  # reject while ringing
    assert (await rec.wait("hangup")).cause == "rejected"
    modem.assert_sent("AT+CHUP")
    assert modem.calls == []
    modem.ring("+441234567891")
    await rec.wait_count("incoming_call", 2)
    await line.answer()
    await line.hangup()
    await rec.wait_count("hangup", 2, by="local")
    assert rec.of("hangup")[-1].cause == "normal"
    with pytest.raises(LineError):
        await line.hangup()


async def test_send_dtmf(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    await line.send_dtmf("12#")
    assert modem.dtmf_sent == ["1", "2", "#"]
    with pytest.raises(LineError, match="not DTMF keys"):
        await line.send_dtmf("1x")


async def test_plain_modem_has_no_host_audio(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    with pytest.raises(LineError, match="no call audio"):
        await line.start_audio()


# -- dialling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("far_end", "timeout_s", "result", "by"),
    [
        ({"answer_after_s": 0.2}, 5.0, "answered", None),
        ({"busy": True}, 5.0, "busy", "remote"),
        ({"no_answer": True, "give_up_after_s": 0.3}, 5.0, "no_answer", "remote"),
        ({"answer_after_s": None}, 0.6, "timeout", "local"),
    ],
)
async def test_dial(ready, far_end, timeout_s, result, by):
    modem, line, rec = ready
    modem.far_end(**far_end)
    assert await line.dial("+44 1234 567890", timeout_s=timeout_s) == result
    modem.assert_sent("ATD+441234567890;")
    assert ("progress", "ringing") in [summary(e) for e in rec.events]
    if result == "answered":
        assert (await rec.wait("answered")).direction == "outgoing"
        assert line.state == LineState.IN_CALL
        await line.hangup()
    else:
        assert ("progress", result) in [summary(e) for e in rec.events]
        assert (await rec.wait("hangup")).by == by
    if result == "timeout":
        modem.assert_sent("AT+CHUP")
    await rec.wait_count("state", 2, state=LineState.READY)
    assert modem.calls == []


async def test_dial_refuses_nonsense_and_a_busy_line(ready):
    modem, line, rec = ready
    with pytest.raises(LineError, match="not a number"):
        await line.dial("0800-CALL-ME")
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    with pytest.raises(LineError, match="busy with a call"):
        await line.dial("+441234567899")


# -- SIM, registration, signal --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sim", "pin", "reason", "alarm"),
    [
        ("missing", None, "no SIM card", "sim_missing"),
        ("pin", None, "SIM needs a PIN: set pin in the line's config", "sim_pin_needed"),
        ("pin", "0000", "SIM PIN is wrong", "sim_pin_wrong"),
        ("puk", None, "SIM is blocked: it needs its PUK (unblock it in a phone)", "sim_puk"),
    ],
)
async def test_sim_problems_say_so(modem, make_line, sim, pin, reason, alarm):
    modem.sim = sim
    line, rec = make_line(modem, pin=pin)
    await line.start()
    down = await rec.wait("state", state=LineState.DOWN)
    assert down.reason == reason
    assert (await rec.wait("alarm")).code == alarm
    if pin:  # a wrong PIN is tried once, and never again (three lock the SIM)
        await line.reset()
        await rec.wait_count("state", 2, state=LineState.DOWN, reason=reason)
        assert [c for c in modem.sent if c.startswith("AT+CPIN=")] == ['AT+CPIN="0000"']
        assert modem.pin_attempts == 2
    await line.stop()


async def test_sim_inserted_later(modem, make_line):
    modem.sim = "missing"
    line, rec = make_line(modem)
    await line.start()
    assert (await rec.wait("state", state=LineState.DOWN)).reason == "no SIM card"
    modem.sim = "ready"
    modem.inject("+CPIN: READY")  # what the modem prints when a SIM becomes ready
    await rec.wait("state", state=LineState.READY)
    assert rec.of("alarm")[-1].code == "sim_missing"  # no 'restarted' alarm for this


async def test_pin_from_config_unlocks_the_sim(modem, make_line):
    modem.sim = "pin"
    line, rec = make_line(modem, pin="1234")
    await line.start()
    await rec.wait("state", state=LineState.READY)
    modem.assert_sent('AT+CPIN="1234"')
    await line.stop()


@pytest.mark.parametrize(
    ("stat", "reason"),
    [(2, "not registered: searching"), (3, "registration denied by the network")],
)
async def test_not_registered_then_registered(modem, make_line, stat, reason):
    modem.registration = stat
    modem.csq = (99, 99)
    line, rec = make_line(modem)
    await line.start()
    assert (await rec.wait("state", state=LineState.DOWN)).reason == reason
    assert (await rec.wait("signal")).rssi_dbm is None
    modem.set_registration(5)
    await rec.wait("registration", status="registered (roaming)")
    await rec.wait("state", state=LineState.READY)
    await line.stop()


async def test_trace_sees_both_directions(ready):
    modem, line, rec = ready
    seen: list[tuple[str, bytes]] = []
    line.trace = lambda direction, data: seen.append((direction, data))
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    assert (">", b"ATA\r") in seen
    assert any(d == "<" and b"+CLIP" in data for d, data in seen)


async def test_signal_in_dbm(ready):
    _, _, rec = ready
    assert rec.of("signal")[0].rssi_dbm == -113 + 2 * 20


# -- faults -----------------------------------------------------------------------------------


async def test_unplug_mid_call_and_replug(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    modem.unplug()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem unplugged")
    assert (await rec.wait("state", state=LineState.DOWN)).reason == "modem unplugged"
    assert (await rec.wait("alarm")).code == "modem_unplugged"
    await modem.replug()  # a new tty behind the same by-id name
    await rec.wait_count("state", 2, state=LineState.READY)
    modem.ring("+441234567890")
    await rec.wait_count("incoming_call", 2)
    await line.answer()


async def test_reboot_mid_call(ready):
    modem, line, rec = ready
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    modem.reboot()
    ended = await rec.wait("hangup")
    assert (ended.by, ended.cause) == ("line", "modem restarted")
    assert (await rec.wait("alarm")).code == "modem_restarted"
    await rec.wait_count("state", 2, state=LineState.READY)
    assert len([c for c in modem.sent if c == "ATE0"]) == 2
    assert len(rec.of("hangup")) == 1


async def test_unknown_dialect_in_config_is_a_down_line(modem, make_line):
    line, rec = make_line(modem, dialect="nokia")
    await line.start()
    down = await rec.wait("state", state=LineState.DOWN)
    assert "unknown GSM modem dialect 'nokia'" in down.reason and "huawei" in down.reason


async def test_modem_missing_at_start_then_plugged(tmp_path, make_line):
    modem = GsmModemEmulator(by_id_dir=tmp_path / "by-id")
    line, rec = make_line(modem)
    await line.start()
    down = await rec.wait("state", state=LineState.DOWN)
    assert "does not exist" in down.reason
    assert (await rec.wait("alarm")).code == "modem_missing"
    await modem.start()
    await rec.wait("state", state=LineState.READY)
    await line.stop()
    await modem.stop()


async def test_garbage_on_the_line_changes_nothing(ready):
    modem, line, rec = ready
    modem.garbage()
    modem.garbage(b'+CLCC: 1,1,\r\n+CLIP: "unterminated\r\n+CREG: x\r\n\xff\xfe\r')
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    modem.garbage()
    await line.answer()
    modem.garbage(b"\r\n+CSQ: 1000,1\r\n^WHAT:1\r\n")
    await line.send_dtmf("5")
    modem.caller_hangs_up()
    await rec.wait("hangup")
    assert [e.state for e in rec.of("state")].count(LineState.DOWN) == 0


async def test_slow_modem(modem, make_line):
    modem.delay_s = 0.15
    line, rec = make_line(modem)
    await line.start()
    await rec.wait("state", state=LineState.READY)
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()
    assert line.state == LineState.IN_CALL
    await line.stop()


async def test_a_command_that_times_out_is_survived(modem, make_line):
    modem.silent["AT+CSQ"] = 1  # the modem swallows it once
    line, rec = make_line(modem)
    line.command_timeout_s = 0.5
    await line.start()
    await rec.wait("state", state=LineState.READY)
    assert rec.of("signal") == []
    modem.ring("+441234567890")
    await rec.wait("incoming_call")
    await line.answer()  # the channel resynchronised with a plain AT first
    assert modem.sent.count("AT") >= 2
    await line.stop()


# -- the same, from logs ------------------------------------------------------------------------

RINGING = [("state", "ringing", None)]
READY_AGAIN = [("state", "ready", None)]

GENERIC_LOGS = {
    "gsm_generic_incoming_answered.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", "+441234567890", "Alice", "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("hangup", "remote", "normal", None),
        *READY_AGAIN,
    ],
    "gsm_generic_withheld_abandoned.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", None, None, "withheld"),
        ("hangup", "remote", "caller hung up before answer", None),
        *READY_AGAIN,
    ],
    "gsm_generic_dial_busy.log": [
        *init_events(),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("progress", "busy"),
        ("hangup", "remote", "busy", None),
        *READY_AGAIN,
    ],
    "gsm_generic_dial_answered.log": [
        *init_events(),
        ("state", "in_call", None),
        ("progress", "ringing"),
        ("answered", "outgoing"),
        ("hangup", "local", "normal", None),
        *READY_AGAIN,
    ],
    "gsm_generic_sim_pin_needed.log": [
        ("state", "initialising", None),
        ("state", "down", "SIM needs a PIN: set pin in the line's config"),
        ("alarm", "sim_pin_needed"),
    ],
    "gsm_generic_no_sim.log": [
        ("state", "initialising", None),
        ("state", "down", "no SIM card"),
        ("alarm", "sim_missing"),
    ],
    "gsm_generic_not_registered.log": [
        ("state", "initialising", None),
        ("registration", "searching"),
        ("signal", None),
        ("state", "down", "not registered: searching"),
        ("registration", "registered (home)"),
        *READY_AGAIN,
    ],
    "gsm_generic_reboot_in_call.log": [
        *init_events(),
        *RINGING,
        ("incoming_call", "+441234567890", None, "valid"),
        ("state", "in_call", None),
        ("answered", "incoming"),
        ("hangup", "line", "modem restarted", None),
        ("alarm", "modem_restarted"),
        ("state", "initialising", "modem restarted"),
        ("registration", "registered (home)"),
        ("signal", -73),
        *READY_AGAIN,
    ],
}


async def run_logs(names: list[str]) -> dict[str, list[tuple]]:
    """Several logs at once: each mostly waits for the driver's 1 s +CLCC timer."""
    return dict(zip(names, await asyncio.gather(*(run_log(n) for n in names)), strict=True))


async def test_replay_generic_logs():
    assert await run_logs(sorted(GENERIC_LOGS)) == GENERIC_LOGS


def test_every_generic_log_has_a_replay_test():
    assert sorted(p.name for p in LOGS.glob("gsm_generic_*.log")) == sorted(GENERIC_LOGS)


async def test_late_boot_lines_are_the_same_restart_not_a_second(ready):
    modem, line, rec = ready
    line.settle_s = 0.05
    modem.inject("RDY")
    await rec.wait("alarm")
    await rec.wait_count("state", 2, state=LineState.READY)
    await asyncio.sleep(0.3)  # re-initialised; now the SIM reports, as it does seconds later
    modem.inject("+CPIN: READY")
    await asyncio.sleep(0.3)
    assert len(rec.of("alarm")) == 1
    assert len([c for c in modem.sent if c == "ATE0"]) == 2
