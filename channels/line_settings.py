"""LINE's settings section (``channels.line``): apart from ``channels.line``, which loads line-bot-sdk (seconds),
so that reading the configuration stays quick."""

from __future__ import annotations

from pydantic import Field

from channels.section import ChannelSection

SANDBOX_ACCESS_TOKEN = "sandbox-line-channel-access-token"
SANDBOX_CHANNEL_SECRET = "sandbox-line-channel-secret"


class LineSettings(ChannelSection):
    enabled: bool = True
    channel_access_token: str = SANDBOX_ACCESS_TOKEN
    channel_secret: str = SANDBOX_CHANNEL_SECRET
    api_base_url: str = "https://api.line.me"
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    requests_per_second: float = Field(default=200.0, gt=0)
    quota_cache_s: float = Field(default=30.0, ge=0, le=3600)
