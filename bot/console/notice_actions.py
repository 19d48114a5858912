"""What an officer may do to a notice from its page, and doing it.

The buttons shown are exactly the actions the desk's rules accept (``bot.office.notice_rules``): the
author of a live notice sees no Approve button, and a forged request is refused by the same rules. A send or a
schedule goes to the desk with the officer's confirmation (``bot.console.confirm_step``), which it checks.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import url_for

from bot.console.auth import current_actor, now, services
from bot.console.confirm_step import confirmation_from, cron_from_form, live_min_interval
from bot.console.refusals import refused
from bot.console.ui import translate
from bot.office import desk
from bot.office.accounts import Actor, PermissionDenied
from bot.office.confirmation import ConfirmationMissing, WrongNoticeNumber
from bot.office.notice_rules import Verb, allowed_actions
from bot.office.quota import QuotaWouldBeExceeded
from messages.models import MsgType, Notice
from scheduler.fanout import NotDue
from scheduler.sending import NoticeActionError

NEEDS_AUDIENCE = (Verb.SUBMIT, Verb.APPROVE, Verb.SEND, Verb.SCHEDULE)
CONFIRMED_ACTIONS = ("send", "schedule")  # asked to confirm first, restated (bot.console.confirm_step)
WRONG_NUMBER_CATEGORY = "error:notice-number"  # the typed notice number's field on the confirmation page


def available_actions(actor: Actor, notice: Notice, audience: int) -> set[str]:
    """The verbs the rules accept now; those that send need somebody to send to (a Cancel goes regardless)."""
    verbs = allowed_actions(actor, notice)
    if audience == 0 and notice.msg_type != MsgType.CANCEL:
        verbs -= set(NEEDS_AUDIENCE)
    return {verb.value for verb in verbs}


# The schedule form's field (its id on the notice page) that each choice of repeat depends on: a refused schedule's
# error summary links there.
SCHEDULE_FIELDS = {"once": "schedule-at", "daily": "schedule-time", "weekly": "schedule-time", "cron": "schedule-cron"}


def refusal_category(action: str, form: Mapping[str, str]) -> str:
    """The flash category of a refused action: ``error``, or ``error:<field id>`` for the field to correct."""
    field = SCHEDULE_FIELDS.get(form.get("repeat", "once")) if action == "schedule" else None
    return f"error:{field}" if field else "error"


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
                confirmation=confirmation_from(form),
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
                    confirmation=confirmation_from(form),
                    kinds=svc.kinds,
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
    except ConfirmationMissing:
        return translate("confirm.missing", id=notice_id), "error", None
    except WrongNoticeNumber as exc:
        return translate("confirm.wrong_number", id=notice_id, typed=exc.typed), WRONG_NUMBER_CATEGORY, None
    except desk.UntranslatedNotAcknowledged as exc:
        return translate("flash.untranslated", languages=", ".join(exc.languages)), "error", None
    except PermissionDenied as exc:
        return refused(exc), "error", None
    except (NoticeActionError, NotDue) as exc:
        return refused(exc), refusal_category(action, form), None
