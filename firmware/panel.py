"""A station's GPIO panel (lights, buttons, buzzer) and the panic buttons, via gpiozero.

The panel is a narrow edge between the call engine and the desk:

* lights show what they are told: :meth:`Panel.show` with the agent state the engine
  reported. The panel never keeps its own idea of the agent's state.
* buttons become :class:`PanelInput` values handed to ``on_input`` **on the event
  loop** (gpiozero calls back on its own threads; see :mod:`firmware.panel_buttons`).
  The engine decides what an input means in the state the agent is in.

Pins come from gpiozero's own factories: on a Pi its default (lgpio; Pi 4 and Pi 5),
in tests and the demo ``MockFactory`` — :func:`make_pin_factory` picks one. Policy of
the lights: :mod:`firmware.panel_lights`; wiring and the pin map: ``hw/README.md``.

Button meanings (``[stations.<name>].buttons``)::

    ready      press: "ready_toggle" (on release); held long_press_s: choose a reason,
               each further long_press_s the next one, shown as a blink count on the
               amber light; release: "pause_reason" with the reason shown
    pause      like a held 'ready' from the first reason on: a tap pauses with the first
    answer     "answer_toggle" (answer an offered call / hang up)
    hangup, transfer, mute   that action
    ack_button "panic_ack" (the supervisor acknowledges the panic alarm)

A panic button gives "panic" once held ``hold_s`` and "panic_hold" at
``hold_alarm_s``; the engine decides what a panic means with or without a call.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .clock import Clock, RealClock, Timer
from .panel_buttons import ButtonWatch, PressTracker
from .panel_lights import Lights, check_state, look

log = logging.getLogger("hotline.panel")

Action = Literal[
    "ready_toggle",
    "answer_toggle",
    "pause_reason",
    "hangup",
    "transfer",
    "mute",
    "panic_ack",
    "panic",
    "panic_hold",
]

#: Environment variable naming the pin factory when the caller does not.
PIN_FACTORY_ENV = "HOTLINE_PIN_FACTORY"
PIN_FACTORIES = ("auto", "mock")
#: Panic buttons: contact bounce ignored (their hold_s does the rest).
PANIC_DEBOUNCE_S = 0.05


@dataclass(frozen=True, slots=True)
class PanelInput:
    """Something a person did at a panel."""

    station: str | None  # the station; a panic button covering several: None
    action: Action
    reason: str | None = None  # "pause_reason": the reason chosen
    button: str | None = None  # panic: the [panic.<name>] pressed
    stations: tuple[str, ...] = ()  # panic: the stations it covers (empty: all)


class PanelError(RuntimeError):
    """A panel that cannot have its pins (in use, no GPIO, unknown factory)."""


def make_pin_factory(choice: str | None = None) -> Any:
    """gpiozero's pin factory for every panel and FXO line of a box (share the one).

    ``choice`` (or ``$HOTLINE_PIN_FACTORY`` when it is None): ``"auto"``, gpiozero's
    default (lgpio on a Pi; ``$GPIOZERO_PIN_FACTORY`` picks another) or ``"mock"``,
    gpiozero's ``MockFactory`` with PWM-capable mock pins (so RGB LEDs dim).
    """
    source = "argument"
    if choice is None:
        choice, source = os.environ.get(PIN_FACTORY_ENV) or "auto", f"${PIN_FACTORY_ENV}"
    if choice == "mock":
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        return MockFactory(pin_class=MockPWMPin)
    if choice != "auto":
        raise PanelError(
            f"pin factory {choice!r} is not one of {', '.join(PIN_FACTORIES)} (from the {source})"
        )
    from gpiozero import Device

    try:
        Device.ensure_pin_factory()
    except Exception as exc:
        raise PanelError(
            f"no GPIO pin factory could be loaded ({exc}): not a Raspberry Pi, or lgpio "
            f"missing (apt install python3-lgpio); {PIN_FACTORY_ENV}=mock runs without one"
        ) from exc
    return Device.pin_factory


def _deliver(on_input: Callable[[PanelInput], Any], item: PanelInput) -> None:
    # One station's faulty handler must not take the panel (or the loop) down.
    try:
        on_input(item)
    except Exception:
        log.exception("panel input %s failed", item)


class Panel:
    """One station's lights, buzzer and buttons.

    ``station`` is a :class:`firmware.config.stations.Station`; ``reasons`` the pause
    reasons a long press cycles through (``acd.pause_reasons``). Timers (debounce,
    holds, the buzzer's delay) run on ``clock`` (default: the real one). The pins are
    taken here and released by :meth:`close`.
    """

    def __init__(
        self,
        name: str,
        station: Any,
        *,
        loop: asyncio.AbstractEventLoop,
        on_input: Callable[[PanelInput], Any],
        pin_factory: Any = None,
        clock: Clock | None = None,
        reasons: Sequence[str] = (),
    ) -> None:
        self.name = name
        self.config = station
        self.clock: Clock = clock or RealClock()
        self.reasons = tuple(reasons)
        self._loop, self._on_input = loop, on_input
        self.state, self.reason, self.alarm, self.panic_alarm = "logged_out", None, False, False
        self.choosing: int | None = None  # index of the reason shown while a button is held
        self._buzz_timer: Timer | None = None
        self._buttons: dict[str, ButtonWatch] = {}
        self.lights: Lights | None = None
        try:
            self.lights = Lights(
                dict(station.leds), rgb=station.rgb, buzzer=station.buzzer, pin_factory=pin_factory
            )
            for button, pin in station.buttons.items():
                self._watch(button, pin, pin_factory)
            if station.ack_button is not None:
                self._watch("ack", station.ack_button, pin_factory)
        except Exception as exc:
            self.close()
            raise PanelError(f"station {name}: cannot open its GPIO pins: {exc}") from exc
        self._render()

    # -- what the engine tells it -------------------------------------------------------

    def show(self, state: str, *, reason: str | None = None, alarm: bool = False) -> None:
        """Show the agent ``state`` (one of :data:`STATES`); ``alarm``: line down etc.

        ``reason`` (a pause's) is kept for whoever reads the panel; the lights show
        every pause alike. Told the same state again, nothing restarts.
        """
        check_state(state)
        if state != self.state:
            self._buzzer_for(state)
        self.state, self.reason, self.alarm = state, reason, alarm
        self._render()

    def show_alarm(self, on: bool) -> None:
        """Light (or put out) the panic alarm; it stays lit until the engine says so."""
        self.panic_alarm = on
        self._render()

    def close(self) -> None:
        """Release every pin (lights off); later edges and timers do nothing."""
        self._cancel_buzz()
        for watch in self._buttons.values():
            watch.close()
        self._buttons = {}
        if self.lights is not None:
            self.lights.close()
            self.lights = None

    # -- lights and buzzer ----------------------------------------------------------------

    def _render(self) -> None:
        if self.lights is None:
            return
        code = None if self.choosing is None else self.choosing + 1
        self.lights.show(
            look(
                self.state,
                leds=self.lights.names,
                rgb=self.lights.rgb is not None,
                alarm=self.alarm or self.panic_alarm,
                code=code,
            )
        )

    def _buzzer_for(self, state: str) -> None:
        self._cancel_buzz()
        if state == "offered" and self.lights is not None and self.lights.buzzer is not None:
            self._buzz_timer = self.clock.call_later(self.config.buzzer_after_s, self._buzz)

    def _buzz(self) -> None:
        self._buzz_timer = None
        if self.lights is not None and self.state == "offered":
            self.lights.buzz(True)

    def _cancel_buzz(self) -> None:
        if self._buzz_timer is not None:
            self._buzz_timer.cancel()
            self._buzz_timer = None
        if self.lights is not None:
            self.lights.buzz(False)

    # -- buttons -------------------------------------------------------------------------

    def _watch(self, button: str, pin: int, pin_factory: Any) -> None:
        long_s = self.config.long_press_s
        kw: dict[str, Any] = {}
        if button == "ready":
            kw = dict(
                holds=(long_s,),
                repeat_s=long_s,
                on_hold=lambda k: self._choose(k - 1),
                on_release=lambda k: self._emit("ready_toggle") if k == 0 else self._pick(),
            )
        elif button == "pause":
            kw = dict(
                holds=(0.0,),
                repeat_s=long_s,
                on_hold=lambda k: self._choose(k - 1),
                on_release=lambda k: self._pick(),
            )
        else:
            action = {"answer": "answer_toggle", "ack": "panic_ack"}.get(button, button)
            kw = dict(on_press=lambda: self._emit(action))

        def tracker(pressed: bool) -> PressTracker:
            return PressTracker(
                self.clock, debounce_s=self.config.debounce_s, pressed=pressed, **kw
            )

        self._buttons[button] = ButtonWatch(
            pin, loop=self._loop, pin_factory=pin_factory, make_tracker=tracker
        )

    def _choose(self, index: int) -> None:
        self.choosing = index % max(1, len(self.reasons))
        self._render()

    def _pick(self) -> None:
        index, self.choosing = self.choosing or 0, None
        self._render()
        self._emit("pause_reason", self.reasons[index] if self.reasons else None)

    def _emit(self, action: Action, reason: str | None = None) -> None:
        _deliver(self._on_input, PanelInput(self.name, action, reason=reason))


class PanicPanel:
    """One ``[panic.<name>]`` button: "panic" after ``hold_s``, "panic_hold" after
    ``hold_alarm_s`` (both while still held), handed to ``on_input`` on the loop."""

    def __init__(
        self,
        name: str,
        button: Any,
        *,
        loop: asyncio.AbstractEventLoop,
        on_input: Callable[[PanelInput], Any],
        pin_factory: Any = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.config = button
        self.clock: Clock = clock or RealClock()
        stations = tuple(button.stations)
        self._station = stations[0] if len(stations) == 1 else None
        self._stations, self._on_input = stations, on_input
        actions: dict[int, Action] = {1: "panic", 2: "panic_hold"}

        def tracker(pressed: bool) -> PressTracker:
            return PressTracker(
                self.clock,
                debounce_s=PANIC_DEBOUNCE_S,
                holds=(button.hold_s, button.hold_alarm_s),
                on_hold=lambda k: self._emit(actions[k]),
                pressed=pressed,
            )

        try:
            self._watch: ButtonWatch | None = ButtonWatch(
                button.pin, loop=loop, pin_factory=pin_factory, make_tracker=tracker
            )
        except Exception as exc:
            raise PanelError(f"panic button {name}: cannot open pin {button.pin}: {exc}") from exc

    def _emit(self, action: Action) -> None:
        item = PanelInput(self._station, action, button=self.name, stations=self._stations)
        _deliver(self._on_input, item)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None


@dataclass
class Panels:
    """Every panel of a box, built from its config by :func:`open_panels`."""

    stations: dict[str, Panel]
    panic: dict[str, PanicPanel]

    def show_alarm(self, on: bool) -> None:
        """The panic alarm on every station with an acknowledge button (the supervisors')."""
        for panel in self.stations.values():
            if panel.config.ack_button is not None:
                panel.show_alarm(on)

    def close(self) -> None:
        for p in [*self.stations.values(), *self.panic.values()]:
            p.close()


def open_panels(
    config: Any,
    *,
    loop: asyncio.AbstractEventLoop,
    on_input: Callable[[PanelInput], Any],
    pin_factory: Any = None,
    clock: Clock | None = None,
) -> Panels:
    """A :class:`Panel` per ``[stations.<name>]`` and a :class:`PanicPanel` per
    ``[panic.<name>]`` of a validated config; all or none (pins released on failure)."""
    panels = Panels({}, {})
    try:
        for name, station in config.stations.items():
            panels.stations[name] = Panel(
                name,
                station,
                loop=loop,
                on_input=on_input,
                pin_factory=pin_factory,
                clock=clock,
                reasons=config.acd.pause_reasons,
            )
        for name, button in config.panic.items():
            panels.panic[name] = PanicPanel(
                name, button, loop=loop, on_input=on_input, pin_factory=pin_factory, clock=clock
            )
    except BaseException:
        panels.close()
        raise
    return panels
