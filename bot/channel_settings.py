"""The ``channels`` section of config.yaml: sandbox or live, and each channel's endpoints, secrets and limits."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from messages.i18n import get_language


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FaultSettings(_Section):
    """Faults the sandbox injects from the start (they can also be changed while it runs)."""

    error_rate: float = Field(default=0.0, ge=0, le=1)
    rate_429: float = Field(default=0.0, ge=0, le=1)
    drop_rate: float = Field(default=0.0, ge=0, le=1)
    latency_ms: float = Field(default=0.0, ge=0)
    rate_limit_rps: float | None = Field(default=None, gt=0)
    monthly_quota: int | None = Field(default=None, ge=0)
    seed: int | None = None

    @model_validator(mode="after")
    def _rates_share_the_requests(self) -> FaultSettings:
        if self.error_rate + self.rate_429 + self.drop_rate > 1.0:
            raise ValueError("error_rate, rate_429 and drop_rate share the requests: together they must not exceed 1")
        return self


class SandboxSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8100, ge=0, le=65535)
    webhook_url: str | None = None  # where simulated LINE events go (default: this server's /webhooks/line)
    line: FaultSettings = FaultSettings()
    facebook: FaultSettings = FaultSettings()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


SANDBOX_SECRETS = {
    "line.channel_access_token": "sandbox-line-channel-access-token",
    "line.channel_secret": "sandbox-line-channel-secret",
    "facebook.page_access_token": "sandbox-facebook-page-access-token",
    "facebook.app_secret": "sandbox-facebook-app-secret",
}


class LineSettings(_Section):
    enabled: bool = True
    channel_access_token: str = SANDBOX_SECRETS["line.channel_access_token"]
    channel_secret: str = SANDBOX_SECRETS["line.channel_secret"]
    api_base_url: str = "https://api.line.me"
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    requests_per_second: float = Field(default=200.0, gt=0)
    quota_cache_s: float = Field(default=30.0, ge=0, le=3600)


class FacebookSettings(_Section):
    enabled: bool = True
    page_id: str = "sandbox-page"
    page_access_token: str = SANDBOX_SECRETS["facebook.page_access_token"]
    app_secret: str = SANDBOX_SECRETS["facebook.app_secret"]
    verify_token: str = "sandbox-facebook-verify-token"
    graph_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    graph_base_url: str = "https://graph.facebook.com/"
    post_languages: tuple[str, ...] = ("zh-Hant", "en")
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("post_languages")
    @classmethod
    def _known_post_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(get_language(code).code for code in value)


class CableTvSettings(_Section):
    crawl_max_chars: int = Field(default=120, ge=20, le=2000)
    feed_title: str = "Kaohsiung City public notices"


class PartnerSettings(_Section):
    name: str = Field(min_length=1, pattern=r"^[a-z0-9_-]+$")
    url: str
    secret: str = Field(min_length=16)
    languages: tuple[str, ...] | None = None
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    @field_validator("languages")
    @classmethod
    def _known_partner_languages(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return None if value is None else tuple(get_language(code).code for code in value)


class ChannelsSettings(_Section):
    mode: Literal["sandbox", "live"] = "sandbox"
    sandbox: SandboxSettings = SandboxSettings()
    line: LineSettings = LineSettings()
    facebook: FacebookSettings = FacebookSettings()
    cable_tv: CableTvSettings = CableTvSettings()
    partners: tuple[PartnerSettings, ...] = ()

    @model_validator(mode="after")
    def _live_needs_real_secrets(self) -> ChannelsSettings:
        if self.mode == "live":
            for key, placeholder in SANDBOX_SECRETS.items():
                section, name = key.split(".")
                channel = getattr(self, section)
                if channel.enabled and getattr(channel, name) == placeholder:
                    raise ValueError(f"live mode needs a real {key} (the sandbox placeholder is still set)")
        return self

    @property
    def line_api_base_url(self) -> str:
        return self.sandbox.url if self.mode == "sandbox" else self.line.api_base_url

    @property
    def graph_base_url(self) -> str:
        return self.sandbox.url + "/" if self.mode == "sandbox" else self.facebook.graph_base_url
