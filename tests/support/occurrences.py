"""A daily notice whose scheduler was down for two days: two occurrences missed, the third sent late."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select

from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from scheduler.occurrences import Occurrences
from scheduler.sending import schedule

SCHEDULED_AT = datetime(2026, 12, 1, 7, 0, tzinfo=TAIPEI)  # recurring daily at 08:00 from then on
FIRST = SCHEDULED_AT.replace(hour=8)


def daily_notice_with_missed_occurrences(services, composer) -> tuple[int, dict[datetime, int]]:
    """The recurring notice's id, and its occurrences' notice ids by time (two missed, the last sent)."""
    with services.session_factory.begin() as session:
        notice = composer.new_notice("heavy_rain", composer.kinds.get("heavy_rain").example_params, author="ed-lin")
        notice.status, notice.approver = NoticeStatus.APPROVED, "ap-chen"
        session.add(notice)
        session.flush()
        schedule(session, notice.id, cron="0 8 * * *", now=SCHEDULED_AT)
        template_id = notice.id
    late = FIRST + timedelta(days=2, seconds=20)
    Occurrences(replace(services.dispatch, clock=lambda: late), misfire_grace_s=60).catch_up()
    with services.session_factory() as session:
        copies = session.execute(select(Notice.occurrence_at, Notice.id).where(Notice.recurrence_of == template_id))
        return template_id, dict(copies.all())
