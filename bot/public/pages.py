"""Public notice pages: one notice at ``/n/<id>?lang=…``, the active ones at ``/notices?lang=…``.

Every LINE bubble and Facebook post links here. A page is plain HTML and one small stylesheet (nothing
from elsewhere) in the resident's language, with a switcher to every other language. Where Web Push is
enabled, a small script of our own offers alerts in the browser (``bot.public.push``); the page reads the
same without it. Only notices that went out are public; officers preview the rest in the console. The
words around a notice come from the "public" gettext domain, the notice itself from the composer,
the city's name and hotlines from the glossary. A repeated request with the page's ETag gets 304.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, url_for
from sqlalchemy import select

from bot.office.services import Services
from bot.public.district_figure import district_figure
from bot.public.failures import NoticeFailures
from bot.public.page_kit import (
    current_services,
    not_modified,
    page_chrome,
    page_etag,
    page_language,
    render_page,
)
from bot.public.push import push_form
from channels.presentation import band_colour
from messages.dates import format_datetime_for
from messages.localised import FreeTextVersion, LocalisedNotice
from messages.models import MsgType, Notice, NoticeStatus
from messages.notices import active_notices, free_text_versions, on_air_fingerprint

blueprint = Blueprint(
    "public", __name__, template_folder="templates", static_folder="static", static_url_path="/public/static"
)

# Statuses a notice can have once it went out. A notice cancelled before sending has no sent_at.
PUBLIC_STATUSES = frozenset(
    {NoticeStatus.SENDING, NoticeStatus.SENT, NoticeStatus.SUPERSEDED, NoticeStatus.EXPIRED, NoticeStatus.CANCELLED}
)
log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------- colours


def _luminance(colour: str) -> float:
    channels = [int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two ``#RRGGBB`` colours."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def band_colours(notice: LocalisedNotice) -> tuple[str, str]:
    """The severity band's background (as on LINE) and the text colour that reads best on it."""
    background = band_colour(notice)
    text = max(("#FFFFFF", "#111111"), key=lambda colour: contrast_ratio(colour, background))
    return background, text


def band_class(notice: LocalisedNotice) -> str:
    """The stylesheet's class for the band: public.css holds ``band_colours`` for each (a test compares them),
    so the pages need no inline style and their CSP can forbid it."""
    return "band-training" if notice.training else f"band-{notice.severity.value.lower()}"


# ----------------------------------------------------------------------------- pages


def not_found_page() -> Response:
    """The residents' "not found" in their language, for any address outside the console and the API."""
    services = current_services()
    choice = page_language(services.settings)
    chrome = page_chrome(services, choice, "public.active_page", {})
    return render_page("public/not_found.html", 404, choice, None, **chrome)


def unavailable_page(*, status: int = 503) -> Response:
    """The residents' "cannot be shown right now" (a notice that cannot be composed, a database that does
    not answer, a fault), in their language, with the hotlines: never a traceback."""
    try:
        services = current_services()
        choice = page_language(services.settings)
        chrome = page_chrome(services, choice, "public.active_page", {})
        response = render_page("public/unavailable.html", status, choice, None, **chrome)
    except Exception:  # the page itself failed: still no traceback for the resident
        log.exception("the public error page could not be rendered")
        response = Response(
            "This page cannot be shown right now. In an emergency call 119 or 110.\n",
            status=status,
            mimetype="text/plain",
        )
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = "30"
    return response


def _texts(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple):
        for item in value:
            yield from _texts(item)


def compose_for_page(
    services: Services, notice: Notice, language: str, free_text: FreeTextVersion | None
) -> LocalisedNotice | None:
    """The notice as a page shows it, or None (logged with its id) when it cannot be composed or its text
    cannot be sent as UTF-8: a notice stored before its kind, glossary or phrases changed must not take
    the page, or the other notices, down with it."""
    try:
        localised = services.composer.compose(notice, language, free_text)
        "".join(text for field in fields(localised) for text in _texts(getattr(localised, field.name))).encode()
    except Exception:
        failures = current_app.extensions.setdefault("civicast.page_failures", NoticeFailures())
        failures.report(f"page {language}", notice.id, notice.identifier, notice.updated_at)
        return None
    return localised


# ----------------------------------------------------------------------------- one notice


def is_public(notice: Notice) -> bool:
    """Whether residents may see the notice: it went out (drafts and schedules are the officers'), and not from a
    test key's sandbox (those reach nobody; an officer's drill is shown, marked TEST)."""
    return notice.sent_at is not None and notice.status in PUBLIC_STATUSES and not notice.sandboxed


def notice_state(notice: Notice, now: datetime) -> str | None:
    """ "cancelled", "superseded" or "expired" for a notice no longer in force, else None."""
    if notice.status == NoticeStatus.CANCELLED:
        return "cancelled"
    if notice.status == NoticeStatus.SUPERSEDED:
        return "superseded"
    if notice.status == NoticeStatus.EXPIRED or (notice.expires is not None and notice.expires <= now):
        return "expired"
    return None


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


@blueprint.get("/n/<int:notice_id>")
def notice_page(notice_id: int) -> Response:
    services = current_services()
    choice = page_language(services.settings)
    now = datetime.now(UTC)
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        if notice is None or not is_public(notice):
            chrome = page_chrome(services, choice, "public.notice_page", {"notice_id": notice_id})
            return render_page("public/not_found.html", 404, choice, None, **chrome)
        state = notice_state(notice, now)
        push = push_form(services, choice)
        push_key = push["key"] if push else None
        etag = page_etag(
            "notice", notice.id, notice.updated_at.isoformat(), choice.code, state, choice.unknown, push_key
        )
        cached = not_modified(etag, choice)
        if cached is not None:
            return cached
        free_text = free_text_versions(session, notice).get(choice.code)
        earlier = notice.references
        # Links stay within the notice's world: a training notice never points at a live one, nor the reverse.
        same_world = earlier is not None and bool(earlier.training) == bool(notice.training)
        earlier_id = earlier.id if same_world and is_public(earlier) else None
        update_id = None
        if state == "superseded":
            update_id = session.scalar(
                select(Notice.id)
                .where(
                    Notice.references_id == notice.id,
                    Notice.msg_type == MsgType.UPDATE.value,
                    Notice.sent_at.is_not(None),
                    Notice.training.is_(bool(notice.training)),
                    Notice.sandboxed.is_(False),
                )
                .order_by(Notice.id.desc())
                .limit(1)
            )
    localised = compose_for_page(services, notice, choice.code, free_text)
    if localised is None:
        return unavailable_page()
    chrome = page_chrome(services, choice, "public.notice_page", {"notice_id": notice_id})
    return render_page(
        "public/notice.html",
        200,
        choice,
        etag,
        **chrome,
        notice=localised,
        band_class=band_class(localised),
        state=state,
        issued_text=format_datetime_for(notice.sent_at, choice.language) if notice.sent_at else None,
        issued_iso=_iso(notice.sent_at),
        effective_iso=_iso(localised.effective),
        expires_iso=_iso(localised.expires),
        earlier_href=url_for("public.notice_page", notice_id=earlier_id, lang=choice.code) if earlier_id else None,
        update_href=url_for("public.notice_page", notice_id=update_id, lang=choice.code) if update_id else None,
        noindex=localised.training,
        push=push,
        districts=district_figure(services.glossary, localised, chrome["t"]),
    )


# ----------------------------------------------------------------------------- the active notices


def _order(notice: LocalisedNotice, sent_at: datetime | None) -> tuple[int, float]:
    """Most severe first, then newest."""
    return -notice.severity.rank, -(sent_at.timestamp() if sent_at else 0.0)


@blueprint.get("/notices")
def active_page() -> Response:
    services = current_services()
    choice = page_language(services.settings)
    now = datetime.now(UTC)
    with services.session_factory() as session:
        fingerprint, _changed = on_air_fingerprint(session, now)
        push = push_form(services, choice)
        etag = page_etag("active", fingerprint, choice.code, choice.unknown, push["key"] if push else None)
        cached = not_modified(etag, choice)
        if cached is not None:
            return cached
        notices = active_notices(session, now)
        prepared = [(notice, free_text_versions(session, notice).get(choice.code)) for notice in notices]
    composed = [(compose_for_page(services, notice, choice.code, free), notice.sent_at) for notice, free in prepared]
    shown = [(localised, sent_at) for localised, sent_at in composed if localised is not None]
    shown.sort(key=lambda pair: _order(*pair))
    cards = []
    for localised, _sent_at in shown:
        cards.append(
            {
                "notice": localised,
                "band_class": band_class(localised),
                "href": url_for("public.notice_page", notice_id=localised.notice_id, lang=choice.code),
                "effective_iso": _iso(localised.effective),
            }
        )
    chrome = page_chrome(services, choice, "public.active_page", {})
    complete = len(shown) == len(composed)  # a page missing a notice must not be kept and revalidated as 304
    return render_page("public/notices.html", 200, choice, etag if complete else None, **chrome, cards=cards, push=push)
