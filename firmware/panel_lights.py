"""What a station's lights show for each agent state, and gpiozero devices showing it.

:func:`look` is the whole policy as a pure function (state -> a pattern per light);
:class:`Lights` owns the gpiozero ``LED``/``RGBLED``/``Buzzer`` devices and applies a
look, touching only the lights whose pattern changed (so a blink that should go on
blinking is not restarted). Blinking runs on gpiozero's own background threads.

Single LEDs each have a colour and a meaning; when a station lacks the LED a state
wants, the next LED of the same colour stands in (``offered`` blinks ``paused`` when
there is no ``ringing`` LED, and so on). An RGB LED shows every state by colour.
An alarm (line down, panic) blinks fast red over the state: on the ``alarm`` LED if
there is one, else on the red LED or the RGB LED.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from typing import Any, Literal

#: The agent states a panel shows (the ACD's, as the call engine reports them).
STATES = ("logged_out", "ready", "offered", "on_call", "wrap_up", "paused")

Color = tuple[float, float, float]
GREEN: Color = (0.0, 1.0, 0.0)
AMBER: Color = (1.0, 0.35, 0.0)  # with PWM; red + green at full is a yellowish amber
RED: Color = (1.0, 0.0, 0.0)
BLACK: Color = (0.0, 0.0, 0.0)

#: One step of a reason number ("blink n times, then a pause").
CODE_STEP_S = 0.2
CODE_GAP_STEPS = 4
#: The buzzer's beep while an offered call waits.
BEEP_ON_S, BEEP_OFF_S = 0.2, 0.8


@dataclass(frozen=True)
class Pattern:
    """How one light behaves: off, steady, blinking, or blinking a number."""

    kind: Literal["off", "on", "blink", "code"]
    on_s: float = 0.0
    off_s: float = 0.0
    count: int = 0  # "code": blinks before each pause
    color: Color = BLACK  # RGB only

    def colored(self, color: Color) -> Pattern:
        return Pattern(self.kind, self.on_s, self.off_s, self.count, color)


OFF = Pattern("off")
STEADY = Pattern("on")
BLINK = Pattern("blink", 0.25, 0.25)  # a call offered
SLOW = Pattern("blink", 1.0, 1.0)  # wrap-up
FAST = Pattern("blink", 0.1, 0.1)  # alarm

# state -> (single LEDs that may show it, best first), pattern.
_SINGLE: dict[str, tuple[tuple[str, ...], Pattern]] = {
    "ready": (("ready",), STEADY),
    "offered": (("ringing", "paused"), BLINK),
    "on_call": (("on_call",), STEADY),  # not the alarm LED: steady red there reads as alarm
    "wrap_up": (("wrapup", "ready"), SLOW),
    "paused": (("paused", "ringing"), STEADY),
}
_CODE_LEDS = ("paused", "ringing", "ready")
_RGB: dict[str, tuple[Color, Pattern]] = {
    "ready": (GREEN, STEADY),
    "offered": (AMBER, BLINK),
    "on_call": (RED, STEADY),
    "wrap_up": (GREEN, SLOW),
    "paused": (AMBER, STEADY),
}
RGB = "rgb"  # the RGB LED's key in a look


def check_state(state: str) -> None:
    """ValueError unless ``state`` is one of :data:`STATES`."""
    if state not in STATES:
        raise ValueError(f"{state!r} is not a panel state (expected one of {', '.join(STATES)})")


def _first(names: tuple[str, ...], have: frozenset[str]) -> str | None:
    return next((n for n in names if n in have), None)


def look(
    state: str,
    *,
    leds: frozenset[str],
    rgb: bool,
    alarm: bool = False,
    code: int | None = None,
) -> dict[str, Pattern]:
    """The pattern of every light (single LED names, and ``"rgb"``) for ``state``.

    ``alarm`` blinks fast red over the state; ``code`` (1, 2, …: a pause reason being
    chosen) blinks that number on the amber light instead of the state.
    """
    check_state(state)
    out: dict[str, Pattern] = {name: OFF for name in leds}
    if rgb:
        out[RGB] = OFF
    if state in _SINGLE:
        names, pattern = _SINGLE[state]
        led = _first(names, leds)
        if led is not None:
            out[led] = pattern
        if rgb:
            color, pattern = _RGB[state]
            out[RGB] = pattern.colored(color)
    if alarm:
        if "alarm" in leds:
            out["alarm"] = FAST
        elif rgb:
            out[RGB] = FAST.colored(RED)
        elif "on_call" in leds:
            out["on_call"] = FAST
    if code is not None:
        shown = Pattern("code", count=code)
        if rgb:
            out[RGB] = shown.colored(AMBER)
        else:
            led = _first(_CODE_LEDS, leds)
            if led is not None:
                out[led] = shown
    return out


def code_values(count: int, on: Any, off: Any) -> list[Any]:
    """One period of "blink ``count`` times, then a pause", a value per CODE_STEP_S."""
    return [on, off] * count + [off] * CODE_GAP_STEPS


class Lights:
    """The gpiozero devices of one station's lights and buzzer."""

    def __init__(
        self,
        leds: dict[str, int],
        *,
        rgb: Any = None,
        buzzer: int | None = None,
        pin_factory: Any = None,
    ) -> None:
        from gpiozero import LED, RGBLED, Buzzer

        self.leds: dict[str, Any] = {}
        self.rgb: Any = None
        self.buzzer: Any = None
        self.rgb_pwm = True
        self._shown: dict[str, Pattern] = {}
        try:
            for name, pin in leds.items():
                self.leds[name] = LED(pin, pin_factory=pin_factory)
            if rgb is not None:
                self.rgb = self._rgb(RGBLED, rgb, pin_factory)
            if buzzer is not None:
                self.buzzer = Buzzer(buzzer, pin_factory=pin_factory)
        except BaseException:
            self.close()
            raise

    def _rgb(self, cls: Any, cfg: Any, pin_factory: Any) -> Any:
        from gpiozero.exc import PinPWMUnsupported

        pins = (cfg.red, cfg.green, cfg.blue)
        try:
            return cls(*pins, active_high=not cfg.common_anode, pwm=True, pin_factory=pin_factory)
        except PinPWMUnsupported:
            # A factory without PWM (plain MockFactory): colours on/off only.
            self.rgb_pwm = False
            return cls(*pins, active_high=not cfg.common_anode, pwm=False, pin_factory=pin_factory)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.leds)

    @property
    def shown(self) -> dict[str, Pattern]:
        """The pattern each light was last given."""
        return dict(self._shown)

    def show(self, wanted: dict[str, Pattern]) -> None:
        """Apply a :func:`look`; lights whose pattern did not change are left alone."""
        for key, pattern in wanted.items():
            if self._shown.get(key) == pattern:
                continue
            dev = self.rgb if key == RGB else self.leds.get(key)
            if dev is None:
                continue
            if key == RGB:
                self._apply_rgb(dev, pattern)
            else:
                self._apply_led(dev, pattern)
            self._shown[key] = pattern

    def buzz(self, on: bool) -> None:
        if self.buzzer is None:
            return
        if on:
            self.buzzer.beep(on_time=BEEP_ON_S, off_time=BEEP_OFF_S)
        else:
            self.buzzer.off()

    def _apply_led(self, dev: Any, p: Pattern) -> None:
        dev.source = None  # stops a number being blinked
        if p.kind == "on":
            dev.on()
        elif p.kind == "blink":
            dev.blink(on_time=p.on_s, off_time=p.off_s)
        elif p.kind == "code":
            dev.off()
            dev.source_delay = CODE_STEP_S
            dev.source = itertools.cycle(code_values(p.count, True, False))
        else:
            dev.off()

    def _apply_rgb(self, dev: Any, p: Pattern) -> None:
        dev.source = None
        color = p.color if self.rgb_pwm else tuple(float(c > 0) for c in p.color)
        if p.kind == "on":
            dev.color = color
        elif p.kind == "blink":
            dev.blink(on_time=p.on_s, off_time=p.off_s, on_color=color)
        elif p.kind == "code":
            dev.off()
            dev.source_delay = CODE_STEP_S
            dev.source = itertools.cycle(code_values(p.count, color, BLACK))
        else:
            dev.off()

    def close(self) -> None:
        """Lights off, pins released (each gpiozero device stops its threads first)."""
        devices = [*self.leds.values(), self.rgb, self.buzzer]
        for dev in devices:
            if dev is not None:
                with contextlib.suppress(Exception):
                    dev.close()
        self.leds, self.rgb, self.buzzer = {}, None, None
        self._shown = {}
