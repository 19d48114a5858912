"""Paused channels in the console: a banner on every page while one is paused (why, since when, what waits),
and its Resume button, which asks the platform for its quota first and is recorded in the audit log."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from bot.console import blueprint
from bot.console.auth import current_actor, is_console_path, now, officer_required, services
from bot.console.ui import translate
from bot.office.accounts import Permission
from bot.office.channel_pauses import ResumeCheck, ResumeRefused, UnknownChannel, resume_paused_channel
from scheduler.channel_status import ChannelStatus, QuotaVerdict, paused_statuses

log = logging.getLogger("civicast.console")


@blueprint.app_template_global("channel_name")
def channel_name(channel: str, label: str | None = None) -> str:
    """A channel as officers know it: its name in the console's catalog where it has one ("channel.<name>"), else
    the label it gives itself (a partner's channel is its partner's name), else its name."""
    try:
        return translate(f"channel.{channel}")
    except KeyError:
        built = services().publishers.get(channel) if label is None else None
        return label or str(getattr(built, "label", channel))


def paused_channels() -> list[ChannelStatus]:
    """The channels paused now. A page must render even when this cannot be read: it is then left out."""
    try:
        with services().session_factory() as session:
            return paused_statuses(session)
    except SQLAlchemyError:
        log.exception("could not read which channels are paused")
        return []


@blueprint.app_context_processor
def _paused_channels_banner() -> dict[str, Any]:
    # A function, so that only pages drawing the banner (every full console page, for a signed-in
    # officer) read the channels' state, and the live delivery fragments do not.
    if request.blueprint != "console" and not is_console_path(request.path):
        return {}
    return {"paused_channels": paused_channels, "channel_name": channel_name}


def _number(value: int) -> str:
    return f"{value:,}"


def _quota_sentence(check: ResumeCheck) -> str | None:
    quota, waiting, name = check.quota, check.status.waiting, channel_name(check.status.channel)
    if check.verdict is QuotaVerdict.NO_LIMIT:
        return translate("channel_pause.quota_no_limit", channel=name)
    if quota is None or quota.limit is None:
        return None
    # {count} is the number the sentence's noun agrees with; the others are formatted here.
    if check.verdict is QuotaVerdict.PARTIAL:
        return translate(
            "channel_pause.quota_partial",
            count=waiting.residents,
            used=_number(quota.used),
            limit=_number(quota.limit),
            remaining=_number(quota.remaining or 0),
        )
    return translate("channel_pause.quota_enough", used=_number(quota.used), count=quota.limit)


def _refusal(check: ResumeCheck) -> str:
    quota, name = check.quota, channel_name(check.status.channel)
    if check.verdict is QuotaVerdict.USED_UP and quota is not None and quota.limit is not None:
        if quota.remaining:
            return translate(
                "channel_pause.refused_too_little",
                channel=name,
                count=quota.remaining,
                used=_number(quota.used),
                limit=_number(quota.limit),
                smallest=_number(check.status.waiting.smallest_batch),
            )
        return translate("channel_pause.refused_used_up", channel=name, used=_number(quota.used), count=quota.limit)
    return translate("channel_pause.refused_unknown", channel=name, error=check.quota_error or "?")


def _back() -> str:
    """Back to the page the button was on, never off the console."""
    target = request.form.get("next") or ""
    parts = urlsplit(target)
    if target and not parts.scheme and not parts.netloc and is_console_path(parts.path):
        return target
    return url_for("console.notices")


@blueprint.post("/channels/<name>/resume")
@officer_required(Permission.SEND)
def resume_channel(name: str) -> Any:
    svc = services()
    try:
        outcome = resume_paused_channel(
            svc.session_factory,
            current_actor(),
            name,
            channels=svc.channels,
            force=request.form.get("force") == "1",
            now=now(),
        )
    except UnknownChannel:
        abort(404)
    except ResumeRefused as exc:
        flash(_refusal(exc.check), "error")
        return redirect(_back(), 303)
    label = channel_name(name)
    if not outcome.resumed or outcome.check is None:
        flash(translate("channel_pause.not_paused", channel=label), "info")
        return redirect(_back(), 303)
    waiting = outcome.check.status.waiting
    flash(
        translate(
            "channel_pause.resumed",
            channel=label,
            residents=_number(waiting.residents),
            deliveries=_number(waiting.deliveries),
        ),
        "success",
    )
    quota = _quota_sentence(outcome.check)
    if quota:
        flash(quota, "info")
    if outcome.forced:
        flash(translate("channel_pause.forced", channel=label), "info")
    return redirect(_back(), 303)
