"""``[mqtt]``: the broker the box reports to. The password is a secret: never printed."""

from __future__ import annotations

from pydantic import Field, SecretStr

from .base import PositiveSeconds, Section


class Mqtt(Section):
    host: str = Field(
        title="Broker host", description="Name or address of the broker.", min_length=1
    )
    port: int = Field(
        1883, ge=1, le=65535, title="Port", description="1883 plain, 8883 usually with TLS."
    )
    tls: bool = Field(False, title="TLS", description="Connect with TLS.")
    ca_file: str | None = Field(
        None, title="CA file", description="CA certificate for TLS (none: the system's)."
    )
    username: str | None = Field(None, title="User name", description="Broker login.")
    password: SecretStr | None = Field(
        None, title="Password", description="Broker password. Never logged or printed."
    )
    client_id: str | None = Field(
        None, title="Client id", description="MQTT client id (default: hotline-<box_id>)."
    )
    topic_prefix: str = Field(
        "hotline",
        title="Topic prefix",
        description="Topics are <prefix>/<box_id>/...",
        pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$",
    )
    keepalive_s: PositiveSeconds = Field(
        30, title="Keep-alive", description="Seconds between MQTT pings."
    )
