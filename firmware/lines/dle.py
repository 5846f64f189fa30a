"""ITU-T V.253 DLE shielding: the byte layer of a voice modem's data states.

In the voice transmit, receive and full-duplex states (``AT+VTX``, ``AT+VRX``,
``AT+VTR``) audio bytes and control codes share one stream. A control code is the
DLE byte (0x10) followed by one character; an audio byte that happens to be 0x10
is sent doubled (``<DLE><DLE>``). What the codes mean (V.253 §9.3, Conexant/USR
"Supported <DLE> Shielded Codes" tables 6-2 and 6-3):

* modem → host: ``0``-``9`` ``*`` ``#`` ``A``-``D`` DTMF, ``b`` busy, ``d`` dial
  tone, ``s`` silence ("presumed hang-up"), ``q`` quiet ("presumed end of
  message"), ``l`` loop current interruption, ``h``/``H`` local handset on/off
  hook, ``R`` ring, ``c`` fax calling tone, ``e`` data calling tone, ``a``/``f``
  answer tones, ``o``/``u`` receive overrun / transmit underrun, ``<ETX>`` end of
  the stream. Conexant parts also send ``<DLE><SUB>`` for two audio DLE bytes.
* host → modem: ``<DLE><ETX>`` end of transmit, ``<DLE>!`` receive abort,
  ``<DLE><CAN>`` clear the transmit buffer, ``<DLE>p``/``r`` pause/resume,
  ``<DLE>u``/``d`` volume up/down.

:class:`DleDecoder` keeps its state across reads, so any split of the stream gives
the same audio and events in the same order; it never raises on any input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DLE = 0x10
ETX = 0x03
CAN = 0x18
SUB = 0x1A  # Conexant: <DLE><SUB> stands for <DLE><DLE> in the audio

END_TX = bytes((DLE, ETX))  # host: end voice transmit (and the full-duplex state)
ABORT_RX = b"\x10!"  # host: abort voice receive
CLEAR_TX = bytes((DLE, CAN))  # host: drop what is buffered for transmit

DTMF_CODES = "0123456789*#ABCD"

#: modem → host event codes and what they are called in events and logs
EVENT_NAMES: dict[str, str] = {
    **{d: "dtmf" for d in DTMF_CODES},
    "b": "busy",
    "d": "dial_tone",
    "s": "silence",
    "q": "quiet",
    "l": "loop_break",
    "L": "loop_reversal",
    "h": "handset_on_hook",
    "H": "handset_off_hook",
    "R": "ring",
    "r": "ringback",
    "c": "fax_calling",
    "e": "data_calling",
    "a": "answer_tone",
    "f": "bell_answer_tone",
    "o": "rx_overrun",
    "u": "tx_underrun",
    "T": "timing_mark",
    "/": "dtmf_start",
    "~": "dtmf_end",
    "\x03": "end",
}


@dataclass(frozen=True)
class DleEvent:
    """One ``<DLE><code>`` the modem sent; ``kind`` names it ('unknown' if no table has it)."""

    code: str
    kind: str

    @property
    def is_dtmf(self) -> bool:
        return self.kind == "dtmf"


def event_for(code: int) -> DleEvent:
    ch = chr(code)
    return DleEvent(ch, EVENT_NAMES.get(ch, "unknown"))


def shield(audio: bytes | bytearray | memoryview) -> bytes:
    """Audio bytes made safe for the stream: every DLE doubled."""
    return bytes(audio).replace(b"\x10", b"\x10\x10")


def code(ch: str) -> bytes:
    """The two bytes of a shielded code (``code('!')`` is the receive abort)."""
    return bytes((DLE, ord(ch)))


@dataclass
class Decoded:
    """What one :meth:`DleDecoder.feed` found.

    ``items`` holds audio (``bytes``) and :class:`DleEvent` in stream order; ``used``
    is None while the stream goes on, else how many input bytes belonged to it
    (up to and including ``<DLE><ETX>``, or up to the first plain byte when the
    decoder was told that no audio is expected).
    """

    items: list[bytes | DleEvent] = field(default_factory=list)
    used: int | None = None

    @property
    def audio(self) -> bytes:
        return b"".join(i for i in self.items if isinstance(i, bytes))

    @property
    def events(self) -> list[DleEvent]:
        return [i for i in self.items if isinstance(i, DleEvent)]


class DleDecoder:
    """Split the modem's data-state stream into audio bytes and events.

    ``audio=False`` is for the voice transmit state, where the modem sends only
    shielded events: the first plain byte then ends the stream (it is the start
    of the ``OK`` that follows), so the caller can parse lines again.
    """

    def __init__(self, *, audio: bool = True) -> None:
        self.audio_expected = audio
        self._pending_dle = False
        self.ended = False

    def reset(self, *, audio: bool = True) -> None:
        self.audio_expected = audio
        self._pending_dle = False
        self.ended = False

    def feed(self, data: bytes | bytearray | memoryview) -> Decoded:
        out = Decoded()
        if self.ended:
            out.used = 0
            return out
        data = bytes(data)
        i = 0
        n = len(data)
        items = out.items
        while i < n:
            if self._pending_dle:
                self._pending_dle = False
                b = data[i]
                i += 1
                if b == DLE:
                    self._audio(items, b"\x10")
                elif b == SUB:
                    self._audio(items, b"\x10\x10")
                elif b == ETX:
                    items.append(event_for(b))
                    self.ended = True
                    out.used = i
                    return out
                else:
                    items.append(event_for(b))
                continue
            j = data.find(b"\x10", i)
            stop = n if j < 0 else j
            if stop > i:
                if not self.audio_expected:
                    self.ended = True
                    out.used = i
                    return out
                self._audio(items, data[i:stop])
            if j < 0:
                break
            self._pending_dle = True
            i = j + 1
        return out

    @staticmethod
    def _audio(items: list, chunk: bytes) -> None:
        if items and isinstance(items[-1], bytes):
            items[-1] = items[-1] + chunk
        else:
            items.append(chunk)
