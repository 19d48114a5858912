"""What an officer may do to a notice from its page, and doing it.

The buttons shown are exactly the actions the desk rules would accept: the author of a
live notice sees no Approve button, and a forged request is refused by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import url_for

from bot.console.auth import current_actor, now, services
from bot.console.ui import translate
from bot.office import desk
from bot.office.accounts import Actor, Permission, PermissionDenied
from messages.models import Notice, NoticeStatus
from messages.params import parse_datetime
from scheduler.fanout import NotDue
from scheduler.sending import SENDABLE, NoticeActionError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def available_actions(actor: Actor, notice: Notice, audience: int) -> set[str]:
    status = NoticeStatus(notice.status)
    actions: set[str] = set()
    if actor.can(Permission.COMPOSE) and status in desk.EDITABLE:
        actions.add("edit")
        if audience > 0:
            actions.add("submit")
    if desk.may_approve(actor, notice) and audience > 0:
        actions.add("approve")
    if status == NoticeStatus.SUBMITTED and actor.can(Permission.APPROVE) and notice.author != actor.username:
        actions.add("reject")
    if desk.may_send(actor, notice) and audience > 0:
        actions.update({"send", "schedule"})
    own_unsent = notice.author == actor.username and status in (*desk.EDITABLE, NoticeStatus.SUBMITTED)
    may_stop = own_unsent or (actor.can(Permission.SEND) or notice.training)
    if may_stop and status in (*desk.EDITABLE, NoticeStatus.SUBMITTED, *SENDABLE, NoticeStatus.SENDING,
                               NoticeStatus.SENT):
        actions.add("cancel")
    if actor.can(Permission.COMPOSE) and status in (NoticeStatus.SENDING, NoticeStatus.SENT):
        actions.add("update")
    return actions


def cron_from_form(form: Mapping[str, str]) -> tuple[datetime | None, str | None]:
    """The schedule the officer chose: once at a time, daily or weekly at a time, or a cron expression."""
    repeat = form.get("repeat", "once")
    if repeat == "once":
        at = form.get("at", "").strip()
        if not at:
            raise NoticeActionError(translate("schedule.need_time"))
        try:
            return parse_datetime(at), None
        except ValueError as exc:
            raise NoticeActionError(f"{translate('schedule.at')}: {exc}") from None
    if repeat == "cron":
        return None, form.get("cron", "").strip() or None
    clock = form.get("time", "").strip()
    try:
        hour, minute = (int(part) for part in clock.split(":")[:2])
    except ValueError:
        raise NoticeActionError(translate("schedule.need_clock")) from None
    if repeat == "daily":
        return None, f"{minute} {hour} * * *"
    if repeat == "weekly":
        day = form.get("weekday", "mon")
        if day not in WEEKDAYS:
            raise NoticeActionError(translate("schedule.need_weekday"))
        return None, f"{minute} {hour} * * {day}"
    raise NoticeActionError(translate("schedule.need_repeat"))


def run_action(notice_id: int, action: str, form: Mapping[str, str]) -> tuple[str, str, str | None]:
    """(message, flash category, where to go next)."""
    svc = services()
    actor = current_actor()
    channels = svc.channel_limits
    try:
        if action == "send":
            result = desk.send_notice_now(svc.dispatch, actor, notice_id, channels=channels)
            total = sum(sum(per.values()) for per in result.recipients.values())
            return (translate("flash.sent", id=notice_id, recipients=total), "success",
                    url_for("console.delivery", notice_id=notice_id))
        if action == "cancel":
            result_notice = desk.cancel_notice(svc.dispatch, actor, notice_id)
            key = "flash.cancelled" if result_notice.id == notice_id else "flash.cancel_sent"
            return translate(key, id=notice_id, cancel_id=result_notice.id), "success", None
        with svc.session_factory.begin() as session:
            if action == "submit":
                desk.submit_notice(session, actor, notice_id, glossary=svc.glossary, channels=channels, now=now())
            elif action == "approve":
                desk.approve_notice(session, actor, notice_id, now=now())
            elif action == "reject":
                desk.reject_notice(session, actor, notice_id, form.get("reason", ""), now=now())
            elif action == "schedule":
                at, cron = cron_from_form(form)
                desk.schedule_notice(session, actor, notice_id, at=at, cron=cron, glossary=svc.glossary,
                                     channels=channels, now=now())
            else:
                return translate("flash.unknown_action", action=action), "error", None
        return translate(f"flash.{action}", id=notice_id), "success", None
    except PermissionDenied as exc:
        return translate("flash.refused", reason=str(exc)), "error", None
    except (NoticeActionError, NotDue) as exc:
        return translate("flash.refused", reason=str(exc)), "error", None
