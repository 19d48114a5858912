"""The press office's tables: officers, API keys, the audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from messages.db import Base, utcnow


class Role(StrEnum):
    VIEWER = "viewer"  # reads notices, delivery, subscribers, the audit log and petitions (not internal notes)
    EDITOR = "editor"  # composes and submits
    APPROVER = "approver"  # also approves, rejects, schedules and sends other officers' notices
    ADMIN = "admin"  # also manages officers and API keys
    AGENCY_OFFICER = "agency_officer"  # reads and answers only the petitions of their own agency


class KeyMode(StrEnum):
    TEST = "test"  # training notices only: they reach sandbox and test recipients, never a live channel
    LIVE = "live"


class Officer(Base):
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(String(16))
    agency: Mapped[str | None] = mapped_column(ForeignKey("agencies.key"), default=None)  # an agency officer's
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiKey(Base):
    """A key is shown once; only its hash is kept. It acts as the officer who created it."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(String(32), unique=True)  # the public part of the key
    secret_hash: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(120))
    mode: Mapped[KeyMode] = mapped_column(String(8))
    officer_id: Mapped[int] = mapped_column(ForeignKey(Officer.id, ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    officer: Mapped[Officer] = relationship()


class AuditEntry(Base):
    """Who did what to what, and when. Rows are only ever added."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))  # officer username, "api:<key id>" prefixed by the officer
    via: Mapped[str] = mapped_column(String(16))  # console, api, cli, demo, system
    key_id: Mapped[str | None] = mapped_column(String(32), default=None)  # the API key that acted, if one did
    key_mode: Mapped[str | None] = mapped_column(String(8), default=None)  # test or live
    action: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))  # notice, case, faq, officer, api_key, translation
    subject_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (Index("ix_audit_log_subject", "subject_type", "subject_id"), Index("ix_audit_log_at", "at"))


class ConsoleSession(Base):
    """One sign-in to the console. The cookie holds a random token; only its hash is kept here, so the
    table cannot be used to sign in. Ending a row signs that browser out at its next request."""

    __tablename__ = "console_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey(Officer.id, ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    remote_addr: Mapped[str | None] = mapped_column(String(64), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(200), default=None)

    officer: Mapped[Officer] = relationship()
