"""Console sign-ins kept on the server, so that signing out, a password reset or deactivation ends them.

The browser's cookie carries a random token; the table keeps its SHA-256, the officer,
when it started, when it was last used and when it ends. A session lasts at most the
configured hours from sign-in, however busy the officer is.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session, contains_eager

from bot.office.models import ConsoleSession, Officer
from messages.db import affected_rows

SEEN_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often, not on every request
KEEP_ENDED = timedelta(days=30)  # ended sessions (when, from where, why ended) stay this long, then go


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    SIGNED_OUT_ELSEWHERE = "signed_out_elsewhere"  # an admin ended every session of the officer
    PASSWORD_CHANGED = "password_changed"
    DEACTIVATED = "deactivated"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    session: Session,
    officer: Officer,
    *,
    now: datetime,
    lifetime: timedelta,
    remote_addr: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session for the officer; the token for the cookie (shown nowhere else)."""
    session.execute(
        delete(ConsoleSession).where(
            ConsoleSession.officer_id == officer.id,
            or_(ConsoleSession.ended_at < now - KEEP_ENDED, ConsoleSession.expires_at < now - KEEP_ENDED),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        ConsoleSession(
            token_hash=_hash(token),
            officer_id=officer.id,
            started_at=now,
            last_seen_at=now,
            expires_at=now + lifetime,
            remote_addr=(remote_addr or "")[:64] or None,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    return token


def live_session(session: Session, token: str, *, now: datetime) -> ConsoleSession | None:
    """The session the token belongs to if it is neither ended nor expired and its officer is active."""
    row = session.scalar(
        select(ConsoleSession)
        .join(Officer)
        .options(contains_eager(ConsoleSession.officer))
        .where(
            ConsoleSession.token_hash == _hash(token),
            ConsoleSession.ended_at.is_(None),
            ConsoleSession.expires_at > now,
            Officer.active.is_(True),
        )
    )
    if row is not None and now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now
    return row


def end_session(session: Session, token: str, *, now: datetime, reason: EndReason = EndReason.SIGNED_OUT) -> bool:
    result = session.execute(
        update(ConsoleSession)
        .where(ConsoleSession.token_hash == _hash(token), ConsoleSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason.value)
    )
    return bool(affected_rows(result))


def end_officer_sessions(session: Session, officer_id: int, *, now: datetime, reason: EndReason) -> int:
    """End every session of the officer still open; how many there were."""
    result = session.execute(
        update(ConsoleSession)
        .where(
            ConsoleSession.officer_id == officer_id, ConsoleSession.ended_at.is_(None), ConsoleSession.expires_at > now
        )
        .values(ended_at=now, ended_reason=reason.value)
    )
    return affected_rows(result)


def open_session_counts(session: Session, *, now: datetime) -> dict[int, int]:
    """Officer id → how many sessions are open (signed in and not expired)."""
    return dict(
        session.execute(
            select(ConsoleSession.officer_id, func.count())
            .where(ConsoleSession.ended_at.is_(None), ConsoleSession.expires_at > now)
            .group_by(ConsoleSession.officer_id)
        ).all()
    )
