"""The delivery page's figures: per channel × language, and the progress chart drawn as SVG on the server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.console.auth import services
from bot.office.quota import quota_channels
from channels.base import Audience
from scheduler.report import delivery_report, delivery_timeline

CHART_WIDTH, CHART_HEIGHT = 640, 200


@dataclass(frozen=True)
class PausedChannel:
    """A paused channel as the notice's delivery page shows it: what of this notice, and of all, waits on it."""

    channel: str
    reason: str | None
    since: datetime | None
    pending: dict[str, int]  # this notice's deliveries and residents
    pending_all_notices: dict[str, int]


@dataclass(frozen=True)
class DeliveryView:
    report: dict
    totals: dict[str, int]  # residents, on the channels that reach residents one by one
    public: dict[str, int]  # sends to public channels (page posts, partner pushes)
    outstanding: int
    chart_points: str  # SVG polyline points
    chart_start: datetime | None
    chart_end: datetime | None
    chart_max: int
    paused: list[PausedChannel]


def _points(timeline: list[tuple[datetime, int]], maximum: int) -> str:
    if not timeline:
        return ""
    start, end = timeline[0][0], timeline[-1][0]
    span = max((end - start).total_seconds(), 1.0)
    scaled = [(0.0, float(CHART_HEIGHT))]
    for when, count in timeline:
        x = (when - start).total_seconds() / span * CHART_WIDTH
        y = CHART_HEIGHT - (count / maximum * CHART_HEIGHT if maximum else 0)
        scaled.append((x, y))
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in scaled)


def delivery_view(notice_id: int) -> DeliveryView:
    services().flush_message_counts()  # the bot's replies and pushes of the last seconds count too
    with services().session_factory() as session:
        report = delivery_report(session, notice_id, counted=quota_channels(services().channels))
        timeline = delivery_timeline(session, notice_id)
    limits = services().channel_limits
    totals = {key: 0 for key in ("targeted", "sent", "failed", "dead", "pending")}
    public = dict(totals)
    for channel, entry in report["channels"].items():
        public_channel = channel in limits and limits[channel].audience is Audience.PUBLIC
        for key in totals:
            (public if public_channel else totals)[key] += entry[key]
    # From the same reading as the table, so the two agree.
    waiting = totals["pending"] + totals["failed"] + public["pending"] + public["failed"]
    maximum = max(totals["targeted"] + public["targeted"], timeline[-1][1] if timeline else 0)
    paused = [
        PausedChannel(
            entry["channel"],
            entry["reason"],
            datetime.fromisoformat(entry["since"]) if entry["since"] else None,
            entry["pending"],
            entry["pending_all_notices"],
        )
        for entry in report.get("paused_channels", [])
    ]
    return DeliveryView(
        report=report,
        totals=totals,
        public=public,
        outstanding=waiting,
        chart_points=_points(timeline, maximum),
        chart_start=timeline[0][0] if timeline else None,
        chart_end=timeline[-1][0] if timeline else None,
        chart_max=maximum,
        paused=paused,
    )
