"""``[lines.<id>]``: the phone lines, one table each, told apart by ``kind``.

``kind`` names the driver exactly as :mod:`firmware.lines.factory` does (plus
``fxo``, the DAA module on GPIO), so the config is a discriminated union: each kind
has only the keys its driver takes, and a key from another kind is an error.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, SecretStr

from .base import BcmPin, Name, Section

GSM_KINDS = ("gsm", "huawei", "sim800", "sim7600", "quectel")
VOICE_MODEM_KINDS = ("v253", "usr5637", "conexant")
#: Every ``kind`` a line may have; the test holds it equal to the factory's names + fxo.
LINE_KINDS = (*GSM_KINDS, *VOICE_MODEM_KINDS, "fxo")


class _LineBase(Section):
    label: str = Field("", title="Label", description="What the dashboard calls this line.")
    enabled: bool = Field(True, title="Enabled", description="A disabled line is not opened.")
    flow: Name = Field(
        "main",
        title="IVR flow",
        description="The [ivr.<name>] flow an incoming call on this line starts in.",
    )
    outbound: bool = Field(
        True,
        title="Outbound calls",
        description="Whether callbacks and campaigns may dial out on this line.",
    )


class GsmLine(_LineBase):
    """A 3GPP TS 27.007 voice modem (USB stick or module)."""

    kind: Literal["gsm", "huawei", "sim800", "sim7600", "quectel"] = Field(
        title="Kind", description="The driver dialect: gsm, huawei, sim800, sim7600 or quectel."
    )
    port: str = Field(
        title="AT port",
        description="Serial port for AT commands; use the stable /dev/serial/by-id/... path.",
        min_length=1,
    )
    audio_port: str | None = Field(
        None,
        title="Audio port",
        description="Serial port that carries call audio (Huawei, SIM7600, Quectel).",
    )
    audio_device: str | None = Field(
        None,
        title="Sound card",
        description="Name fragment of the sound card wired to an analogue module (SIM800).",
    )
    sim_pin: SecretStr | None = Field(
        None, title="SIM PIN", description="The SIM card's PIN, if it asks for one. Never logged."
    )


class VoiceModemLine(_LineBase):
    """An ITU-T V.253 analog voice modem."""

    kind: Literal["v253", "usr5637", "conexant"] = Field(
        title="Kind", description="The modem profile: v253 (generic), usr5637 or conexant."
    )
    port: str = Field(
        title="Port", description="The modem's serial port (/dev/serial/by-id/...).", min_length=1
    )
    compression: Literal["ulaw", "alaw", "linear8"] = Field(
        "ulaw", title="Voice compression", description="Sample format asked of the modem."
    )
    answer_after_rings: int = Field(
        2, ge=1, le=10, title="Answer after rings", description="Caller ID arrives after ring 1."
    )


class FxoLine(_LineBase):
    """An analog line through a DAA module: GPIO ring detect, a hook relay, a sound card."""

    kind: Literal["fxo"] = Field(title="Kind", description="fxo: a DAA module on GPIO.")
    ring_pin: BcmPin = Field(title="Ring-detect pin", description="BCM pin of the ring detector.")
    hook_pin: BcmPin = Field(title="Hook relay pin", description="BCM pin driving the relay.")
    audio_device: str = Field(
        title="Sound card",
        description="Name fragment of the USB sound card on the DAA ('USB Audio', 'CM108').",
        min_length=1,
    )
    ring_active_high: bool = Field(
        False, title="Ring active high", description="The opto output is high while ringing."
    )
    hook_active_high: bool = Field(
        True, title="Hook active high", description="A high output closes the relay (off-hook)."
    )
    answer_after_rings: int = Field(
        2, ge=1, le=10, title="Answer after rings", description="Caller ID arrives after ring 1."
    )
    country: str = Field(
        "ITU",
        title="Tone plan",
        description="Country code whose call-progress tones the line hears ('ITU', 'RU', 'UA').",
        min_length=2,
    )
    callerid: list[Literal["bell202", "v23", "dtmf"]] = Field(
        ["bell202", "v23"], title="Caller ID", description="Caller ID formats to listen for."
    )


Line = Annotated[GsmLine | VoiceModemLine | FxoLine, Field(discriminator="kind")]
