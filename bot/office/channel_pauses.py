"""Resuming a channel civicast paused (LINE's monthly quota used up): the platform's quota is asked first,
and the resume is recorded in the audit log in the same transaction that resumes it.

The console and the CLI both resume through ``resume_paused_channel``. No database session is open
while the platform is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.office.accounts import Actor, Permission
from bot.office.audit import AuditAction, record
from channels.base import Channel, ChannelError, Quota, QuotaReporting
from messages.plurals import counted
from messages.said import Said
from scheduler.channel_status import ChannelStatus, QuotaVerdict, channel_status, judge_quota
from scheduler.outbox import resume_channel

AUDIT_SUBJECT = "channel"


class ChannelResumeError(Exception):
    """A channel cannot be resumed as asked; the message says why."""


class UnknownChannel(ChannelResumeError):
    pass


@dataclass(frozen=True)
class ResumeCheck:
    """What was known when an officer asked to resume: the channel's state and what its platform said."""

    status: ChannelStatus
    quota: Quota | None
    quota_error: str | None  # why the platform could not say
    verdict: QuotaVerdict


class ResumeRefused(ChannelResumeError):
    """The quota is still used up (or could not be read); resuming needs the officer to insist."""

    def __init__(self, check: ResumeCheck) -> None:
        super().__init__(f"{check.status.channel} stays paused: {describe_quota(check)}")
        self.check = check


@dataclass(frozen=True)
class ResumeOutcome:
    channel: str
    resumed: bool  # False: it was not paused (perhaps another officer resumed it a moment before)
    check: ResumeCheck | None
    forced: bool = False  # resumed although the quota check refused


def describe_quota(check: ResumeCheck) -> Said:
    """The check in one English sentence, for the command line and the audit log."""
    quota, waiting = check.quota, check.status.waiting
    if check.verdict is QuotaVerdict.UNKNOWN:
        error = check.quota_error or ""
        return Said(f"its monthly quota could not be read ({error})", "quota.unknown", error=error)
    if check.verdict is QuotaVerdict.NOT_CHECKED:
        return Said("it has no quota to check", "quota.not_checked")
    if quota is None or quota.limit is None:
        return Said("it has no monthly limit", "quota.no_limit")
    used = Said(
        f"{quota.used:,} of {counted(quota.limit, 'message', 'messages')} used this month",
        "quota.used",
        used=quota.used,
        count=quota.limit,
    )
    remaining = quota.remaining or 0
    if check.verdict is QuotaVerdict.USED_UP:
        if quota.remaining and waiting.smallest_batch:
            return Said(
                f"its monthly quota is still used up ({used}; {quota.remaining:,} left, the smallest waiting "
                f"delivery needs {waiting.smallest_batch:,})",
                "quota.used_up_short",
                used=used,
                remaining=remaining,
                smallest=waiting.smallest_batch,
            )
        return Said(f"its monthly quota is still used up ({used})", "quota.used_up", used=used)
    if check.verdict is QuotaVerdict.PARTIAL:
        waiting_residents = counted(waiting.residents, "waiting resident", "waiting residents")
        return Said(
            f"{used}: {remaining:,} left for {waiting_residents}, so it will pause again when they are used",
            "quota.partial",
            used=used,
            remaining=remaining,
            count=waiting.residents,
        )
    return used


def check_quota(channel: Channel | None, status: ChannelStatus) -> ResumeCheck:
    """Ask the channel's platform for its quota (a network call: hold no session across it)."""
    if channel is None or not isinstance(channel, QuotaReporting):
        return ResumeCheck(status, None, None, judge_quota(None, status.waiting, checked=False))
    try:
        quota = channel.quota(max_age_s=0)  # resuming decides on the figure of now
    except ChannelError as exc:
        return ResumeCheck(status, None, str(exc), QuotaVerdict.UNKNOWN)
    return ResumeCheck(status, quota, None, judge_quota(quota, status.waiting))


def _audit_detail(check: ResumeCheck, forced: bool) -> dict[str, Any]:
    status, quota = check.status, check.quota
    since = status.since.isoformat(timespec="seconds") if status.since else None
    return {
        "reason": status.reason,
        "paused_since": since,
        "quota_used": quota.used if quota else None,
        "quota_limit": quota.limit if quota else None,
        "quota_error": check.quota_error,
        "verdict": check.verdict.value,
        "forced": forced,
        "pending_deliveries": status.waiting.deliveries,
        "pending_residents": status.waiting.residents,
    }


def _record_resume(session: Session, actor: Actor, check: ResumeCheck, *, forced: bool, now: datetime) -> None:
    waiting = check.status.waiting
    quota = describe_quota(check)
    summary = Said(
        f"{'forced: ' if forced else ''}{quota}; residents waiting: {waiting.residents:,} "
        f"(deliveries: {waiting.deliveries:,}); paused for: {check.status.reason}",
        "channel.resumed_forced" if forced else "channel.resumed",
        quota=quota,
        residents=waiting.residents,
        deliveries=waiting.deliveries,
        reason=check.status.reason or "",
    )
    record(
        session,
        actor,
        AuditAction.RESUME_CHANNEL,
        AUDIT_SUBJECT,
        check.status.channel,
        now=now,
        summary=summary,
        detail=_audit_detail(check, forced),
    )


def resume_paused_channel(
    session_factory: sessionmaker,
    actor: Actor,
    name: str,
    *,
    channels: Mapping[str, Channel],
    force: bool = False,
    now: datetime,
) -> ResumeOutcome:
    """Resume ``name`` if its quota allows (or ``force``), recorded in the audit log; ``channels`` are the
    enabled channels by name, each asked for its quota if it has one.

    Raises PermissionDenied (the officer may not send), UnknownChannel, or ResumeRefused (the quota is
    still used up or could not be read, and ``force`` was not given).
    """
    actor.require(Permission.SEND)
    with session_factory() as session:
        status = channel_status(session, name)
    if name not in channels and not status.paused:
        known = ", ".join(sorted(channels)) or "none"
        raise UnknownChannel(f"there is no channel {name!r}; the channels are: {known}")
    if not status.paused:
        return ResumeOutcome(name, resumed=False, check=None)
    check = check_quota(channels.get(name), status)
    refused = check.verdict.refuses
    if refused and not force:
        raise ResumeRefused(check)
    with session_factory.begin() as session:
        if not resume_channel(session, name, now):
            return ResumeOutcome(name, resumed=False, check=check)
        _record_resume(session, actor, check, forced=refused, now=now)
    return ResumeOutcome(name, resumed=True, check=check, forced=refused)
