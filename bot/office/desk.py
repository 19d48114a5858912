"""The workflow layer: everything any door (console, API, command line, demo) does to a notice once it is
written (``bot.office.drafts`` writes it): submitting, approving or rejecting, sending, scheduling, cancelling.

Each function checks the rules (``bot.office.notice_rules``) for the acting officer, makes the change
and writes its audit row in the same transaction. Functions given a session never commit; those that
reach the network (translating, fanning out) open their own sessions and hold none across the call.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.office.accounts import Actor
from bot.office.audit import AuditAction, record
from bot.office.confirmation import Confirmation, check_confirmation
from bot.office.notice_rules import RuleRefused, Verb, add_contributor, check, load
from bot.office.poll_rules import check_poll_schedule, check_poll_sending
from bot.office.quota import check_quota, forecast, messages_needed, quota_channel, quota_summary
from messages.glossary import Glossary
from messages.kinds import KindBook
from messages.models import MsgType, Notice, NoticeStatus
from messages.notices import untranslated_languages
from messages.plurals import counted
from messages.polls import untranslated_option_languages
from messages.said import Languages, Said, joined
from messages.text import TextRefused, clean_text
from scheduler import sending
from scheduler.fanout import FanoutResult
from scheduler.reach import has_audience, notice_audience
from scheduler.recurrence import BadRecurrence, next_fire_times, shortest_interval
from scheduler.said import fanout_summary
from scheduler.sending import Dispatch, NoticeActionError

MAX_REASON = 1000
FREQUENT_LIVE_RULE = "a live recurrence keeps its minimum interval"


class UntranslatedNotAcknowledged(NoticeActionError):
    """Approving a notice some of whose languages show the free text untranslated needs an acknowledgement."""

    def __init__(self, notice_id: int, languages: list[str]) -> None:
        super().__init__(
            f"notice {notice_id}'s free text is not translated into {', '.join(languages)}: approve it "
            "acknowledging that, or review the translations first",
            code="untranslated",
            id=notice_id,
            languages=languages,
        )
        self.languages = languages


def _require_audience(
    session: Session, notice: Notice, doing: str, *, glossary: Glossary, channels: Mapping[str, Any]
) -> None:
    # A Cancel also withdraws the notice from the page, the feeds and unsent deliveries: it goes even to nobody.
    if notice.msg_type == MsgType.CANCEL:
        return
    if not has_audience(session, notice, glossary=glossary, channels=channels):
        among = " among test recipients" if notice.training else ""
        raise NoticeActionError(
            f"notice {notice.id} has no recipients{among}: no resident follows its topic in its "
            f"districts, so it cannot be {doing}",
            code="no_audience.training" if notice.training else "no_audience",
            id=notice.id,
        )


def submit_notice(
    session: Session, actor: Actor, notice_id: int, *, glossary: Glossary, channels: Mapping[str, Any], now: datetime
) -> Notice:
    notice = load(session, actor, notice_id, Verb.SUBMIT)
    _require_audience(session, notice, "submitted", glossary=glossary, channels=channels)
    notice.status, notice.review_note, notice.approver = NoticeStatus.SUBMITTED, None, None
    add_contributor(notice, actor.username)
    record(session, actor, AuditAction.SUBMIT, "notice", notice.id, now=now)
    return notice


def approve_notice(
    dispatch: Dispatch,
    actor: Actor,
    notice_id: int,
    *,
    acknowledge_untranslated: bool = False,
    now: datetime | None = None,
) -> Notice:
    """Approve. The free text is translated first (outside any session); if any language would show it
    untranslated, the approver must say they know (``acknowledge_untranslated``)."""
    with dispatch.session_factory() as session:
        load(session, actor, notice_id, Verb.APPROVE)  # refuse before spending time on translation
    sending.prepare_free_text(dispatch, notice_id)
    sending.prepare_poll_options(dispatch, notice_id)
    with dispatch.session_factory.begin() as session:
        notice = load(session, actor, notice_id, Verb.APPROVE)
        missing = set(untranslated_languages(session, notice, dispatch.languages))
        missing |= set(
            untranslated_option_languages(session, notice_id, notice.free_text_lang, list(dispatch.languages))
        )
        untranslated = [code for code in dispatch.languages if code in missing]
        if untranslated and not acknowledge_untranslated:
            raise UntranslatedNotAcknowledged(notice_id, untranslated)
        notice.status, notice.approver = NoticeStatus.APPROVED, actor.username
        record(
            session,
            actor,
            AuditAction.APPROVE,
            "notice",
            notice.id,
            now=now or dispatch.clock(),
            summary=Said(
                f"untranslated acknowledged: {', '.join(untranslated)}",
                "approve.untranslated",
                languages=Languages(tuple(untranslated)),
            )
            if untranslated
            else None,
            detail={"untranslated": untranslated} if untranslated else None,
        )
        return notice


def reject_notice(session: Session, actor: Actor, notice_id: int, reason: str, *, now: datetime) -> Notice:
    notice = load(session, actor, notice_id, Verb.REJECT)
    try:
        reason = clean_text("reason", reason or "", multiline=True, max_length=MAX_REASON).strip()
    except TextRefused as exc:
        raise NoticeActionError(str(exc), code="text", field="reason", problem=exc.reason) from None
    if not reason:
        raise NoticeActionError("say why the notice is rejected, so its author can correct it", code="reason_needed")
    notice.status, notice.review_note, notice.approver = NoticeStatus.REJECTED, reason, None
    record(
        session, actor, AuditAction.REJECT, "notice", notice.id, now=now, summary=Said(reason, "reject", reason=reason)
    )
    return notice


def send_notice_now(
    dispatch: Dispatch,
    actor: Actor,
    notice_id: int,
    *,
    channels: Mapping[str, Any],
    quotas: Mapping[str, Any] | None = None,
    exceed_quota: bool = False,
    confirmation: Confirmation,
) -> FanoutResult:
    """Fan the notice out now (the workers deliver it); the audit row commits with the deliveries.

    ``quotas`` are the enabled channels themselves: the one with a monthly quota (LINE's) is asked for it now, and a
    notice needing more messages than are left is refused (QuotaWouldBeExceeded) unless ``exceed_quota``. A quota
    that cannot be read refuses nothing: an alert is not held back by LINE being slow to answer.

    ``confirmation``: the answer to the door's restatement of what the send will do; refused when not confirmed."""
    with dispatch.session_factory() as session:
        notice = load(session, actor, notice_id, Verb.SEND)
        check_poll_sending(session, notice, sent_at=dispatch.clock(), now=dispatch.clock())
        _require_audience(session, notice, "sent", glossary=dispatch.glossary, channels=channels)
        needed = (
            messages_needed(
                notice_audience(session, notice, glossary=dispatch.glossary, channels=channels), quota_channel(quotas)
            )
            if quotas
            else 0
        )
    outlook = forecast(quotas, needed, max_age_s=0) if quotas else None
    check_quota(notice_id, outlook, exceed_quota=exceed_quota)
    # Last: nobody is asked to confirm a send that the rules or the quota would refuse anyway.
    check_confirmation(notice, confirmation, dispatch.composer.kinds)
    said_quota = quota_summary(outlook, exceed_quota=exceed_quota)

    def recorded(session: Session, notice: Notice, result: FanoutResult) -> None:
        summary = fanout_summary(result)
        record(
            session,
            actor,
            AuditAction.SEND,
            "notice",
            notice.id,
            now=dispatch.clock(),
            summary=joined([summary, said_quota]) if said_quota else summary,
            detail={"quota": outlook.as_dict(), "exceed_quota": exceed_quota} if outlook else None,
        )

    # The rules again on the row the fan-out claims: it may have changed since the check above.
    return sending.send_now(
        dispatch, notice_id, may_send=lambda notice: check(actor, notice, Verb.SEND), within=recorded
    )


def check_recurrence(cron: str, *, live: bool, now: datetime, live_min_interval: timedelta) -> list[datetime]:
    """The next five times a recurrence fires, or NoticeActionError: not a cron expression, never fires, or (for a
    live notice) fires more often than ``live_min_interval`` allows."""
    try:
        upcoming = next_fire_times(cron, now, 5)
        gap = shortest_interval(cron, now, stop_below=live_min_interval) if live else None
    except BadRecurrence as exc:
        raise NoticeActionError(str(exc), code="bad_recurrence", cron=cron) from None
    if gap is not None and gap < live_min_interval:
        raise RuleRefused(
            FREQUENT_LIVE_RULE,
            f"{cron!r} fires {_minutes(gap)} apart; a live notice recurs at most every "
            f"{_minutes(live_min_interval)}, or residents hear the "
            "same warning too often (scheduler.live_min_interval_minutes)",
            code="too_frequent",
            cron=cron,
            count=round(gap.total_seconds() / 60),
            minimum=round(live_min_interval.total_seconds() / 60),
        )
    return upcoming


def _minutes(interval: timedelta) -> str:
    return counted(round(interval.total_seconds() / 60), "minute", "minutes")


def schedule_notice(
    session: Session,
    actor: Actor,
    notice_id: int,
    *,
    at: datetime | None,
    cron: str | None,
    glossary: Glossary,
    channels: Mapping[str, Any],
    now: datetime,
    live_min_interval: timedelta = timedelta(hours=1),
    confirmation: Confirmation,
    kinds: KindBook,
) -> Notice:
    """Schedule at a time or by a recurrence. ``confirmation`` (checked with ``kinds``, to know the notice's
    severity): the answer to the door's restatement of what the schedule will do; refused when not confirmed."""
    notice = load(session, actor, notice_id, Verb.SCHEDULE)
    check_poll_schedule(session, notice, at=at, cron=cron, now=now)
    _require_audience(session, notice, "scheduled", glossary=glossary, channels=channels)
    if (at is None) == (cron is None):
        raise NoticeActionError("schedule a notice either at a time or by a cron expression", code="at_or_cron")
    if cron is not None:
        try:
            cron = clean_text("cron", cron, max_length=120).strip()
        except TextRefused as exc:
            raise NoticeActionError(str(exc), code="text", field="cron", problem=exc.reason) from None
        check_recurrence(cron, live=not notice.training, now=now, live_min_interval=live_min_interval)
    elif at is not None and notice.expires is not None and at >= notice.expires:
        raise NoticeActionError(
            f"notice {notice_id} expires at {notice.expires.isoformat(timespec='minutes')}: "
            "it cannot be sent after that",
            code="after_expiry",
            id=notice_id,
            expires=notice.expires,
        )
    check_confirmation(notice, confirmation, kinds)  # last, as for a send
    sending.schedule(session, notice_id, at=at, cron=cron, now=now)
    record(
        session,
        actor,
        AuditAction.SCHEDULE,
        "notice",
        notice_id,
        now=now,
        summary=Said(f"at {at.isoformat()}", "schedule.at", at=at)
        if at
        else Said(f"every {cron}", "schedule.every", cron=cron or ""),
    )
    return notice


def cancel_notice(dispatch: Dispatch, actor: Actor, notice_id: int) -> Notice:
    """A notice not yet sent stops. One that went out gets a Cancel notice written in its world, submitted for
    a second officer (a live one) to approve and send: it goes to everyone who received the original. Returns
    the stopped notice or the Cancel notice."""
    now = dispatch.clock()
    with dispatch.session_factory.begin() as session:
        notice = load(session, actor, notice_id, Verb.CANCEL)
        if notice.status not in (NoticeStatus.SENDING, NoticeStatus.SENT):
            notice.status = NoticeStatus.CANCELLED
            stopped = Said("stopped before sending", "cancel.stopped")
            record(session, actor, AuditAction.CANCEL, "notice", notice.id, now=now, summary=stopped)
            return notice
        cancellation = Notice(
            kind=notice.kind,
            params=dict(notice.params),
            districts=list(notice.districts),
            topic=notice.topic,
            severity=notice.severity,
            training=notice.training,
            sandboxed=notice.sandboxed,
            msg_type=MsgType.CANCEL,
            references_id=notice.id,
            agency=notice.agency,
            author=actor.username,
            contributors=[],
            status=NoticeStatus.SUBMITTED,
            effective=now,
        )
        session.add(cancellation)
        session.flush()
        record(
            session,
            actor,
            AuditAction.CANCEL,
            "notice",
            notice.id,
            now=now,
            summary=Said(
                f"Cancel notice {cancellation.id} written; it goes out once approved and sent",
                "cancel.written",
                notice=str(cancellation.id),
            ),
            detail={"cancellation_id": cancellation.id},
        )
        record(
            session,
            actor,
            AuditAction.COMPOSE,
            "notice",
            cancellation.id,
            now=now,
            summary=Said(f"Cancel of notice {notice.id}", "compose.cancel_of", notice=str(notice.id)),
        )
        return cancellation
