"""The panel follows the agent's state as the ACD journals it, whoever changed it (the
buttons, an admin command, the ACD's own timers), and nothing else."""

from __future__ import annotations

import asyncio
import time

from tests.unit.test_station_support import (
    ANSWER_BTN,
    PINS,
    READY_BTN,
    box,  # noqa: F401  (fixture)
)

STEADY = {"ready", "on_call", "paused"}


def lit(box, *names: str) -> bool:  # noqa: F811
    """Exactly the named steady LEDs of desk1 are on (blinking ones are not checked)."""
    return all(box.led(PINS[n]) == (n in names) for n in STEADY)


async def toggles(box, pin: int, bounded_s: float = 3.0) -> bool:  # noqa: F811
    """The pin changes at least twice within ``bounded_s`` of real time (gpiozero blinks
    on its own threads, in real time)."""
    p = box.factory.pin(pin)
    p.clear_states()
    deadline = time.monotonic() + bounded_s
    while time.monotonic() < deadline:
        if len(p.states) >= 3:
            return True
        await asyncio.sleep(0.01)
    return False


async def test_lights_follow_acd_changes_made_elsewhere(box):  # noqa: F811
    desk1 = box.stations.stations["desk1"]
    assert lit(box, "paused")
    box.acd.set_ready("anna")  # an admin command, not the panel
    assert lit(box, "ready") and desk1.panel.state == "ready"
    box.acd.pause("anna", "training")
    assert lit(box, "paused") and desk1.panel.reason == "training"
    box.acd.set_ready("anna")
    call, _ = box.call()
    await box.clock.advance(0.05)
    assert desk1.panel.state == "offered" and lit(box)  # only the ringing LED, blinking
    assert await toggles(box, PINS["ringing"])
    box.acd.agent_answer("anna")
    assert lit(box, "on_call")
    box.world.engine.end(call, "caller")
    assert desk1.panel.state == "wrap_up" and lit(box)
    assert await toggles(box, PINS["wrapup"])
    await box.clock.advance(5)
    assert lit(box, "ready")
    box.acd.logout("anna")
    assert desk1.panel.state == "logged_out" and lit(box) and desk1.agent is None


async def test_an_offer_that_rings_out_shows_ready_again_then_the_missed_pause(box):  # noqa: F811
    desk1 = box.stations.stations["desk1"]
    box.acd.set_ready("anna")
    box.call()
    await box.clock.advance(0.05)
    assert desk1.panel.state == "offered"
    await box.clock.advance(15)  # ring timeout: no agent event, the ACD says ready again
    # (and offers the same caller again at once: there is no one else)
    assert desk1.panel.state == box.state("anna")[0] == "offered"
    await box.clock.advance(15)  # the second miss in a row: paused
    assert box.state("anna") == ("paused", "missed-calls")
    assert desk1.panel.state == "paused" and lit(box, "paused")


async def test_a_withdrawn_offer_reads_the_acd_state(box):  # noqa: F811
    desk1 = box.stations.stations["desk1"]
    box.acd.set_ready("anna")
    call, _ = box.call()
    await box.clock.advance(0.05)
    box.world.engine.end(call, "caller")  # the caller gives up while it rings
    await box.clock.advance(0)
    assert desk1.panel.state == "ready" and lit(box, "ready")
    assert desk1.call is None


async def test_a_refused_button_changes_no_light(box):  # noqa: F811
    box.acd.set_ready("anna")
    await box.press(ANSWER_BTN)  # nothing is ringing
    assert box.state("anna") == ("ready", None) and lit(box, "ready")


async def test_a_station_with_nobody_logged_in_ignores_buttons(box):  # noqa: F811
    box.acd.logout("anna")
    await box.press(READY_BTN)
    assert box.state("anna") == ("logged_out", None) and lit(box)
