"""What a send or a schedule will do, restated before it happens: how many residents (or test recipients), in how
many languages, on which channels, and whether the notice number must be typed to confirm it.

Every door asks for a confirmation of this plan before the desk sends or schedules (``bot.office.confirmation``):
the console shows it as a sentence in the officer's language, the API answers it when ``confirm`` is missing, the
command line prints it and asks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.lists import format_list

from bot.office.confirmation import needs_typed_number
from bot.office.services import Services
from messages.i18n import TAIPEI
from scheduler.reach import notice_audience
from scheduler.sending import get_notice


def carried_channels(
    names: Iterable[str], audience: Mapping[str, Mapping[str, int]], *, training: bool, public_too: bool
) -> list[str]:
    """The channels a notice goes out on, in the order given: resident channels with somebody to tell, and the
    public ones (a page post, the feeds) unless a training notice stays off them."""
    return [
        name
        for name in dict.fromkeys([*names, *audience])
        if (sum(audience[name].values()) > 0 if name in audience else not training or public_too)
    ]


@dataclass(frozen=True)
class SendPlan:
    notice_id: int
    recipients: int  # residents, or test recipients for a training notice
    languages: tuple[str, ...]  # the languages the notice is written in
    channels: tuple[str, ...]  # channel names, in the registry's order
    labels: Mapping[str, str]  # channel name → how it calls itself
    training: bool
    needs_number: bool  # an Extreme notice to the whole city: its number is typed to confirm
    at: datetime | None = None
    cron: str | None = None

    def sentence(self) -> str:
        """The plan in English, for the API and the command line."""
        who = f"{self.recipients:,} {'test recipient' if self.training else 'resident'}"
        who += "" if self.recipients == 1 else "s"
        on = format_list([self.labels.get(name, name) for name in self.channels], locale="en") or "no channel"
        when = (
            f" every {self.cron} (Taipei time)"
            if self.cron
            else f" at {self.at.astimezone(TAIPEI):%Y-%m-%d %H:%M} (Taipei time)"
            if self.at
            else ""
        )
        verb = "Schedule notice" if self.at or self.cron else "Send notice"
        mark = "TRAINING: " if self.training else ""
        return f"{mark}{verb} {self.notice_id} to {who} in {len(self.languages)} languages on {on}{when}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "notice_id": self.notice_id,
            "recipients": self.recipients,
            "languages": list(self.languages),
            "channels": list(self.channels),
            "training": self.training,
            "notice_number_required": self.needs_number,
            "at": self.at.isoformat() if self.at else None,
            "cron": self.cron,
            "sentence": self.sentence(),
        }


def send_plan(services: Services, notice_id: int, *, at: datetime | None = None, cron: str | None = None) -> SendPlan:
    """The plan of sending (or scheduling) a notice now, from who follows it today."""
    with services.session_factory() as session:
        notice = get_notice(session, notice_id)
        audience = notice_audience(session, notice, glossary=services.glossary, channels=services.channel_limits)
        training, needs_number = bool(notice.training), needs_typed_number(notice, services.kinds)
    carried = carried_channels(
        services.publishers, audience, training=training, public_too=services.dispatch.public_channels_for_training
    )
    return SendPlan(
        notice_id=notice_id,
        recipients=sum(sum(per.values()) for per in audience.values()),
        languages=tuple(services.settings.languages),
        channels=tuple(carried),
        labels={name: str(getattr(channel, "label", name)) for name, channel in services.publishers.items()},
        training=training,
        needs_number=needs_number,
        at=at,
        cron=cron,
    )
