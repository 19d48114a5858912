"""What came in from the national platform, as it came, and what civicast did with it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from messages.db import Base, utcnow


class Outcome(StrEnum):
    RECEIVED = "received"  # stored, not yet decided
    SENT = "sent"  # a live notice went out (auto_send)
    TRAINING = "training"  # Test, Exercise, System or Draft: a marked training notice to test recipients at most
    DRAFTED = "drafted"  # a draft waits for officers
    UPDATED = "updated"  # an Update of the notice made from the referenced alert
    CANCELLED = "cancelled"  # the notice made from the referenced alert is cancelled
    DUPLICATE = "duplicate"  # the same sender, identifier and sent came before
    IGNORED = "ignored"  # understood, and no rule acts on it (not Kaohsiung, expired, Ack/Error, ...)
    REJECTED = "rejected"  # not a usable CAP 1.2 alert
    FAILED = "failed"  # understood and wanted, but making or sending the notice failed


SOURCES = ("push", "poll", "file")


class IncomingAlert(Base):
    """One received document: the raw bytes, where and when it came from, and the outcome with its reason."""

    __tablename__ = "incoming_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(16))  # push | poll | file
    origin: Mapped[str | None] = mapped_column(String(300), default=None)  # address, feed name or file name
    digest: Mapped[str] = mapped_column(String(64), index=True)  # SHA-256 of the raw bytes
    size: Mapped[int] = mapped_column(Integer)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    sender: Mapped[str | None] = mapped_column(String(200), default=None)
    identifier: Mapped[str | None] = mapped_column(String(200), default=None)
    sent: Mapped[str | None] = mapped_column(String(40), default=None)  # as written in the alert
    status: Mapped[str | None] = mapped_column(String(16), default=None)
    msg_type: Mapped[str | None] = mapped_column(String(16), default=None)
    event_code: Mapped[str | None] = mapped_column(String(64), default=None)
    headline: Mapped[str | None] = mapped_column(Text, default=None)  # the source's own zh-TW headline
    kind: Mapped[str | None] = mapped_column(String(64), default=None)
    districts: Mapped[list[str]] = mapped_column(default=list)
    outcome: Mapped[Outcome] = mapped_column(String(16), default=Outcome.RECEIVED)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    rule: Mapped[str | None] = mapped_column(String(120), default=None)  # the rule that decided
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), default=None)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("incoming_alerts.id"), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (Index("ix_incoming_alerts_outcome", "outcome", "received_at"),)


class AlertKey(Base):
    """The first document with a (sender, identifier, sent): the unique key makes a duplicate a no-op, whichever
    path (push, poll, file) brought it first, across processes."""

    __tablename__ = "cap_alert_keys"

    sender: Mapped[str] = mapped_column(String(200), primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent: Mapped[str] = mapped_column(String(40), primary_key=True)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("incoming_alerts.id"))


class FeedState(Base):
    """A polled feed: its validators for conditional GETs, and its backoff after failures."""

    __tablename__ = "cap_feeds"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(300), default=None)
    last_modified: Mapped[str | None] = mapped_column(String(100), default=None)
    polled_at: Mapped[datetime | None] = mapped_column(default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    retry_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


class FeedEntry(Base):
    """A feed entry already fetched: feeds are history buffers that keep listing old alerts."""

    __tablename__ = "cap_feed_entries"

    feed: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(300), primary_key=True)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_alerts.id"), default=None)


class IngestRule(Base):
    """What to do with an alert of a kind, at or above a severity or level, in some districts: first match wins."""

    __tablename__ = "cap_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(64))  # a civicast kind, or "*" for any
    min_severity: Mapped[str | None] = mapped_column(String(16), default=None)  # CAP severity
    min_level: Mapped[str | None] = mapped_column(String(32), default=None)  # the kind's own level
    districts: Mapped[list[str]] = mapped_column(default=list)  # empty: anywhere in Kaohsiung
    action: Mapped[str] = mapped_column(String(16))  # auto_send | draft | ignore
    notify_duty: Mapped[bool] = mapped_column(Boolean, default=False)  # LINE the duty officers about a draft
    updated_by: Mapped[str | None] = mapped_column(String(120), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("name"),)
