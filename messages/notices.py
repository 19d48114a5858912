"""Reading notices: what is on air now, one notice by its CAP identifier, its free-text versions.

Functions take the session first and never commit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from messages.cap import AlertHeader, cap_time
from messages.localised import FreeTextVersion
from messages.models import MsgType, Notice, NoticeStatus, NoticeTranslation, TranslationOrigin

ON_AIR = (NoticeStatus.SENDING, NoticeStatus.SENT)


def _active_filter(now: datetime, *, training: bool = False) -> tuple[ColumnElement[bool], ...]:
    return (
        Notice.status.in_([s.value for s in ON_AIR]),
        Notice.training.is_(training),
        Notice.msg_type != MsgType.CANCEL.value,
        or_(Notice.expires.is_(None), Notice.expires > now),
    )


def active_notices(session: Session, now: datetime, *, training: bool = False) -> list[Notice]:
    """Live notices being sent or sent, not expired, cancelled, superseded or training; with ``training=True``,
    the training notices on air under the same conditions instead (a drill, for its test recipients)."""
    return list(session.scalars(select(Notice).where(*_active_filter(now, training=training)).order_by(Notice.id)))


def on_air_fingerprint(session: Session, now: datetime) -> tuple[str, datetime | None]:
    """A value that changes whenever the set of active notices or any of them changes, and when it did.

    Cheap (ids and timestamps only): feeds compare it with the poller's ETag before composing anything.
    """
    rows = session.execute(select(Notice.id, Notice.updated_at).where(*_active_filter(now))).all()
    last_expiry = session.scalar(
        select(func.max(Notice.expires)).where(Notice.expires <= now, Notice.sent_at.is_not(None))
    )
    digest = hashlib.sha256(";".join(f"{i}:{u.isoformat()}" for i, u in sorted(rows)).encode()).hexdigest()[:32]
    changes = [u for _, u in rows] + ([last_expiry] if last_expiry else [])
    return digest, max(changes) if changes else None


def notice_by_identifier(session: Session, identifier: str) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.identifier == identifier))


def free_text_versions(session: Session, notice: Notice) -> dict[str, FreeTextVersion]:
    """The notice's free text in each language as stored when it was prepared for sending."""
    rows = list(session.scalars(select(NoticeTranslation).where(NoticeTranslation.notice_id == notice.id)))
    english = next((row.text for row in rows if row.language == "en" and row.text), None)
    versions = {}
    for row in rows:
        if row.origin == TranslationOrigin.FALLBACK:
            versions[row.language] = FreeTextVersion(row.language, None, original=notice.free_text, english=english)
        else:
            versions[row.language] = FreeTextVersion(
                row.language,
                row.text,
                TranslationOrigin(row.origin) if row.text is not None else None,
                held=row.text is None,
                engine=row.engine,
            )
    return versions


def untranslated_languages(session: Session, notice: Notice, languages: Iterable[str]) -> list[str]:
    """Languages in which residents would not read the officer's free text translated: the engine failed (the
    original is shown instead), it is held for review, or it was never translated."""
    if not notice.free_text:
        return []
    rows = {
        row.language: row
        for row in session.scalars(select(NoticeTranslation).where(NoticeTranslation.notice_id == notice.id))
    }
    missing = []
    for code in languages:
        if code == notice.free_text_lang:
            continue
        row = rows.get(code)
        if row is None or row.text is None or row.origin == TranslationOrigin.FALLBACK.value:
            missing.append(code)
    return missing


def alert_header(notice: Notice, sender: str) -> AlertHeader:
    """The CAP header of a notice: Test for training, references for Updates and Cancels."""
    references: tuple[str, ...] = ()
    original = notice.references
    if original is not None and original.sent_at is not None:
        references = (f"{sender},{original.identifier},{cap_time(original.sent_at)}",)
    return AlertHeader(
        identifier=notice.identifier,
        sender=sender,
        sent=notice.sent_at or notice.created_at,
        status="Test" if notice.training else "Actual",
        msg_type=MsgType(notice.msg_type).value,
        references=references,
    )
