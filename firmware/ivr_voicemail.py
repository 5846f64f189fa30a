"""Leaving a voicemail message: the beep, the recording, and its one journal event.

Most callers end a message by hanging up, so the hang-up usually comes *during* the
recording. The engine journals ``call_ended`` as soon as the line reports it, and no
event for a call may follow its end. So the message is filed from the call's
``on_end`` callback, which runs before ``call_ended``. Its length is then the clock
time since the beep ended. When the recording stops otherwise (silence, a key,
``max_s``), the media's own count of seconds is used.
"""

from __future__ import annotations

from pathlib import Path

from .audio.prompts import BEEP
from .call import Call
from .cdr import CALL_VOICEMAIL
from .clock import Clock
from .journal import Journal


async def leave_message(
    call: Call, journal: Journal, clock: Clock, folder: Path, *, mailbox: str, max_s: float
) -> Path | None:
    """Beep, record ``call`` into ``folder/<call_id>.wav`` (at most ``max_s``) and
    journal ``call_voicemail`` once. Returns the file, or None if the caller hung up
    before the recording began."""
    await call.media.play(BEEP, call.lang, barge_in=False)
    if call.ended:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{call.call_id}.wav"
    start = clock.now()
    filed = False

    def file(seconds: float) -> None:
        nonlocal filed
        if not filed:
            filed = True
            journal.append(
                CALL_VOICEMAIL,
                call_id=call.call_id,
                mailbox=mailbox,
                path=str(path),
                seconds=round(seconds, 2),
            )

    forget = call.on_end(lambda c: file(clock.now() - start))
    try:
        seconds = await call.media.record(str(path), max_s)
    finally:
        forget()
    if not call.ended:
        file(seconds)
    return path
