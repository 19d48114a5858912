"""Signing in: a throttle per (address, username) that grows, and a limit per address, both counted from the
audit log, so every web process sees the same refusals.

Wrong passwords for one username from one address: the first ``FREE_FAILURES`` cost nothing, then each
next attempt must wait 1 s, 2 s, 4 s … (at most ``MAX_DELAY``) after the last wrong one. The same username
signs in at once from anywhere else: nobody elsewhere on the network can lock an approver out during an
emergency, as a lock-out of the account would let them. An attempt during the wait is refused with the
same words, status and work (one password verification) as a wrong password, and teaches nothing: its
password is not judged. ``MAX_REFUSED_PER_ADDRESS`` refusals within ``ADDRESS_WINDOW`` from one address,
whatever the usernames, make that address wait; that answer depends on no username, so it verifies nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from bot.office.accounts import USERNAME, LoginRefused, authenticate
from bot.office.audit import REFUSED_SIGN_INS, AuditAction, record, refused_sign_ins_from
from bot.office.models import AuditEntry, Officer
from messages.said import Said

FREE_FAILURES = 5
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=5)
FAILURE_MEMORY = timedelta(hours=1)  # wrong passwords older than this no longer count
MAX_REFUSED_PER_ADDRESS = 20
ADDRESS_WINDOW = timedelta(minutes=15)
UNREADABLE_USERNAME = "-"  # what the audit log names instead of a typed name that cannot be a username


def delay_after(failures: int) -> timedelta:
    """How long after the last of ``failures`` wrong passwords in a row the next attempt must wait."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(FIRST_DELAY * 2 ** min(failures - FREE_FAILURES, 32), MAX_DELAY)


def audit_name(username: str) -> str:
    """The typed username as the audit log and the throttle keep it: only what could be a username."""
    name = username.strip().lower()
    return name if USERNAME.match(name) else UNREADABLE_USERNAME


def _sign_ins_of(address: str, name: str) -> tuple[ColumnElement[bool], ...]:
    """The audit log's conditions for sign-ins as one username from one address."""
    return (AuditEntry.subject_type == "officer", AuditEntry.subject_id == name, AuditEntry.summary == address)


def throttled_until(session: Session, address: str, username: str, *, now: datetime) -> datetime | None:
    """Until when sign-ins as ``username`` from ``address`` are refused, or None when one may try now."""
    name = audit_name(username)
    since = now - FAILURE_MEMORY
    last_success = session.scalar(
        select(func.max(AuditEntry.at)).where(
            AuditEntry.action == AuditAction.LOGIN.value, AuditEntry.at >= since, *_sign_ins_of(address, name)
        )
    )
    failures, last_failure = session.execute(
        select(func.count(), func.max(AuditEntry.at)).where(
            AuditEntry.action == AuditAction.LOGIN_FAILED.value,
            AuditEntry.at > max(since, last_success or since),
            *_sign_ins_of(address, name),
        )
    ).one()
    delay = delay_after(failures)
    if not delay or last_failure is None or last_failure + delay <= now:
        return None
    return last_failure + delay


def address_waits(session: Session, address: str, *, now: datetime) -> bool:
    """Whether too many sign-ins from the address were refused lately, whatever the usernames."""
    return refused_sign_ins_from(session, address, since=now - ADDRESS_WINDOW) >= MAX_REFUSED_PER_ADDRESS


def sign_in(
    session: Session, username: str, password: str, *, address: str, now: datetime, hasher: PasswordHasher | None = None
) -> Officer:
    """The officer, or LoginRefused; either way recorded in the audit log with the address. Never commits: the
    caller commits a refusal too, which is what the throttle counts."""
    name = audit_name(username)
    waiting = throttled_until(session, address, name, now=now) is not None
    try:
        officer = authenticate(session, username, password, now=now, throttled=waiting, hasher=hasher)
    except LoginRefused:
        record(
            session,
            name,
            AuditAction.THROTTLED if waiting else AuditAction.LOGIN_FAILED,
            "officer",
            name,
            now=now,
            summary=Said(address, "sign_in.address", address=address),
        )
        raise
    record(
        session,
        officer.username,
        AuditAction.LOGIN,
        "officer",
        officer.username,
        now=now,
        summary=Said(address, "sign_in.address", address=address),
    )
    return officer


def recent_refusals(session: Session, *, now: datetime) -> dict[str, int]:
    """Refused sign-ins per username within ``FAILURE_MEMORY``, from any address (the officers page)."""
    rows = session.execute(
        select(AuditEntry.subject_id, func.count())
        .where(
            AuditEntry.action.in_(REFUSED_SIGN_INS),
            AuditEntry.subject_type == "officer",
            AuditEntry.at >= now - FAILURE_MEMORY,
        )
        .group_by(AuditEntry.subject_id)
    ).all()
    return {name: count for name, count in rows}
