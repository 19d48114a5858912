"""The ``channels`` section of config.yaml: sandbox or live, the sandbox, and each channel's section. A channel's
own section is defined beside the channel (``channels.<name>``) and registered in ``channels.registry``; this model
composes them (a test checks every registered type's section is here)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from channels.cable_tv import CableTvSettings
from channels.facebook import SANDBOX_APP_SECRET, SANDBOX_PAGE_TOKEN, FacebookSettings
from channels.line_settings import SANDBOX_ACCESS_TOKEN, SANDBOX_CHANNEL_SECRET, LineSettings
from channels.webhook import PartnerSettings
from channels.webpush_settings import WebPushSettings


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
    "line.channel_access_token": SANDBOX_ACCESS_TOKEN,
    "line.channel_secret": SANDBOX_CHANNEL_SECRET,
    "facebook.page_access_token": SANDBOX_PAGE_TOKEN,
    "facebook.app_secret": SANDBOX_APP_SECRET,
}


class ChannelsSettings(_Section):
    mode: Literal["sandbox", "live"] = "sandbox"
    sandbox: SandboxSettings = SandboxSettings()
    line: LineSettings = LineSettings()
    facebook: FacebookSettings = FacebookSettings()
    cable_tv: CableTvSettings = CableTvSettings()
    webpush: WebPushSettings = WebPushSettings()
    partners: tuple[PartnerSettings, ...] = ()

    @model_validator(mode="after")
    def _live_needs_real_secrets(self) -> ChannelsSettings:
        if self.mode == "live":
            for key, placeholder in SANDBOX_SECRETS.items():
                section, name = key.split(".")
                channel = getattr(self, section)
                if channel.enabled and getattr(channel, name) == placeholder:
                    raise ValueError(f"live mode needs a real {key} (the sandbox placeholder is still set)")
            push = self.webpush
            if push.enabled and not (push.vapid_private_key or push.vapid_private_key_file):
                raise ValueError(
                    "live mode needs channels.webpush.vapid_private_key or vapid_private_key_file "
                    "(make one with `vapid --gen`), or channels.webpush.enabled: false"
                )
        return self

    @property
    def line_api_base_url(self) -> str:
        return self.sandbox.url if self.mode == "sandbox" else self.line.api_base_url

    @property
    def graph_base_url(self) -> str:
        return self.sandbox.url + "/" if self.mode == "sandbox" else self.facebook.graph_base_url
