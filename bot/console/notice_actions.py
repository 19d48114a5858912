"""What an officer may do to a notice from its page, and doing it.

The buttons shown are exactly the actions the desk's rules accept (``bot.office.notice_rules``): the
author of a live notice sees no Approve button, and a forged request is refused by the same rules. A
recurring schedule is shown with its next five times and confirmed before it is saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for

from bot.console.auth import current_actor, now, services
from bot.console.refusals import refused
from bot.console.ui import translate
from bot.office import desk, notice_rules
from bot.office.accounts import Actor, PermissionDenied
from bot.office.notice_rules import Verb, allowed_actions
from bot.office.poll_rules import check_poll_schedule
from bot.office.quota import QuotaWouldBeExceeded
from messages.models import MsgType, Notice
from messages.params import parse_datetime
from scheduler.fanout import NotDue
from scheduler.sending import NoticeActionError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NEEDS_AUDIENCE = (Verb.SUBMIT, Verb.APPROVE, Verb.SEND, Verb.SCHEDULE)


def available_actions(actor: Actor, notice: Notice, audience: int) -> set[str]:
    """The verbs the rules accept now; those that send need somebody to send to (a Cancel goes regardless)."""
    verbs = allowed_actions(actor, notice)
    if audience == 0 and notice.msg_type != MsgType.CANCEL:
        verbs -= set(NEEDS_AUDIENCE)
    return {verb.value for verb in verbs}


def cron_from_form(form: Mapping[str, str]) -> tuple[datetime | None, str | None]:
    """The schedule the officer chose: once at a time, daily or weekly at a time, or a cron expression."""
    repeat = form.get("repeat", "once")
    if repeat == "once":
        at = form.get("at", "").strip()
        if not at:
            raise NoticeActionError(translate("schedule.need_time"))
        try:
            return parse_datetime(at), None
        except ValueError:
            raise NoticeActionError(translate("schedule.bad_at")) from None
    if repeat == "cron":
        return None, form.get("cron", "").strip() or None
    clock = form.get("time", "").strip()
    try:
        hour, minute = (int(part) for part in clock.split(":")[:2])
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(clock)
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


# The schedule form's field (its id on the notice page) that each choice of repeat depends on: a refused schedule's
# error summary links there.
SCHEDULE_FIELDS = {"once": "schedule-at", "daily": "schedule-time", "weekly": "schedule-time", "cron": "schedule-cron"}


def refusal_category(action: str, form: Mapping[str, str]) -> str:
    """The flash category of a refused action: ``error``, or ``error:<field id>`` for the field to correct."""
    field = SCHEDULE_FIELDS.get(form.get("repeat", "once")) if action == "schedule" else None
    return f"error:{field}" if field else "error"


@dataclass(frozen=True)
class ScheduleToConfirm:
    """A recurrence the officer asked for, with its next five times, waiting for their confirmation."""

    notice_id: int
    cron: str
    upcoming: list[datetime]
    form: dict[str, str]


def live_min_interval() -> timedelta:
    return timedelta(minutes=services().settings.scheduler.live_min_interval_minutes)


def recurrence_to_confirm(notice_id: int, form: Mapping[str, str]) -> ScheduleToConfirm | None:
    """For a recurring schedule not yet confirmed: what to show before saving it. None: save it now."""
    _at, cron = cron_from_form(form)
    if cron is None or form.get("confirmed") == "yes":
        return None
    with services().session_factory() as session:
        notice = notice_rules.load(session, current_actor(), notice_id, Verb.SCHEDULE)
        live = not notice.training
        check_poll_schedule(session, notice, at=None, cron=cron, now=now())  # refused before the confirmation
    upcoming = desk.check_recurrence(cron, live=live, now=now(), live_min_interval=live_min_interval())
    kept = {name: form.get(name, "") for name in ("repeat", "at", "time", "weekday", "cron")}
    return ScheduleToConfirm(notice_id, cron, upcoming, kept)


def run_action(notice_id: int, action: str, form: Mapping[str, str]) -> tuple[str, str, str | None]:
    """(message, flash category, where to go next)."""
    svc = services()
    actor = current_actor()
    channels = svc.channel_limits
    try:
        if action == "send":
            result = desk.send_notice_now(
                svc.dispatch,
                actor,
                notice_id,
                channels=channels,
                quotas=svc.channels,
                exceed_quota=form.get("exceed_quota") == "yes",
            )
            total = sum(sum(per.values()) for per in result.recipients.values())
            return (
                translate("flash.sent", id=notice_id, count=total),
                "success",
                url_for("console.delivery", notice_id=notice_id),
            )
        if action == "cancel":
            result_notice = desk.cancel_notice(svc.dispatch, actor, notice_id)
            if result_notice.id == notice_id:
                return translate("flash.cancelled", id=notice_id), "success", None
            return (
                translate("flash.cancel_written", id=notice_id, cancel_id=result_notice.id),
                "success",
                url_for("console.notice", notice_id=result_notice.id),
            )
        if action == "approve":
            desk.approve_notice(
                svc.dispatch,
                actor,
                notice_id,
                acknowledge_untranslated=form.get("acknowledge_untranslated") == "yes",
                now=now(),
            )
            return translate("flash.approve", id=notice_id), "success", None
        with svc.session_factory.begin() as session:
            if action == "submit":
                desk.submit_notice(session, actor, notice_id, glossary=svc.glossary, channels=channels, now=now())
            elif action == "reject":
                desk.reject_notice(session, actor, notice_id, form.get("reason", ""), now=now())
            elif action == "schedule":
                at, cron = cron_from_form(form)
                desk.schedule_notice(
                    session,
                    actor,
                    notice_id,
                    at=at,
                    cron=cron,
                    glossary=svc.glossary,
                    channels=channels,
                    now=now(),
                    live_min_interval=live_min_interval(),
                )
            else:
                return translate("flash.unknown_action", action=action), "error", None
        return translate(f"flash.{action}", id=notice_id), "success", None
    except QuotaWouldBeExceeded as exc:
        return (
            translate("flash.over_quota", count=exc.forecast.needed, remaining=f"{exc.forecast.remaining or 0:,}"),
            "error",
            None,
        )
    except desk.UntranslatedNotAcknowledged as exc:
        return translate("flash.untranslated", languages=", ".join(exc.languages)), "error", None
    except PermissionDenied as exc:
        return refused(exc), "error", None
    except (NoticeActionError, NotDue) as exc:
        return refused(exc), refusal_category(action, form), None
