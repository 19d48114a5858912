"""The ``channels.webpush`` section, apart from the channel so that reading the configuration loads no crypto."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from messages.kinds import Severity

Urgency = Literal["very-low", "low", "normal", "high"]  # RFC 8030's Urgency header


class WebPushSettings(BaseModel):
    """The ``channels.webpush`` section: in sandbox mode the keys are made once under ``var/``; live mode needs
    the city's VAPID private key (base64url, as ``vapid --gen`` prints it, or a PEM file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = False
    vapid_private_key: str | None = None
    vapid_private_key_file: Path | None = None
    subject: str = "mailto:notices@kcg.gov.tw"  # who push services may contact about our pushes
    ttl_s: int = Field(default=86_400, ge=0, le=28 * 86_400)  # how long a push service keeps an undelivered push
    urgency: dict[Severity, Urgency] = {
        Severity.EXTREME: "high",
        Severity.SEVERE: "high",
        Severity.MODERATE: "normal",
        Severity.MINOR: "low",
        Severity.UNKNOWN: "normal",
    }
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    concurrency: int = Field(default=8, ge=1, le=64)  # pushes in flight at once within one batch
    icon_path: str = "/public/static/push-icon.png"

    @field_validator("vapid_private_key", "vapid_private_key_file", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # config.yaml writes ${CIVICAST_VAPID_KEY_FILE:-}: an unset variable means no key, not the current directory
        return None if value == "" else value

    @field_validator("subject")
    @classmethod
    def _contact(cls, value: str) -> str:
        if not (value.startswith("mailto:") and "@" in value) and not value.startswith("https://"):
            raise ValueError("subject must be a mailto: address or an https:// URL push services can contact")
        return value

    @model_validator(mode="after")
    def _one_key(self) -> WebPushSettings:
        if self.vapid_private_key and self.vapid_private_key_file:
            raise ValueError("give vapid_private_key or vapid_private_key_file, not both")
        return self
