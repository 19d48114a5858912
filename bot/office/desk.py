"""What officers do to notices, with their roles checked and every step in the audit log.

The rules of sending live in ``scheduler.sending``; this module adds who may do what:
a live notice is submitted, then approved by a different officer with the approver role;
a training notice may be approved by its author; a notice nobody would receive cannot be
submitted or sent; an API test key works only on training notices.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.office.accounts import Actor, Permission, PermissionDenied
from bot.office.audit import AuditAction, record
from messages.compose import Composer
from messages.glossary import Glossary
from messages.models import MsgType, Notice, NoticeStatus
from scheduler import sending
from scheduler.fanout import FanoutResult, notice_audience
from scheduler.sending import Dispatch, NoticeActionError, get_notice

EDITABLE = (NoticeStatus.DRAFT, NoticeStatus.REJECTED)


@dataclass(frozen=True)
class NoticeInput:
    """A notice as an officer fills it in: the console form and the API body both become this."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)
    severity: str | None = None
    free_text: str | None = None
    free_text_lang: str = "zh-Hant"
    training: bool = False
    effective: Any = None
    expires: Any = None


def audience_total(session: Session, notice: Notice, *, glossary: Glossary,
                   channels: Mapping[str, Any]) -> int:
    return sum(sum(per_language.values())
               for per_language in notice_audience(session, notice, glossary=glossary, channels=channels).values())


def _training_only(actor: Actor, notice_training: bool, what: str) -> None:
    if actor.key_mode == "test" and not notice_training:
        raise PermissionDenied(f"a test API key cannot {what} a live notice; use a live key")


def _build(composer: Composer, actor: Actor, data: NoticeInput, *, sandboxed: bool = False) -> Notice:
    """A notice from the input. A test key's notices, and anything made from a sandboxed one, are sandboxed
    training notices: when civicast is live they reach no real channel."""
    sandboxed = sandboxed or actor.key_mode == "test"
    notice = composer.new_notice(data.kind, dict(data.params), training=data.training or sandboxed,
                                 free_text=data.free_text, free_text_lang=data.free_text_lang, severity=data.severity,
                                 effective=data.effective, expires=data.expires, author=actor.username)
    notice.sandboxed = sandboxed
    return notice


def compose_notice(session: Session, composer: Composer, actor: Actor, data: NoticeInput, *,
                   now: datetime) -> Notice:
    """A new draft. Raises UnknownKind or InvalidParameters naming each bad field."""
    actor.require(Permission.COMPOSE)
    notice = _build(composer, actor, data)
    session.add(notice)
    session.flush()
    record(session, actor, AuditAction.COMPOSE, "notice", notice.id, now=now,
           summary=f"{notice.kind}{' (training)' if notice.training else ''}")
    return notice


def edit_notice(session: Session, composer: Composer, actor: Actor, notice_id: int, data: NoticeInput, *,
                now: datetime) -> Notice:
    """Change a draft or a rejected notice; it becomes a draft again."""
    actor.require(Permission.COMPOSE)
    notice = get_notice(session, notice_id)
    _training_only(actor, notice.training, "edit")
    if notice.status not in EDITABLE:
        raise NoticeActionError(f"notice {notice_id} is {notice.status}; only drafts and rejected notices change")
    fresh = _build(composer, actor, data, sandboxed=bool(notice.sandboxed))
    for name in ("kind", "params", "districts", "topic", "severity", "training", "sandboxed", "free_text",
                 "free_text_lang", "effective", "expires"):
        setattr(notice, name, getattr(fresh, name))
    notice.translations.clear()  # the free text may have changed: translate it again
    notice.status = NoticeStatus.DRAFT
    record(session, actor, AuditAction.EDIT, "notice", notice.id, now=now)
    return notice


def submit_notice(session: Session, actor: Actor, notice_id: int, *, glossary: Glossary,
                  channels: Mapping[str, Any], now: datetime) -> Notice:
    actor.require(Permission.COMPOSE)
    notice = get_notice(session, notice_id)
    if notice.status == NoticeStatus.REJECTED:
        notice.status = NoticeStatus.DRAFT
    if audience_total(session, notice, glossary=glossary, channels=channels) == 0:
        raise NoticeActionError(f"notice {notice_id} has no recipients: no resident follows its topic in its "
                                "districts" + (" among test recipients" if notice.training else ""))
    sending.submit(session, notice_id)
    notice.review_note = None
    record(session, actor, AuditAction.SUBMIT, "notice", notice.id, now=now)
    return notice


def may_approve(actor: Actor, notice: Notice) -> bool:
    """Whether this officer may approve this notice: what the console shows and the API enforces."""
    if notice.status not in (NoticeStatus.SUBMITTED, NoticeStatus.DRAFT):
        return False
    if actor.key_mode == "test" and not notice.training:
        return False
    if notice.training:
        return actor.can(Permission.COMPOSE)
    return (actor.can(Permission.APPROVE) and notice.status == NoticeStatus.SUBMITTED
            and notice.author != actor.username)


def approve_notice(session: Session, actor: Actor, notice_id: int, *, now: datetime) -> Notice:
    notice = get_notice(session, notice_id)
    _training_only(actor, notice.training, "approve")
    if not notice.training:
        actor.require(Permission.APPROVE)
        if notice.author == actor.username:
            raise PermissionDenied(f"{actor.username} wrote notice {notice_id}; a live notice needs a different "
                                   "approver")
        if notice.status != NoticeStatus.SUBMITTED:
            raise NoticeActionError(f"notice {notice_id} is {notice.status}; a live notice is submitted first")
    else:
        actor.require(Permission.COMPOSE)
    sending.approve(session, notice_id, actor.username)
    record(session, actor, AuditAction.APPROVE, "notice", notice.id, now=now)
    return notice


def reject_notice(session: Session, actor: Actor, notice_id: int, reason: str, *, now: datetime) -> Notice:
    actor.require(Permission.APPROVE)
    notice = get_notice(session, notice_id)
    if notice.status != NoticeStatus.SUBMITTED:
        raise NoticeActionError(f"notice {notice_id} is {notice.status}; only submitted notices can be rejected")
    if not reason.strip():
        raise NoticeActionError("say why the notice is rejected, so its author can correct it")
    notice.status = NoticeStatus.REJECTED
    notice.review_note = reason.strip()
    record(session, actor, AuditAction.REJECT, "notice", notice.id, now=now, summary=reason.strip())
    return notice


def _may_send(actor: Actor, notice: Notice) -> None:
    _training_only(actor, notice.training, "send")
    if not notice.training:
        actor.require(Permission.SEND)
    else:
        actor.require(Permission.COMPOSE)


def may_send(actor: Actor, notice: Notice) -> bool:
    try:
        _may_send(actor, notice)
    except PermissionDenied:
        return False
    return notice.status in sending.SENDABLE


def send_notice_now(dispatch: Dispatch, actor: Actor, notice_id: int, *, channels: Mapping[str, Any]) -> FanoutResult:
    """Fan the notice out now (the workers deliver it). Refuses a notice nobody would receive."""
    with dispatch.session_factory() as session:
        notice = get_notice(session, notice_id)
        _may_send(actor, notice)
        if audience_total(session, notice, glossary=dispatch.glossary, channels=channels) == 0:
            raise NoticeActionError(f"notice {notice_id} has no recipients; it cannot be sent")
    result = sending.send_now(dispatch, notice_id)
    with dispatch.session_factory.begin() as session:
        total = sum(sum(per.values()) for per in result.recipients.values())
        record(session, actor, AuditAction.SEND, "notice", notice_id, now=dispatch.clock(),
               summary=f"{result.deliveries} deliveries, {total} recipients")
    return result


def schedule_notice(session: Session, actor: Actor, notice_id: int, *, at: datetime | None, cron: str | None,
                    glossary: Glossary, channels: Mapping[str, Any], now: datetime) -> Notice:
    notice = get_notice(session, notice_id)
    _may_send(actor, notice)
    if audience_total(session, notice, glossary=glossary, channels=channels) == 0:
        raise NoticeActionError(f"notice {notice_id} has no recipients; it cannot be scheduled")
    sending.schedule(session, notice_id, at=at, cron=cron, now=now)
    record(session, actor, AuditAction.SCHEDULE, "notice", notice_id, now=now,
           summary=f"at {at.isoformat()}" if at else f"every {cron}")
    return notice


def cancel_notice(dispatch: Dispatch, actor: Actor, notice_id: int) -> Notice:
    """Stop a notice not yet sent (its author may stop their own draft), or send a CAP Cancel for one sent."""
    with dispatch.session_factory() as session:
        notice = get_notice(session, notice_id)
        own_unsent = (notice.author == actor.username
                      and notice.status in (NoticeStatus.DRAFT, NoticeStatus.SUBMITTED, NoticeStatus.REJECTED))
        if not own_unsent:
            _may_send(actor, notice)
    result = sending.cancel(dispatch, notice_id, actor.username)
    with dispatch.session_factory.begin() as session:
        summary = None if result.id == notice_id else f"cancellation notice {result.id} sent"
        record(session, actor, AuditAction.CANCEL, "notice", notice_id, now=dispatch.clock(), summary=summary)
    return result


def issue_update(session: Session, composer: Composer, actor: Actor, notice_id: int, data: NoticeInput, *,
                 now: datetime) -> Notice:
    """A draft Update of a sent notice: it goes, once approved, to those who received the original."""
    actor.require(Permission.COMPOSE)
    original = get_notice(session, notice_id)
    if original.status not in (NoticeStatus.SENDING, NoticeStatus.SENT):
        raise NoticeActionError(f"notice {notice_id} is {original.status}; only a sent notice can be updated")
    if data.kind != original.kind:
        raise NoticeActionError(f"an Update keeps the kind of the notice it updates ({original.kind})")
    update = _build(composer, actor, NoticeInput(**{**data.__dict__, "training": original.training}),
                    sandboxed=bool(original.sandboxed))
    update.msg_type = MsgType.UPDATE
    update.references_id = original.id
    session.add(update)
    session.flush()
    record(session, actor, AuditAction.UPDATE, "notice", original.id, now=now,
           summary=f"update drafted as notice {update.id}", detail={"update_id": update.id})
    return update
