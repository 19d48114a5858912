"""What the resident bot keeps: dialogue states, webhook events seen, FAQs, petitions and surveys."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messages.db import Base, utcnow


class CaseStatus(StrEnum):
    RECEIVED = "received"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


CLOSED_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


class Conversation(Base):
    """Where a resident is in a dialogue, so a restart loses nothing."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))  # "line", "messenger"
    user_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)  # the dialogue's answers so far
    last_inbound_at: Mapped[datetime | None] = mapped_column(default=None)  # opens Messenger's 24-hour window
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("channel", "user_id"),)


RESUME_WINDOW = timedelta(hours=24)  # older webhook events are not worth answering any more


class WebhookEvent(Base):
    """A webhook event as the platform sent it: stored before the webhook answers, handled once.

    Its id makes a redelivery recognisable; ``handled_at`` stays empty until the bot has answered.
    ``user_id`` is the sender: a webhook worker claims a resident's events only while none of their
    earlier ones is being answered elsewhere, so each resident's events are answered in order.
    """

    __tablename__ = "webhook_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    handled_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        Index("ix_webhook_events_pending", "channel", "handled_at", "received_at"),
        Index("ix_webhook_events_user", "channel", "user_id"),
    )


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    questions: Mapped[list[str]] = mapped_column(default=list)
    answer: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("key", "language"),)


class Case(Base):
    """A petition (陳情). The resident's ids are removed when they ask to delete their data."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # KH-2026-000123
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(Text, default=None)  # "lat,lon" or an address
    photo: Mapped[str | None] = mapped_column(Text, default=None)  # the platform's content id
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.RECEIVED)
    assignee: Mapped[str | None] = mapped_column(String(120), default=None)  # the officer handling it
    # The agency answering it (agencies.key) and the day it is due, in working days from its category's limit.
    agency: Mapped[str | None] = mapped_column(ForeignKey("agencies.key"), default=None, index=True)
    due_on: Mapped[date | None] = mapped_column(default=None)
    satisfaction: Mapped[int | None] = mapped_column(Integer, default=None)  # 1–5, asked after closing
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseEvent.id"
    )

    __table_args__ = (Index("ix_cases_user", "channel", "user_id"),)


class Agency(Base):
    """A city bureau that answers petitions; seeded from the glossary's agencies, its names editable by admins."""

    __tablename__ = "agencies"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # the glossary's agency key
    names: Mapped[dict[str, Any]] = mapped_column(default=dict)  # language → name, every bot language
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def name(self, language: str) -> str:
        return str(self.names.get(language) or self.names.get("en") or self.key)


class CaseReminder(Base):
    """A case's due date is near or past: shown to its agency's officers on their console home until handled.

    One row per case, kind and due date (a case transferred or given a new due date may be reminded again)."""

    __tablename__ = "case_reminders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    agency: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # ReminderKind
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime | None] = mapped_column(default=None)
    seen_by: Mapped[str | None] = mapped_column(String(120), default=None)

    case: Mapped[Case] = relationship()

    __table_args__ = (
        UniqueConstraint("case_id", "kind", "due_on", name="uq_case_reminders_case_kind_due"),
        Index("ix_case_reminders_agency", "agency", "seen_at"),
    )


class CaseEvent(Base):
    """A change of a case's status, with the officer's note."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey(Case.id, ondelete="CASCADE"))
    status: Mapped[CaseStatus] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    officer: Mapped[str | None] = mapped_column(String(120), default=None)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)  # an officers' note the resident never sees
    agency: Mapped[str | None] = mapped_column(String(64), default=None)  # the agency the case is with from then
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")


class CheckInAnswer(StrEnum):
    SAFE = "safe"
    HELP = "help"


class CheckIn(Base):
    """A resident's answer to "Are you safe?": one per resident and notice, the latest answer kept.

    ``notice_id`` is None for an answer given when no notice asked (the disaster rich menu's buttons); the district
    is where it is counted, kept when the resident asks to be forgotten (their ids are then removed).
    """

    __tablename__ = "checkins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id", ondelete="SET NULL"), default=None)
    training: Mapped[bool] = mapped_column(Boolean, default=False)  # a drill's answers are never counted as live
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    district: Mapped[str] = mapped_column(String(32))  # a district key, or "all" for a whole-city follower
    answer: Mapped[CheckInAnswer] = mapped_column(String(8))
    case_id: Mapped[int | None] = mapped_column(ForeignKey(Case.id, ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    case: Mapped[Case | None] = relationship()

    __table_args__ = (
        UniqueConstraint("channel", "user_id", "notice_id", name="uq_checkins_resident_notice"),
        Index("ix_checkins_notice", "notice_id", "district"),
    )


class PollVote(Base):
    """A resident's vote in a poll: one per resident and poll, the first counted. The ids are kept only to refuse a
    second vote, and removed (the vote still counted) when the resident asks to be forgotten."""

    __tablename__ = "poll_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # the option voted for
    training: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    district: Mapped[str] = mapped_column(String(32))  # a district key, or "all" for a whole-city follower
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("channel", "user_id", "notice_id", name="uq_poll_votes_resident_notice"),
        Index("ix_poll_votes_notice", "notice_id", "district"),
    )
