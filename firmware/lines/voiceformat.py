"""What differs between V.253 voice modems: profiles by identity, and the voice
compression formats (``AT+VSM``) with their codecs.

Compression codes differ per modem, so the driver looks for µ-law, A-law or 8-bit
linear by name in the modem's own list (``AT+VSM=?``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from dsp_ext import g711

# -- modem profiles ----------------------------------------------------------------


@dataclass(frozen=True)
class VoiceModemProfile:
    """What one family of voice modems needs. ``match``: words of its identity."""

    name: str
    match: tuple[str, ...] = ()
    dtmf_by_modem: bool = True  # reports keys as <DLE>digit (else the DSP listens)


PROFILES: dict[str, VoiceModemProfile] = {
    "usr5637": VoiceModemProfile("usr5637", ("U.S. ROBOTICS", "USROBOTICS", "USR", "5637")),
    "conexant": VoiceModemProfile("conexant", ("CONEXANT", "CX93001", "ZOOM", "ROCKWELL")),
    "generic": VoiceModemProfile("generic"),
}


def profile_for(identity: str) -> VoiceModemProfile:
    """The profile whose words appear in the modem's identification text."""
    up = identity.upper()
    for p in PROFILES.values():
        if any(word in up for word in p.match):
            return p
    return PROFILES["generic"]


# -- voice formats (AT+VSM) --------------------------------------------------------------

_VSM_LINE = re.compile(r'^\s*(?:\+VSM:\s*)?(\d+)\s*,\s*"([^"]*)"\s*,\s*(\d+)')


@dataclass(frozen=True)
class VoiceFormat:
    """A compression method the modem offers: its ``cml`` and our codec for it."""

    cml: int
    label: str
    codec: str  # 'ulaw', 'alaw', 'linear8u' (offset binary) or 'linear8s' (two's complement)


def parse_vsm_list(lines: Iterable[str]) -> list[tuple[int, str, int]]:
    """``(cml, name, bits per sample)`` for each line of an ``AT+VSM=?`` answer."""
    out = []
    for line in lines:
        m = _VSM_LINE.match(line)
        if m:
            out.append((int(m.group(1)), m.group(2), int(m.group(3))))
    return out


def _codec_of(name: str, bits: int) -> str | None:
    key = re.sub(r"[^A-Z0-9]", "", name.upper())
    if bits != 8:
        return None
    if "ULAW" in key or "G711U" in key or "MULAW" in key:
        return "ulaw"
    if "ALAW" in key or "G711A" in key:
        return "alaw"
    if "UNSIGNEDPCM" in key:
        return "linear8u"
    if "SIGNEDPCM" in key or "8BITLINEAR" in key:
        return "linear8s"
    return None


def choose_format(methods: list[tuple[int, str, int]], wanted: str) -> VoiceFormat | None:
    """The method for ``wanted`` ('ulaw', 'alaw', 'linear8'), else the best the modem has."""
    found: dict[str, VoiceFormat] = {}
    for cml, name, bits in methods:
        codec = _codec_of(name, bits)
        if codec and codec not in found:
            found[codec] = VoiceFormat(cml, name, codec)
    order = {"ulaw": ["ulaw"], "alaw": ["alaw"], "linear8": ["linear8u", "linear8s"]}[wanted]
    for codec in [*order, "ulaw", "alaw", "linear8u", "linear8s"]:
        if codec in found:
            return found[codec]
    return None


def encode(codec: str, pcm: np.ndarray) -> bytes:
    """int16 samples to the modem's bytes."""
    if codec == "ulaw":
        return g711.ulaw_encode(pcm).tobytes()
    if codec == "alaw":
        return g711.alaw_encode(pcm).tobytes()
    high = (np.asarray(pcm, dtype=np.int16) >> 8).astype(np.int16)
    if codec == "linear8u":
        return (high + 128).astype(np.uint8).tobytes()
    return high.astype(np.int8).tobytes()


def decode(codec: str, data: bytes) -> np.ndarray:
    """The modem's bytes to int16 samples."""
    if codec == "ulaw":
        return g711.ulaw_decode(data)
    if codec == "alaw":
        return g711.alaw_decode(data)
    raw = np.frombuffer(data, dtype=np.uint8).astype(np.int16)
    if codec == "linear8u":
        return ((raw - 128) << 8).astype(np.int16)
    return (raw.astype(np.uint8).view(np.int8).astype(np.int16) << 8).astype(np.int16)
