"""The station panel and the panic buttons on gpiozero's own ``MockFactory`` pins.

What runs where:

* **gpiozero's mock pins** (everything here): LEDs, the RGB LED (``MockPWMPin``, so it
  dims), the buzzer and buttons are real gpiozero devices; a button press is
  ``pin.drive_low()`` called from a worker thread, as gpiozero's own callback thread
  would. Blinking runs on gpiozero's background threads in real time, so blink tests
  only check that a pin toggles, within a bounded wait; no test asserts a duration.
* **Virtual clock**: debounce, long presses, panic holds and the buzzer's delay run
  on the panel's ``Clock``; the tests move it with ``advance``.
* **Hardware only** (not here): lgpio on a real Pi, real contact bounce, LED colours
  to the eye. ``hw/README.md`` says how to wire a panel to try it.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
import tomllib

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockPWMPin

from firmware.clock import VirtualClock
from firmware.config import EXAMPLE, parse_config
from firmware.config.errors import ConfigError
from firmware.config.stations import PanicButton, Station
from firmware.panel import (
    PIN_FACTORY_ENV,
    Panel,
    PanelError,
    PanelInput,
    PanicPanel,
    make_pin_factory,
    open_panels,
)
from firmware.panel_buttons import PressTracker
from firmware.panel_lights import (
    AMBER,
    BLINK,
    FAST,
    GREEN,
    OFF,
    RED,
    SLOW,
    STATES,
    STEADY,
    Pattern,
    code_values,
    look,
)

REASONS = ("break", "lunch", "training")
ALL_LEDS = {"ready": 12, "ringing": 13, "on_call": 19, "wrapup": 20, "paused": 21, "alarm": 22}
BOUNDED_S = 3.0  # the longest a test waits for a blinking pin to toggle


# --- helpers ---------------------------------------------------------------------------


def station(**kw) -> Station:
    data = {"headset": "Test headset", "long_press_s": 1.0, "debounce_s": 0.05, **kw}
    return Station.model_validate(data)


class Rig:
    """A panel on mock pins, a virtual clock, and the inputs it delivered."""

    def __init__(self, factory: MockFactory, clock: VirtualClock) -> None:
        self.factory, self.clock = factory, clock
        self.inputs: list[PanelInput] = []
        self.threads: list[int] = []

    def on_input(self, item: PanelInput) -> None:
        self.inputs.append(item)
        self.threads.append(threading.get_ident())

    def panel(self, **kw) -> Panel:
        return Panel(
            "desk1",
            station(**kw),
            loop=asyncio.get_running_loop(),
            on_input=self.on_input,
            pin_factory=self.factory,
            clock=self.clock,
            reasons=REASONS,
        )

    def pin(self, n: int):
        return self.factory.pin(n)

    async def drive(self, n: int, *levels: bool) -> None:
        """Drive a button pin (True: released/high, False: pressed/low) from another
        thread, the way gpiozero's own thread reports edges, then let the loop run."""
        pin = self.pin(n)

        def run() -> None:
            for level in levels:
                pin.drive_high() if level else pin.drive_low()

        await asyncio.to_thread(run)
        for _ in range(5):
            await asyncio.sleep(0)

    async def press(self, n: int) -> None:
        await self.drive(n, False)

    async def release(self, n: int) -> None:
        await self.drive(n, True)

    def actions(self) -> list[str]:
        return [i.action for i in self.inputs]


@pytest.fixture
def factory():
    f = MockFactory(pin_class=MockPWMPin)
    yield f
    f.close()


@pytest.fixture
def rig(factory):
    return Rig(factory, VirtualClock())


def lit(pin) -> bool:
    return bool(pin.state)


async def toggles(pin) -> bool:
    """Whether the pin goes through at least two changes within BOUNDED_S (real time)."""
    pin.clear_states()
    deadline = time.monotonic() + BOUNDED_S
    while time.monotonic() < deadline:
        if len(pin.states) >= 3:
            return True
        await asyncio.sleep(0.01)
    return False


async def stays(pin, seconds: float = 0.3) -> bool:
    """Whether the pin does not change for ``seconds`` (longer than a normal blink)."""
    pin.clear_states()
    await asyncio.sleep(seconds)
    return len(pin.states) == 1


# --- the policy: which light shows what (pure) -----------------------------------------

FULL = frozenset(ALL_LEDS)
BASIC = frozenset({"ready", "ringing", "on_call"})


@pytest.mark.parametrize(
    ("state", "leds", "expected"),
    [
        ("logged_out", FULL, {}),
        ("ready", FULL, {"ready": STEADY}),
        ("offered", FULL, {"ringing": BLINK}),
        ("on_call", FULL, {"on_call": STEADY}),
        ("wrap_up", FULL, {"wrapup": SLOW}),
        ("paused", FULL, {"paused": STEADY}),
        # a station with three LEDs: same-colour stand-ins
        ("wrap_up", BASIC, {"ready": SLOW}),
        ("paused", BASIC, {"ringing": STEADY}),
        ("offered", frozenset({"ready", "paused"}), {"paused": BLINK}),
        ("on_call", frozenset({"ready", "alarm"}), {}),  # alarm LED is for alarms only
    ],
)
def test_look_single_leds(state, leds, expected):
    got = look(state, leds=leds, rgb=False)
    assert {k: v for k, v in got.items() if v != OFF} == expected
    assert set(got) == set(leds)  # every light has a pattern: the rest are off


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("logged_out", OFF),
        ("ready", STEADY.colored(GREEN)),
        ("offered", BLINK.colored(AMBER)),
        ("on_call", STEADY.colored(RED)),
        ("wrap_up", SLOW.colored(GREEN)),
        ("paused", STEADY.colored(AMBER)),
    ],
)
def test_look_rgb(state, expected):
    assert look(state, leds=frozenset(), rgb=True) == {"rgb": expected}


def test_blink_rates_differ_as_the_issue_says():
    # offered "blinking", wrap-up "slow blink", alarm "fast": ordered by period.
    assert FAST.on_s < BLINK.on_s < SLOW.on_s
    assert FAST.off_s < BLINK.off_s < SLOW.off_s


def test_alarm_blinks_fast_red_over_the_state():
    assert look("ready", leds=FULL, rgb=False, alarm=True)["alarm"] == FAST
    assert look("ready", leds=FULL, rgb=False, alarm=True)["ready"] == STEADY
    # no alarm LED: the red on-call LED carries it, over the state
    assert look("on_call", leds=BASIC, rgb=False, alarm=True)["on_call"] == FAST
    # RGB alone: fast red wins; RGB + an alarm LED: the RGB keeps the state
    assert look("ready", leds=frozenset(), rgb=True, alarm=True)["rgb"] == FAST.colored(RED)
    both = look("ready", leds=frozenset({"alarm"}), rgb=True, alarm=True)
    assert both == {"alarm": FAST, "rgb": STEADY.colored(GREEN)}


def test_reason_number_blinks_on_the_amber_light():
    assert look("ready", leds=FULL, rgb=False, code=2)["paused"] == Pattern("code", count=2)
    assert look("ready", leds=BASIC, rgb=False, code=1)["ringing"] == Pattern("code", count=1)
    assert look("ready", leds=frozenset(), rgb=True, code=3)["rgb"] == Pattern(
        "code", count=3, color=AMBER
    )
    assert code_values(2, 1, 0) == [1, 0, 1, 0, 0, 0, 0, 0]


def test_unknown_state_is_refused():
    with pytest.raises(ValueError, match="'busy' is not a panel state"):
        look("busy", leds=FULL, rgb=False)


# --- lights on mock pins ----------------------------------------------------------------


async def test_every_state_on_single_leds(rig):
    panel = rig.panel(leds=ALL_LEDS)
    try:
        assert not any(lit(rig.pin(p)) for p in ALL_LEDS.values())  # logged out
        for state, led in [("ready", "ready"), ("on_call", "on_call"), ("paused", "paused")]:
            panel.show(state)
            on = [name for name, p in ALL_LEDS.items() if lit(rig.pin(p))]
            assert on == [led], state
            assert await stays(rig.pin(ALL_LEDS[led])), f"{state}: {led} should be steady"
        for state, led in [("offered", "ringing"), ("wrap_up", "wrapup")]:
            panel.show(state)
            assert await toggles(rig.pin(ALL_LEDS[led])), f"{state}: {led} should blink"
            others = [p for name, p in ALL_LEDS.items() if name != led]
            assert not any(lit(rig.pin(p)) for p in others), state
        panel.show("logged_out")
        assert not any(lit(rig.pin(p)) for p in ALL_LEDS.values())
    finally:
        panel.close()


async def test_alarm_blinks_over_the_state(rig):
    panel = rig.panel(leds={"ready": 12, "ringing": 13, "on_call": 19})
    try:
        panel.show("on_call", alarm=True)  # e.g. the line went down mid-call
        assert await toggles(rig.pin(19))
        panel.show("on_call")
        assert lit(rig.pin(19)) and await stays(rig.pin(19))
    finally:
        panel.close()


async def test_rgb_colours(rig):
    panel = rig.panel(rgb={"red": 7, "green": 8, "blue": 9})
    r, g, b = rig.pin(7), rig.pin(8), rig.pin(9)
    try:
        panel.show("ready")
        assert (r.state, g.state, b.state) == GREEN
        panel.show("paused", reason="lunch")
        assert (r.state, g.state, b.state) == pytest.approx(AMBER)
        panel.show("on_call")
        assert (r.state, g.state, b.state) == RED
        panel.show("offered")
        assert await toggles(r) and b.state == 0
        panel.show("wrap_up")
        assert await toggles(g) and r.state == 0
        panel.show("ready", alarm=True)
        assert await toggles(r) and g.state == 0
    finally:
        panel.close()
    assert (r.state, g.state, b.state) == (0, 0, 0)


async def test_rgb_common_anode_inverts(rig):
    panel = rig.panel(rgb={"red": 7, "green": 8, "blue": 9, "common_anode": True})
    try:
        panel.show("ready")
        assert (rig.pin(7).state, rig.pin(8).state, rig.pin(9).state) == (1, 0, 1)
    finally:
        panel.close()


async def test_rgb_without_pwm_pins_uses_full_colours():
    factory = MockFactory()  # plain MockPin: no PWM
    rig = Rig(factory, VirtualClock())
    panel = rig.panel(rgb={"red": 7, "green": 8, "blue": 9})
    try:
        assert panel.lights.rgb_pwm is False
        panel.show("paused")
        assert (rig.pin(7).state, rig.pin(8).state, rig.pin(9).state) == (1, 1, 0)
    finally:
        panel.close()
        factory.close()


async def test_buzzer_after_an_offered_call_has_rung(rig):
    panel = rig.panel(leds={"ringing": 13}, buzzer=26, buzzer_after_s=10)
    buzzer = rig.pin(26)
    try:
        panel.show("offered")
        await rig.clock.advance(9.9)
        assert await stays(buzzer, 0.2) and not lit(buzzer)
        await rig.clock.advance(0.2)
        assert await toggles(buzzer)  # beeping
        panel.show("offered")  # told again: no restart, still beeping
        assert await toggles(buzzer)
        panel.show("on_call")
        assert not lit(buzzer) and await stays(buzzer)
        # answered in time: never buzzes
        panel.show("offered")
        await rig.clock.advance(5)
        panel.show("on_call")
        await rig.clock.advance(60)
        assert not lit(buzzer) and await stays(buzzer, 0.1)
    finally:
        panel.close()


async def test_unknown_state_leaves_the_panel_as_it_was(rig):
    panel = rig.panel(leds={"ready": 12})
    try:
        panel.show("ready")
        with pytest.raises(ValueError, match="'busy' is not a panel state"):
            panel.show("busy")
        assert panel.state == "ready" and lit(rig.pin(12))
    finally:
        panel.close()


# --- buttons ----------------------------------------------------------------------------


async def test_answer_button_and_thread_handover(rig):
    panel = rig.panel(buttons={"answer": 6})
    loop_thread = threading.get_ident()
    try:
        await rig.press(6)
        assert rig.actions() == ["answer_toggle"]
        assert rig.inputs[0] == PanelInput("desk1", "answer_toggle")
        assert rig.threads == [loop_thread]  # pressed on a worker thread, delivered on the loop
        await rig.release(6)
        await rig.clock.advance(0.1)
        await rig.press(6)
        assert rig.actions() == ["answer_toggle", "answer_toggle"]
    finally:
        panel.close()


async def test_debounce_bouncy_press_and_release_count_once(rig):
    panel = rig.panel(buttons={"answer": 6})
    try:
        await rig.drive(6, False, True, False, True, False)  # contact bounce, settles low
        assert rig.actions() == ["answer_toggle"]
        await rig.clock.advance(0.05)  # lock over: still pressed, nothing new
        await rig.drive(6, True, False, True, False, True)  # release bounce
        await rig.clock.advance(0.05)
        assert rig.actions() == ["answer_toggle"]
        await rig.press(6)  # a new, clean press after the bounce counts
        assert rig.actions() == ["answer_toggle", "answer_toggle"]
    finally:
        panel.close()


async def test_without_debounce_every_bounce_counts(rig):
    # The same bounce with debounce_s = 0: proves the test above can fail.
    panel = rig.panel(buttons={"answer": 6}, debounce_s=0)
    try:
        await rig.drive(6, False, True, False, True, False)
        assert rig.actions() == ["answer_toggle"] * 3
    finally:
        panel.close()


async def test_tap_shorter_than_the_lock_is_press_and_release(rig):
    panel = rig.panel(buttons={"ready": 5})
    try:
        await rig.drive(5, False, True)  # down and up inside the debounce lock
        assert rig.actions() == []  # 'ready' acts on release…
        await rig.clock.advance(0.05)  # …which the end of the lock sees
        assert rig.actions() == ["ready_toggle"]
    finally:
        panel.close()


async def test_ready_short_press_toggles_on_release(rig):
    panel = rig.panel(buttons={"ready": 5})
    try:
        await rig.press(5)
        await rig.clock.advance(0.5)
        assert rig.actions() == []
        await rig.release(5)
        assert rig.inputs == [PanelInput("desk1", "ready_toggle")]
    finally:
        panel.close()


async def test_long_press_cycles_reasons_shown_by_blinks(rig):
    panel = rig.panel(buttons={"ready": 5}, leds={"ready": 12, "ringing": 13, "on_call": 19})
    amber = rig.pin(13)
    try:
        panel.show("ready")
        await rig.press(5)
        await rig.clock.advance(1.0)  # long press: the first reason
        assert panel.choosing == 0
        assert panel.lights.shown["ringing"] == Pattern("code", count=1)
        assert await toggles(amber)
        await rig.clock.advance(1.0)
        assert panel.choosing == 1
        assert panel.lights.shown["ringing"] == Pattern("code", count=2)
        await rig.release(5)
        assert rig.inputs == [PanelInput("desk1", "pause_reason", reason="lunch")]
        # released: the lights show what the engine said (still ready) until told otherwise
        assert panel.choosing is None and panel.lights.shown["ringing"] == OFF
        assert lit(rig.pin(12)) and await stays(amber)
    finally:
        panel.close()


async def test_long_press_wraps_around_the_reasons(rig):
    panel = rig.panel(buttons={"ready": 5})
    try:
        await rig.press(5)
        await rig.clock.advance(1.0 * (len(REASONS) + 1))  # one past the last
        await rig.release(5)
        assert rig.inputs == [PanelInput("desk1", "pause_reason", reason="break")]
    finally:
        panel.close()


async def test_pause_button_tap_and_hold(rig):
    panel = rig.panel(buttons={"pause": 6}, rgb={"red": 7, "green": 8, "blue": 9})
    try:
        await rig.press(6)
        assert panel.lights.shown["rgb"] == Pattern("code", count=1, color=AMBER)
        await rig.clock.advance(0.1)
        await rig.release(6)
        await rig.clock.advance(0.1)
        await rig.press(6)
        await rig.clock.advance(2.0)
        await rig.release(6)
        assert [i.reason for i in rig.inputs] == ["break", "training"]
        assert rig.actions() == ["pause_reason", "pause_reason"]
    finally:
        panel.close()


async def test_other_buttons_give_their_action(rig):
    panel = rig.panel(buttons={"hangup": 5, "transfer": 6, "mute": 16}, ack_button=20)
    try:
        for pin in (5, 6, 16, 20):
            await rig.press(pin)
        assert rig.actions() == ["hangup", "transfer", "mute", "panic_ack"]
    finally:
        panel.close()


async def test_button_held_at_start_up_counts_only_when_pressed_again(rig):
    rig.pin(6).drive_low()  # stuck or leant on while the box starts
    panel = rig.panel(buttons={"answer": 6})
    try:
        await rig.release(6)
        assert rig.actions() == []
        await rig.clock.advance(0.1)
        await rig.press(6)
        assert rig.actions() == ["answer_toggle"]
    finally:
        panel.close()


async def test_a_failing_handler_does_not_stop_the_panel(rig, caplog):
    calls = []

    def on_input(item):
        calls.append(item)
        raise RuntimeError("handler bug")

    panel = Panel(
        "desk1",
        station(buttons={"answer": 6}),
        loop=asyncio.get_running_loop(),
        on_input=on_input,
        pin_factory=rig.factory,
        clock=rig.clock,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="hotline.panel"):
            await rig.press(6)
            await rig.release(6)
            await rig.clock.advance(0.1)
            await rig.press(6)
        assert len(calls) == 2
        assert "handler bug" in caplog.text
    finally:
        panel.close()


# --- supervisor alarm and panic buttons -------------------------------------------------


async def test_panic_alarm_lit_until_the_engine_puts_it_out(rig):
    panel = rig.panel(leds={"ready": 12, "alarm": 14}, ack_button=15)
    alarm = rig.pin(14)
    try:
        panel.show("ready")
        panel.show_alarm(True)
        assert await toggles(alarm) and lit(rig.pin(12))
        await rig.press(15)
        assert rig.inputs == [PanelInput("desk1", "panic_ack")]
        assert await toggles(alarm)  # the panel waits to be told
        panel.show("on_call")  # state changes do not put it out either
        assert await toggles(alarm)
        panel.show_alarm(False)
        assert not lit(alarm) and await stays(alarm)
    finally:
        panel.close()


def panic(rig: Rig, **kw) -> PanicPanel:
    cfg = PanicButton.model_validate({"pin": 4, "hold_s": 0.5, "hold_alarm_s": 3.0, **kw})
    return PanicPanel(
        "front",
        cfg,
        loop=asyncio.get_running_loop(),
        on_input=rig.on_input,
        pin_factory=rig.factory,
        clock=rig.clock,
    )


async def test_panic_needs_hold_s(rig):
    button = panic(rig, stations=["desk1", "desk2"])
    try:
        await rig.press(4)
        await rig.clock.advance(0.4)
        await rig.release(4)  # a bump: nothing
        await rig.clock.advance(5)
        assert rig.inputs == []
        await rig.press(4)
        await rig.clock.advance(0.5)
        assert rig.inputs == [
            PanelInput(None, "panic", button="front", stations=("desk1", "desk2"))
        ]
        await rig.release(4)  # released before 3 s: no long-hold alarm
        await rig.clock.advance(5)
        assert rig.actions() == ["panic"]
    finally:
        button.close()


async def test_panic_held_3s_gives_panic_hold(rig):
    button = panic(rig, stations=["desk3"])
    loop_thread = threading.get_ident()
    try:
        await rig.press(4)
        await rig.clock.advance(2.9)
        assert rig.actions() == ["panic"]
        await rig.clock.advance(0.1)
        assert rig.inputs[-1] == PanelInput(
            "desk3", "panic_hold", button="front", stations=("desk3",)
        )
        await rig.clock.advance(10)  # held on: nothing more
        await rig.release(4)
        assert rig.actions() == ["panic", "panic_hold"]
        assert set(rig.threads) == {loop_thread}
    finally:
        button.close()


async def test_panic_with_no_hold_time_fires_at_the_press(rig):
    button = panic(rig, hold_s=0)
    try:
        await rig.drive(4, False, True, False)  # bounce: still one panic
        assert rig.actions() == ["panic"]
        assert rig.inputs[0].station is None and rig.inputs[0].stations == ()
    finally:
        button.close()


def test_tracker_refuses_decreasing_holds():
    with pytest.raises(ValueError, match="must increase"):
        PressTracker(VirtualClock(), debounce_s=0, holds=(3.0, 0.5))


# --- pins: release, conflicts, factories ------------------------------------------------


async def test_close_releases_pins_and_silences_buttons(rig):
    panel = rig.panel(buttons={"answer": 6}, leds={"ready": 12})
    panel.show("ready")
    panel.close()
    assert not lit(rig.pin(12))
    again = rig.panel(buttons={"answer": 6}, leds={"ready": 12})  # free again
    try:
        again.show("ready")
        assert lit(rig.pin(12))
    finally:
        again.close()
    await rig.press(6)
    assert rig.inputs == []
    panel.close()  # twice is harmless


async def test_pin_in_use_names_the_station_and_releases_the_rest(rig):
    first = rig.panel(leds={"ready": 12})
    try:
        with pytest.raises(PanelError, match="station desk1: cannot open its GPIO pins"):
            rig.panel(leds={"ringing": 13}, buttons={"answer": 12})
        other = rig.panel(leds={"ringing": 13})  # 13 was released by the failed panel
        other.close()
    finally:
        first.close()


def test_make_pin_factory_mock_and_env(monkeypatch):
    monkeypatch.delenv(PIN_FACTORY_ENV, raising=False)
    f = make_pin_factory("mock")
    assert isinstance(f, MockFactory) and f.pin_class is MockPWMPin
    f.close()
    monkeypatch.setenv(PIN_FACTORY_ENV, "mock")
    f = make_pin_factory()
    assert isinstance(f, MockFactory)
    f.close()
    monkeypatch.setenv(PIN_FACTORY_ENV, "pigeon")
    with pytest.raises(PanelError, match=r"'pigeon' is not one of auto, mock \(from the \$HOTL"):
        make_pin_factory()
    f = make_pin_factory("mock")  # the caller's choice wins over the environment
    assert isinstance(f, MockFactory)
    f.close()


def test_auto_is_gpiozero_default_which_honours_its_own_env(monkeypatch):
    # On a Pi "auto" is lgpio; here gpiozero's own variable points it at its mock.
    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    f = make_pin_factory("auto")
    try:
        assert isinstance(f, MockFactory) and Device.pin_factory is f
    finally:
        f.close()


# --- from the config --------------------------------------------------------------------


def example() -> dict:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


async def test_open_panels_from_the_example_config(rig):
    cfg = parse_config(example(), base_dir=EXAMPLE.parent)
    panels = open_panels(
        cfg,
        loop=asyncio.get_running_loop(),
        on_input=rig.on_input,
        pin_factory=rig.factory,
        clock=rig.clock,
    )
    try:
        assert set(panels.stations) == set(cfg.stations)
        assert set(panels.panic) == set(cfg.panic)
        assert panels.stations["desk1"].reasons == tuple(cfg.acd.pause_reasons)
        panels.show_alarm(True)  # desk4 has the acknowledge button and the alarm LED
        assert await toggles(rig.pin(cfg.stations["desk4"].leds["alarm"]))
        assert not panels.stations["desk1"].panic_alarm
        await rig.press(cfg.stations["desk4"].ack_button)
        await rig.press(cfg.panic["supervisor"].pin)
        await rig.clock.advance(cfg.panic["supervisor"].hold_s)
        assert rig.actions() == ["panic_ack", "panic"]
        assert rig.inputs[1].stations == ("desk1", "desk2", "desk3")
    finally:
        panels.close()
    # every pin released: the whole set opens again
    again = open_panels(
        cfg, loop=asyncio.get_running_loop(), on_input=rig.on_input, pin_factory=rig.factory
    )
    again.close()


def test_example_uses_every_pin_once():
    cfg = parse_config(example(), base_dir=EXAMPLE.parent)
    pins = []
    for st in cfg.stations.values():
        pins += [*st.buttons.values(), *st.leds.values()]
        pins += [p for p in (st.buzzer, st.ack_button) if p is not None]
        if st.rgb:
            pins += [st.rgb.red, st.rgb.green, st.rgb.blue]
    pins += [b.pin for b in cfg.panic.values()]
    pins += [line.ring_pin for line in cfg.lines.values() if line.kind == "fxo"]
    pins += [line.hook_pin for line in cfg.lines.values() if line.kind == "fxo"]
    assert sorted(pins) == list(range(2, 28))  # hw/README.md's pin map: all 26 GPIOs


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: d["stations"]["desk3"]["rgb"].update(blue=12),
            "stations.desk3.rgb.blue: pin 12 is already used by stations.desk1.leds.ready",
        ),
        (
            lambda d: d["stations"]["desk2"].update(buzzer=26),
            "stations.desk2.buzzer: pin 26 is already used by stations.desk1.buzzer",
        ),
        (
            lambda d: d["stations"]["desk4"].update(ack_button=4),
            "panic.supervisor.pin: pin 4 is already used by stations.desk4.ack_button",
        ),
        (
            lambda d: d["panic"]["supervisor"].update(stations=["desk1", "desk9"]),
            "panic.supervisor.stations[1]: 'desk9' is not a station "
            "(expected one of desk1, desk2, desk3, desk4)",
        ),
        (
            lambda d: d["panic"]["supervisor"].update(hold_alarm_s=0.5),
            "panic.supervisor.hold_alarm_s: 0.5 is not more than hold_s (expected more than 0.5)",
        ),
        (
            lambda d: d["stations"]["desk3"]["rgb"].update(red=1),
            "stations.desk3.rgb.red: 1 is a reserved pin (expected 2-27: BCM 0 and 1 belong "
            "to the HAT ID EEPROM)",
        ),
        (
            lambda d: d["stations"]["desk1"].update(long_press_s=0),
            "stations.desk1.long_press_s: 0 is too small (expected more than 0)",
        ),
    ],
)
def test_panel_config_problems(edit, expected):
    data = copy.deepcopy(example())
    edit(data)
    with pytest.raises(ConfigError) as exc:
        parse_config(data, base_dir=EXAMPLE.parent)
    assert expected in exc.value.problems, "\n".join(exc.value.problems)


def test_states_are_the_acd_states():
    assert STATES == ("logged_out", "ready", "offered", "on_call", "wrap_up", "paused")
