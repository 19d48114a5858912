"""Recurring notices in the database: which of their occurrences are due, and the copy each one becomes.

Each time of a recurring notice's cron expression becomes a copy of the notice carrying that
``occurrence_at``; the unique key on (recurring notice, occurrence time) lets only one copy per time be
written. ``scheduler.occurrences`` decides, with these, what is sent and what is recorded missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from messages.models import Notice, NoticeStatus, NoticeTranslation
from scheduler.recurrence import cron_times

# How far back a leader looks for a recurring notice's occurrences after downtime.
LOOKBACK = timedelta(days=7)
# Missed occurrences of one recurring notice recorded one by one per catch-up; the audit row counts the rest.
MISSED_LISTED = 100


@dataclass(frozen=True)
class RecurrencePlan:
    """What a recurring notice needs now: the occurrence to send, if any, and those to record missed."""

    template_id: int
    send: datetime | None
    missed: tuple[datetime, ...]
    missed_unlisted: int  # missed too, but older than the ones listed


def occurrence_exists(session: Session, template_id: int, occurrence_at: datetime) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Notice.recurrence_of == template_id, Notice.occurrence_at == occurrence_at))
        )
    )


def latest_occurrence(session: Session, template_id: int) -> datetime | None:
    """The time of the last occurrence sent or recorded (copies made before occurrences carried their
    time count from when they were made)."""
    latest = session.scalar(select(func.max(Notice.occurrence_at)).where(Notice.recurrence_of == template_id))
    if latest is None:
        latest = session.scalar(select(func.max(Notice.effective)).where(Notice.recurrence_of == template_id))
    return latest


def plan_recurrence(session: Session, template: Notice, now: datetime, grace: timedelta) -> RecurrencePlan:
    """The occurrences of ``template`` due since the last one recorded (or since its recurrence began)."""
    anchors = [moment for moment in (latest_occurrence(session, template.id), template.send_at) if moment]
    # A recurring notice scheduled before its start was recorded: only what is still within the grace.
    anchor = max(anchors) if anchors else now - grace
    times, total = cron_times(template.recurrence or "", max(anchor, now - LOOKBACK), now, keep=MISSED_LISTED + 1)
    send = times.pop() if times and now - times[-1] <= grace else None
    missed = times[-MISSED_LISTED:]
    return RecurrencePlan(template.id, send, tuple(missed), total - len(missed) - (1 if send else 0))


def copy_of_recurring(
    session: Session, template: Notice, occurrence_at: datetime, *, status: NoticeStatus = NoticeStatus.APPROVED
) -> Notice:
    """The occurrence of a recurring notice at ``occurrence_at``: a copy of the template, approved as the
    template was. Flushed at once, so a second attempt at the same occurrence fails here, before anything else."""
    copy = Notice(
        kind=template.kind,
        params=dict(template.params),
        districts=list(template.districts),
        topic=template.topic,
        severity=template.severity,
        training=template.training,
        sandboxed=template.sandboxed,
        free_text=template.free_text,
        free_text_lang=template.free_text_lang,
        agency=template.agency,
        ask_checkin=template.ask_checkin,
        author=template.author,
        approver=template.approver,
        status=status,
        recurrence_of=template.id,
        occurrence_at=occurrence_at,
        effective=occurrence_at,
        expires=(
            (occurrence_at + (template.expires - template.effective))
            if template.expires and template.effective
            else None
        ),
    )
    session.add(copy)
    session.flush()
    return copy


def copy_free_text(session: Session, template_id: int, copy_id: int) -> None:
    """The template's free text in every language, as localised (and perhaps reviewed) once for all occurrences."""
    for version in session.scalars(select(NoticeTranslation).where(NoticeTranslation.notice_id == template_id)):
        session.add(
            NoticeTranslation(
                notice_id=copy_id,
                language=version.language,
                text=version.text,
                origin=version.origin,
                engine=version.engine,
                reviewed_by=version.reviewed_by,
            )
        )
