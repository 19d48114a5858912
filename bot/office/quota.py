"""Messages and money: what a notice costs in LINE messages against the month's quota, and the desk's rule that a
notice needing more than is left goes only when an officer says so.

LINE counts one message per recipient of a multicast or push (however many message objects a send carries) and
nothing for a reply; an official account's plan allows so many a month (``GET /v2/bot/message/quota``) and reports
what was used (``/quota/consumption``). A notice's LINE residents are therefore what it consumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from channels.base import ChannelError, Quota, QuotaReporting
from messages.plurals import counted
from messages.said import Said
from scheduler.sending import NoticeActionError


@dataclass(frozen=True)
class QuotaForecast:
    """A notice's cost on ``channel`` (``needed`` messages) beside the month's quota as the platform reported
    it (``quota``), or why it could not be read (``error``)."""

    channel: str
    needed: int
    quota: Quota | None = None
    error: str | None = None

    @property
    def remaining(self) -> int | None:
        """Messages left this month; None when there is no limit or it could not be read."""
        return self.quota.remaining if self.quota is not None else None

    @property
    def limited(self) -> bool:
        return self.quota is not None and self.quota.limit is not None

    @property
    def exceeds(self) -> bool:
        """Whether sending would pass the month's limit (only a figure that was read can say so)."""
        remaining = self.remaining
        return remaining is not None and self.needed > remaining

    @property
    def short_by(self) -> int:
        remaining = self.remaining
        return max(0, self.needed - remaining) if remaining is not None else 0

    def as_dict(self) -> dict[str, Any]:
        quota = self.quota
        return {
            "channel": self.channel,
            "needed": self.needed,
            "used": quota.used if quota else None,
            "limit": quota.limit if quota else None,
            "remaining": self.remaining,
            "exceeds": self.exceeds,
            "error": self.error,
        }


def quota_channels(channels: Mapping[str, Any]) -> list[str]:
    """The enabled channels whose sends count against a monthly allowance: those that report a quota."""
    return [name for name, channel in channels.items() if isinstance(channel, QuotaReporting)]


def quota_channel(channels: Mapping[str, Any]) -> str | None:
    """The channel a notice's cost is forecast on: the first that reports a quota."""
    return next(iter(quota_channels(channels)), None)


def messages_needed(audience: Mapping[str, Mapping[str, int]], channel: str | None) -> int:
    """What a notice consumes on ``channel``: one message per resident it goes to there."""
    return sum(audience.get(channel, {}).values()) if channel else 0


def forecast(
    channels: Mapping[str, Any], needed: int, *, channel: str | None = None, max_age_s: float | None = None
) -> QuotaForecast | None:
    """The forecast for ``needed`` messages on ``channel`` (the one that reports a quota when None), asking its
    platform (a network call: hold no session across it); None when no enabled channel keeps a quota. A platform
    that cannot answer gives a forecast with its ``error``: nothing is refused on a figure nobody could read."""
    channel = channel or quota_channel(channels)
    reporting = channels.get(channel) if channel else None
    if channel is None or not isinstance(reporting, QuotaReporting):
        return None
    try:
        return QuotaForecast(channel, needed, reporting.quota(max_age_s=max_age_s))
    except ChannelError as exc:
        return QuotaForecast(channel, needed, error=str(exc))


class QuotaWouldBeExceeded(NoticeActionError):
    """Sending needs more messages than the month has left: the officer must say to send it anyway."""

    def __init__(self, notice_id: int, forecast: QuotaForecast) -> None:
        limit = forecast.quota.limit if forecast.quota else None
        super().__init__(
            f"notice {notice_id} needs {counted(forecast.needed, 'LINE message', 'LINE messages')} but only "
            f"{forecast.remaining or 0:,} of this month's {limit or 0:,} are left: LINE would refuse at least "
            f"{forecast.short_by:,} of them (a multicast that does not fit is refused whole) and the channel would "
            "pause until the limit is raised; send it with exceed_quota to go anyway",
            code="over_quota",
            id=notice_id,
            count=forecast.needed,
            remaining=f"{forecast.remaining or 0:,}",
        )
        self.forecast = forecast


def check_quota(notice_id: int, forecast: QuotaForecast | None, *, exceed_quota: bool) -> None:
    """Refuse a send that would pass the month's quota unless the officer insisted (``exceed_quota``)."""
    if forecast is not None and forecast.exceeds and not exceed_quota:
        raise QuotaWouldBeExceeded(notice_id, forecast)


def quota_summary(forecast: QuotaForecast | None, *, exceed_quota: bool) -> Said | None:
    """The quota as the send's audit row tells it, when there was one to tell."""
    if forecast is None or forecast.quota is None:
        if forecast is None or not forecast.error:
            return None
        return Said(f"LINE quota unread: {forecast.error}", "quota.unread", error=forecast.error)
    if forecast.quota.limit is None:
        return Said(f"LINE: {forecast.needed:,} messages, no monthly limit", "quota.unlimited", count=forecast.needed)
    needed, remaining, limit = forecast.needed, forecast.remaining or 0, forecast.quota.limit
    said = f"LINE: {needed:,} messages, {forecast.remaining:,} of {limit:,} left this month"
    if forecast.exceeds and exceed_quota:
        past = f"{said}; sent past the quota as the officer insisted"
        return Said(past, "quota.past", count=needed, remaining=remaining, limit=limit)
    return Said(said, "quota.left", count=needed, remaining=remaining, limit=limit)
