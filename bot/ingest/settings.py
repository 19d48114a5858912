"""The ``cap.ingest`` section of config.yaml: where alerts come from, how much a document may hold, the rules."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from messages.cap_read import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH

ACTIONS = ("auto_send", "draft", "ignore")
CAP_SEVERITIES = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")
TOLERANCES = ("description_markup",)  # known deviations of the national platform from the OASIS schema


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedSettings(_Section):
    """One polled feed of the national platform (one per alert type)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    url: str
    format: Literal["atom", "json"] = "atom"
    every_s: float = Field(default=60.0, ge=5, le=3600)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value


class RuleSettings(_Section):
    """What to do with an alert: the first rule whose kind, severity or level and districts match decides."""

    name: str = Field(min_length=1, max_length=120)
    kind: str = "*"
    min_severity: Literal["Unknown", "Minor", "Moderate", "Severe", "Extreme"] | None = None
    min_level: str | None = None
    districts: tuple[str, ...] = ()
    action: Literal["auto_send", "draft", "ignore"]
    notify_duty: bool = False


DEFAULT_RULES = (
    RuleSettings(name="earthquake intensity 4 or more", kind="earthquake_report", min_level="4", action="auto_send"),
    RuleSettings(name="tsunami", kind="tsunami_warning", action="auto_send"),
    RuleSettings(name="typhoon land warning", kind="typhoon_land_warning", action="auto_send"),
    RuleSettings(name="everything else to the desk", kind="*", action="draft", notify_duty=True),
)


class CapIngestSettings(_Section):
    enabled: bool = True
    # The secret last segment of the push URL, /ingest/cap/<push_secret>; empty turns push off.
    push_secret: str = ""
    # Addresses or networks allowed to push; empty allows any (the secret path still applies).
    allow_from: tuple[str, ...] = ()
    max_bytes: int = Field(default=DEFAULT_MAX_BYTES, ge=1024, le=50 * 1024 * 1024)
    max_depth: int = Field(default=DEFAULT_MAX_DEPTH, ge=8, le=200)
    tolerate: tuple[Literal["description_markup"], ...] = ("description_markup",)
    feeds: tuple[FeedSettings, ...] = ()
    # Hosts besides each feed's own from which the feeds' .cap files may be fetched.
    feed_hosts: tuple[str, ...] = ()
    # Seconds to wait for a feed or a .cap file.
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    # LINE user ids of the duty officers told about new drafts.
    duty_officers: tuple[str, ...] = ()
    rules: tuple[RuleSettings, ...] = DEFAULT_RULES

    @field_validator("push_secret", mode="before")
    @classmethod
    def _long_secret(cls, value: str | None) -> str:
        value = value or ""
        if value and not re.fullmatch(r"[A-Za-z0-9_-]{16,128}", value):
            raise ValueError("must be 16 to 128 letters, digits, '-' or '_' (it is part of a URL)")
        return value

    @field_validator("allow_from")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an address or network") from None
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> CapIngestSettings:
        for what, names in (("feed", [feed.name for feed in self.feeds]), ("rule", [rule.name for rule in self.rules])):
            repeated = sorted({name for name in names if names.count(name) > 1})
            if repeated:
                raise ValueError(f"{what} names must differ: {', '.join(repeated)} repeated")
        return self
