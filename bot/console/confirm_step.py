"""The step between pressing Send now (or Schedule) and the notice going out: what will happen, restated.

The sentence names the figures of the notice's preview (residents, languages) and the channels that carry it by
their labels in the console's language ("Send to 271,272 residents in 12 languages on LINE, Facebook and the cable
feeds?"). The page posts the same form back with ``confirm=1`` (and, for an Extreme notice to the whole city, the
notice number the officer typed); the desk refuses a send or a schedule without them
(``bot.office.confirmation``). It works without JavaScript.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from babel.lists import format_list
from sqlalchemy.exc import SQLAlchemyError

from bot.console.auth import current_actor, now, services
from bot.console.ui import translate, ui_language
from bot.office import desk, notice_rules
from bot.office.confirmation import Confirmation, needs_typed_number
from bot.office.notice_rules import Verb
from bot.office.poll_rules import check_poll_schedule, check_poll_sending
from bot.office.preview import NoticePreview, build_preview
from bot.office.send_plan import carried_channels
from messages.i18n import TAIPEI, get_language
from messages.models import Notice
from messages.params import parse_datetime
from scheduler.sending import NoticeActionError, check_schedule_time

CONFIRMED = "1"  # the value of the confirm field the confirmation page posts back
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The fields each choice of repeat reads: the others are ignored, whatever the browser sent (hidden ones too).
MAX_REASON_CHARS = 300  # of a failure's own words, shown to the officer
log = logging.getLogger(__name__)
SCHEDULE_OPTION_FIELDS = {"once": ("at",), "daily": ("time",), "weekly": ("time", "weekday"), "cron": ("cron",)}


def live_min_interval() -> timedelta:
    return timedelta(minutes=services().settings.scheduler.live_min_interval_minutes)


def confirmation_from(form: Mapping[str, str]) -> Confirmation:
    return Confirmation(confirmed=form.get("confirm") == CONFIRMED, typed_number=form.get("notice_number", ""))


def schedule_fields(form: Mapping[str, str]) -> dict[str, str]:
    """The repeat chosen and only its own fields."""
    repeat = form.get("repeat", "once")
    return {"repeat": repeat} | {name: form.get(name, "") for name in SCHEDULE_OPTION_FIELDS.get(repeat, ())}


def cron_from_form(form: Mapping[str, str]) -> tuple[datetime | None, str | None]:
    """The schedule the officer chose: once at a time, daily or weekly at a time, or a cron expression."""
    chosen = schedule_fields(form)
    repeat = chosen["repeat"]
    if repeat == "once":
        at = chosen["at"].strip()
        if not at:
            raise NoticeActionError(translate("schedule.need_time"))
        try:
            return parse_datetime(at), None
        except ValueError:
            raise NoticeActionError(translate("schedule.bad_at")) from None
    if repeat == "cron":
        return None, chosen["cron"].strip() or None
    if repeat not in SCHEDULE_OPTION_FIELDS:
        raise NoticeActionError(translate("schedule.need_repeat"))
    clock = chosen["time"].strip()
    try:
        hour, minute = (int(part) for part in clock.split(":")[:2])
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(clock)
    except ValueError:
        raise NoticeActionError(translate("schedule.need_clock")) from None
    if repeat == "daily":
        return None, f"{minute} {hour} * * *"
    day = chosen["weekday"] or "mon"
    if day not in WEEKDAYS:
        raise NoticeActionError(translate("schedule.need_weekday"))
    return None, f"{minute} {hour} * * {day}"


def carried_by(preview: NoticePreview, *, training: bool) -> list[str]:
    """The channels the notice would go out on, in the grid's order: resident channels with somebody to tell, and
    the public ones (a page post, the feeds) unless a training notice stays off them."""
    from bot.console.views_channels import channel_name  # a page module: imported when first used

    carried = carried_channels(
        preview.labels,
        preview.audience,
        training=training,
        public_too=services().dispatch.public_channels_for_training,
    )
    return [channel_name(name, preview.labels.get(name)) for name in carried]


def restated(preview: NoticePreview, *, training: bool, at: datetime | None = None, cron: str | None = None) -> str:
    """What the send will do, in one sentence in the officer's language."""
    locale = get_language(ui_language()).locale
    values = {
        "residents": translate("confirm.testers" if training else "confirm.residents", count=preview.total),
        "languages": translate("confirm.languages", count=len(preview.languages)),
        "channels": format_list(carried_by(preview, training=training), locale=locale),
    }
    if cron is not None:
        sentence = translate("confirm.schedule_every", cron=cron, **values)
    elif at is not None:
        sentence = translate("confirm.schedule_at", when=at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M"), **values)
    else:
        sentence = translate("confirm.send", **values)
    return f"{translate('confirm.training')} {sentence}" if training else sentence


def _preview(notice_id: int) -> NoticePreview:
    """The figures to restate; without them nothing is confirmed (the notice page offers no Send then either)."""
    try:
        return build_preview(services(), notice_id, translate=False)
    except SQLAlchemyError:
        log.exception("notice %s: the database did not answer while restating its send", notice_id)
        raise NoticeActionError(translate("preview.unavailable")) from None
    except Exception as exc:  # a notice stored before its kind, glossary or phrases changed
        log.exception("notice %s: its send cannot be restated", notice_id)
        reason = (str(exc) or type(exc).__name__)[:MAX_REASON_CHARS]
        raise NoticeActionError(translate("preview.failed", reason=reason, id=notice_id)) from None


@dataclass(frozen=True)
class PendingConfirmation:
    """A send or a schedule the officer asked for, restated, waiting for their confirmation."""

    notice: Notice
    action: str  # "send" or "schedule"
    sentence: str
    needs_number: bool  # an Extreme notice to the whole city: its number is typed to confirm
    form: dict[str, str]  # posted back as it was, the chosen schedule option's fields only
    cron: str | None = None
    upcoming: list[datetime] = field(default_factory=list)  # a recurrence's next five times
    error: str | None = None


def pending_confirmation(
    notice_id: int, action: str, form: Mapping[str, str], *, error: str | None = None
) -> PendingConfirmation:
    """What to show before the send or schedule; refused (NoticeActionError, PermissionDenied) at once when the
    desk's rules would refuse it anyway, so the officer is not asked to confirm what cannot happen."""
    svc = services()
    at, cron = cron_from_form(form) if action == "schedule" else (None, None)
    with svc.session_factory() as session:
        notice = notice_rules.load(
            session, current_actor(), notice_id, Verb.SCHEDULE if action == "schedule" else Verb.SEND
        )
        if action == "schedule":
            check_schedule_time(at, now=now())
            check_poll_schedule(session, notice, at=at, cron=cron, now=now())
        else:
            check_poll_sending(session, notice, sent_at=now(), now=now())
        session.expunge(notice)
    upcoming: list[datetime] = []
    if cron is not None:
        upcoming = desk.check_recurrence(
            cron, live=not notice.training, now=now(), live_min_interval=live_min_interval()
        )
    preview = _preview(notice_id)
    kept = schedule_fields(form) if action == "schedule" else {"exceed_quota": form.get("exceed_quota", "")}
    return PendingConfirmation(
        notice=notice,
        action=action,
        sentence=restated(preview, training=notice.training, at=at, cron=cron),
        needs_number=needs_typed_number(notice, svc.kinds),
        form={name: value for name, value in kept.items() if value},
        cron=cron,
        upcoming=upcoming,
        error=error,
    )
