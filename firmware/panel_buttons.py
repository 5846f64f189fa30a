"""One push button, seen from the event loop: debounced presses, holds and releases.

gpiozero reports raw edges on its own thread; :class:`ButtonWatch` hands each to the
loop with ``call_soon_threadsafe`` and :class:`PressTracker` turns them into what a
person did. Debounce and hold timing run here, on the loop and on the injected
``Clock``, rather than in gpiozero's ``bounce_time``/``hold_time``: ``MockFactory``
does not implement ``bounce_time`` at all, and lgpio's differs from RPi.GPIO's, so
doing it here gives every pin factory (and every test) the same code and the same
timing, and a virtual clock can drive it.

Debounce is "lock-out and look again": an accepted edge locks the button for
``debounce_s``; at the end of the lock the last raw level is compared with the
accepted one, so a tap shorter than the lock is still seen as press + release.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from .clock import Clock, Timer


class PressTracker:
    """Debounced press/hold/release of one button, on the loop.

    ``holds`` are the hold thresholds in seconds from the press, in increasing order;
    after the last one, a ``repeat_s`` (if given) keeps counting holds every
    ``repeat_s``. ``on_hold(k)`` is called as hold ``k`` (1, 2, …) is reached and
    ``on_release(k)`` with the number of holds reached before the release (0: a
    short press). A threshold of 0 counts at the press itself.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        debounce_s: float,
        on_press: Callable[[], Any] | None = None,
        on_hold: Callable[[int], Any] | None = None,
        on_release: Callable[[int], Any] | None = None,
        holds: Sequence[float] = (),
        repeat_s: float | None = None,
        pressed: bool = False,
    ) -> None:
        if any(b < a for a, b in itertools.pairwise(holds)):
            raise ValueError(f"hold thresholds must increase, got {list(holds)}")
        if repeat_s is not None and repeat_s <= 0:
            raise ValueError(f"repeat_s must be more than 0, got {repeat_s}")
        self.clock = clock
        self.debounce_s = debounce_s
        self.on_press, self.on_hold, self.on_release = on_press, on_hold, on_release
        self.holds, self.repeat_s = tuple(holds), repeat_s
        # A button held down at start-up (stuck, or leant on) counts only once released.
        self._raw = self._state = pressed
        self._locked = False
        self._lock_timer: Timer | None = None
        self._hold_timer: Timer | None = None
        self._pressed_at = 0.0
        self.held = 0  # holds reached in the current press
        self.closed = False

    @property
    def pressed(self) -> bool:
        """The debounced state."""
        return self._state

    def edge(self, pressed: bool) -> None:
        """A raw level change from the pin (on the loop)."""
        if self.closed:
            return  # an edge still in flight when the panel closed
        self._raw = pressed
        if not self._locked:
            self._accept(pressed)

    def close(self) -> None:
        self.closed = True
        for timer in (self._lock_timer, self._hold_timer):
            if timer is not None:
                timer.cancel()
        self._lock_timer = self._hold_timer = None

    def _accept(self, pressed: bool) -> None:
        if pressed == self._state:
            return
        self._state = pressed
        if self.debounce_s > 0:
            self._locked = True
            self._lock_timer = self.clock.call_later(self.debounce_s, self._unlock)
        if pressed:
            self._pressed_at = self.clock.now()
            self.held = 0
            if self.on_press is not None:
                self.on_press()
            self._next_hold()
        else:
            if self._hold_timer is not None:
                self._hold_timer.cancel()
                self._hold_timer = None
            if self.on_release is not None:
                self.on_release(self.held)

    def _unlock(self) -> None:
        self._locked = False
        self._lock_timer = None
        if self._raw != self._state:
            self._accept(self._raw)

    def _threshold(self, k: int) -> float | None:
        """Seconds from the press at which hold ``k`` (1-based) is reached."""
        if k <= len(self.holds):
            return self.holds[k - 1]
        if self.repeat_s is None:
            return None
        last = self.holds[-1] if self.holds else 0.0
        return last + (k - len(self.holds)) * self.repeat_s

    def _next_hold(self) -> None:
        while self._state:
            due = self._threshold(self.held + 1)
            if due is None:
                return
            wait = self._pressed_at + due - self.clock.now()
            if wait > 0:
                self._hold_timer = self.clock.call_later(wait, self._hold_reached)
                return
            self._count_hold()  # a 0 s threshold counts at the press

    def _hold_reached(self) -> None:
        self._hold_timer = None
        if self._state:
            self._count_hold()
            self._next_hold()

    def _count_hold(self) -> None:
        self.held += 1
        if self.on_hold is not None:
            self.on_hold(self.held)


class ButtonWatch:
    """A button on a gpiozero input whose edges reach a :class:`PressTracker` on the loop.

    A ``DigitalInputDevice`` (``Button``'s base) rather than a ``Button``: a ``Button``
    keeps a thread per button polling for ``when_held`` (and ``close()`` waits for it),
    which is of no use when holds are timed on the loop.
    """

    def __init__(
        self,
        pin: int,
        *,
        loop: asyncio.AbstractEventLoop,
        pin_factory: Any,
        make_tracker: Callable[[bool], PressTracker],
    ) -> None:
        from gpiozero import DigitalInputDevice

        # To ground, pulled up: pressed reads active. bounce_time=None: the tracker
        # debounces (see the module docstring).
        self.button = DigitalInputDevice(
            pin, pull_up=True, bounce_time=None, pin_factory=pin_factory
        )
        self._loop = loop
        self.tracker = make_tracker(bool(self.button.is_active))
        self.button.when_activated = lambda: self._from_gpio(True)
        self.button.when_deactivated = lambda: self._from_gpio(False)

    def _from_gpio(self, pressed: bool) -> None:
        """gpiozero's thread: hand the edge to the loop, nothing else."""
        with contextlib.suppress(RuntimeError):  # loop closed: the panel is gone anyway
            self._loop.call_soon_threadsafe(self.tracker.edge, pressed)

    def close(self) -> None:
        self.tracker.close()
        with contextlib.suppress(Exception):
            self.button.close()
