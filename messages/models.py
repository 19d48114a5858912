"""The notice domain's tables: notices, their free-text translations, the translation memory."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messages.db import Base, utcnow


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    REJECTED = "rejected"  # sent back to its author with a reason
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"  # an Update replaced it
    EXPIRED = "expired"
    MISSED = "missed"


class MsgType(StrEnum):
    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


class TranslationOrigin(StrEnum):
    SOURCE = "source"  # written by the officer in this language
    REVIEWED = "reviewed"  # a person reviewed it
    MACHINE = "machine"  # machine translated, not yet reviewed
    FALLBACK = "fallback"  # the engine failed: the original (and English) is shown instead


def new_identifier() -> str:
    return f"civicast-{uuid.uuid4()}"


class Notice(Base):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(String(120), unique=True, default=new_identifier)
    kind: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # District keys the notice concerns, or ["all"] for the whole city.
    districts: Mapped[list[str]] = mapped_column(default=lambda: ["all"])
    topic: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(16), default=None)  # None: the kind's default
    status: Mapped[NoticeStatus] = mapped_column(String(16), default=NoticeStatus.DRAFT)
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    # Made with a test API key: a training notice that, when civicast is live, reaches no real channel
    # (its deliveries go to a simulated one; in sandbox mode every channel is the sandbox anyway).
    sandboxed: Mapped[bool] = mapped_column(Boolean, default=False)
    msg_type: Mapped[MsgType] = mapped_column(String(8), default=MsgType.ALERT)
    references_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), default=None)
    free_text: Mapped[str | None] = mapped_column(Text, default=None)
    # Recipients are asked "Are you safe?": LINE shows "I'm safe" / "I need help" under the notice.
    ask_checkin: Mapped[bool] = mapped_column(Boolean, default=False)
    free_text_lang: Mapped[str] = mapped_column(String(16), default="zh-Hant")
    agency: Mapped[str | None] = mapped_column(String(64), default=None)  # None: the kind's agency
    effective: Mapped[datetime | None] = mapped_column(default=None)
    expires: Mapped[datetime | None] = mapped_column(default=None)
    # When a one-off notice is sent; for a recurring notice, when its recurrence began.
    send_at: Mapped[datetime | None] = mapped_column(default=None)
    # A recurring notice is a template: at each time of its cron expression (Taipei time) a copy is sent.
    recurrence: Mapped[str | None] = mapped_column(String(120), default=None)
    recurrence_of: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), default=None)
    # The time of the cron expression a copy is for. Unique per recurring notice, so however many
    # schedulers try, an occurrence is sent (or recorded missed) once.
    occurrence_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    # While a sending notice's deliveries are still being written (a chunk per transaction, so the first go out
    # at once): when the last chunk was. None once every delivery is written. A fan-out whose process died is
    # found by this time standing still, and finished by the scheduler.
    fanout_progress_at: Mapped[datetime | None] = mapped_column(default=None)
    author: Mapped[str | None] = mapped_column(String(120), default=None)
    # Officers who changed the content (edited it, wrote its Update) or submitted it, besides the author: none of
    # them may approve it when it is live.
    contributors: Mapped[list[str]] = mapped_column(default=list)
    approver: Mapped[str | None] = mapped_column(String(120), default=None)
    review_note: Mapped[str | None] = mapped_column(Text, default=None)  # why it was rejected
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    references: Mapped[Notice | None] = relationship(remote_side="Notice.id", foreign_keys=[references_id])
    translations: Mapped[list[NoticeTranslation]] = relationship(back_populates="notice", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_notices_status_send_at", "status", "send_at"),
        UniqueConstraint("recurrence_of", "occurrence_at", name="uq_notices_occurrence"),
    )


class NoticeTranslation(Base):
    """The free text of one notice in one language, as it will be sent."""

    __tablename__ = "notice_translations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text, default=None)  # None: held for review
    origin: Mapped[TranslationOrigin] = mapped_column(String(16))
    engine: Mapped[str | None] = mapped_column(String(32), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="translations")

    __table_args__ = (UniqueConstraint("notice_id", "language"),)


class TranslationMemory(Base):
    """A text translated once per language pair; a reviewed translation replaces a machine one."""

    __tablename__ = "translation_memory"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    origin: Mapped[TranslationOrigin] = mapped_column(String(16))
    engine: Mapped[str | None] = mapped_column(String(32), default=None)
    reviewed_by: Mapped[str | None] = mapped_column(String(120), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("source_hash", "source_lang", "target_lang"),)
