"""What a waiting caller hears: position / expected-wait announcements every
``announce_every_s``, and the comfort prompt half-way between two of them.

One task per waiting call, created only when ``announce_every_s > 0`` (the simulator
sets 0 and pays nothing). The ACD cancels it the moment the call is offered, so an
announcement never delays an agent; it starts again if the offer rings out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from firmware.call import Call
from firmware.clock import Clock
from firmware.config.queues import Queue as QueueConfig

log = logging.getLogger(__name__)

#: () -> (position, expected wait in seconds), either None when unknown.
Status = Callable[[], tuple[int | None, float | None]]


async def announce(call: Call, queue: QueueConfig, clock: Clock, status: Status) -> None:
    """Announce until cancelled. A media failure ends the announcements of this call
    only (it is logged); the caller keeps waiting."""
    every = queue.announce_every_s
    try:
        await clock.sleep(every)
        while True:
            position, wait_s = status()
            position = position if queue.announce_position else None
            wait_s = wait_s if queue.announce_wait else None
            if position is not None or wait_s is not None:
                await call.media.say_queue_status(position, wait_s, call.lang)
            if queue.comfort_prompt is not None:
                await clock.sleep(every / 2)
                await call.media.play(queue.comfort_prompt, call.lang, barge_in=False)
                await clock.sleep(every / 2)
            else:
                await clock.sleep(every)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("call %s: queue announcement failed", call.call_id)
