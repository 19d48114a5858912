"""Console pages for what came in from Taiwan's national CAP platform: the list, one alert with the source's
own text and its raw document, and the raw document as a download.

Anyone can post to the push endpoint, so the stored documents and every field read from them are hostile
text: they are only ever shown escaped, with invisible and control characters made visible, and the raw
document is served as an attachment that no browser renders. The rules are in ``views_ingest_rules``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import Response, abort, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import defer

from bot.console import blueprint
from bot.console.auth import officer_required, services
from bot.console.names import helpers, page_count
from bot.console.ui import translate
from bot.office.alerts import TRAINING_STATUSES
from bot.routing import requested_page
from ingest.models import IncomingAlert, Outcome
from messages.cap_read import CapInfo, read_cap

PAGE_SIZE = 50
ATTENTION = "attention"  # the filter for what officers must act on
NEEDS_OFFICERS = (Outcome.FAILED.value, Outcome.DRAFTED.value)
MAX_SHOWN_BYTES = 256 * 1024  # of the raw document on the page; the download has all of it
MAX_LIST_REASON = 240  # characters of a reason in the list; the alert's page has all of it
# Shown as code-point marks (e.g. "U+200B"): C0 but tab, newline and carriage return, DEL, C1, zero-width and
# bidirectional controls, line and paragraph separators, the byte-order mark and the interlinear annotation characters.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")
log = logging.getLogger(__name__)


@blueprint.app_template_filter("visible")
def visible(value: Any) -> Markup:
    """Text from outside, escaped, with each invisible or control character shown as its code point, e.g. ``U+202E``."""
    if value is None:
        return Markup("—")
    text = str(value)
    parts, last = [], 0
    for found in INVISIBLE.finditer(text):
        parts.append(escape(text[last : found.start()]))
        parts.append(Markup('<mark class="invisible">U+{:04X}</mark>').format(ord(found.group())))
        last = found.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def is_training(status: str | None) -> bool:
    return status in TRAINING_STATUSES


def outcome_filter(value: str | None) -> str:
    """An outcome, ``attention`` (failed or drafted), or "" (all): an unknown value filters nothing."""
    return value if value == ATTENTION or value in {o.value for o in Outcome} else ""


@blueprint.get("/incoming")
@officer_required()
def incoming() -> Any:
    outcome = outcome_filter(request.args.get("outcome"))
    page = requested_page()
    query = select(IncomingAlert).options(defer(IncomingAlert.raw))  # up to megabytes each: not for a list
    if outcome == ATTENTION:
        query = query.where(IncomingAlert.outcome.in_(NEEDS_OFFICERS))
    elif outcome:
        query = query.where(IncomingAlert.outcome == outcome)
    with services().session_factory() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = list(
            session.scalars(
                query.order_by(IncomingAlert.received_at.desc(), IncomingAlert.id.desc())
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
        )
        waiting = (
            session.scalar(
                select(func.count()).select_from(IncomingAlert).where(IncomingAlert.outcome.in_(NEEDS_OFFICERS))
            )
            or 0
        )
    return render_template(
        "console/incoming.html",
        title=translate("incoming.title"),
        rows=rows,
        total=total,
        page=page,
        pages=page_count(total, PAGE_SIZE),
        outcome=outcome,
        outcomes=[o.value for o in Outcome],
        attention=ATTENTION,
        waiting=waiting,
        needs_officers=NEEDS_OFFICERS,
        is_training=is_training,
        max_reason=MAX_LIST_REASON,
        **helpers(),
    )


@dataclass(frozen=True)
class RawView:
    text: str  # at most MAX_SHOWN_BYTES of the document, decoded
    utf8: bool  # False: not UTF-8, shown with replacement characters
    shown_bytes: int
    stored_bytes: int


def raw_view(raw: bytes) -> RawView:
    shown = raw[:MAX_SHOWN_BYTES]
    try:
        raw.decode("utf-8")
        utf8 = True
    except UnicodeDecodeError:
        utf8 = False
    # A cut may fall inside a character: that one is shown replaced, the rest is as it came.
    return RawView(
        text=shown.decode("utf-8", errors="replace"), utf8=utf8, shown_bytes=len(shown), stored_bytes=len(raw)
    )


def source_texts(raw: bytes) -> tuple[list[CapInfo], str | None]:
    """The alert's ``<info>`` blocks, Chinese first, or why the document cannot be read."""
    try:
        alert = read_cap(raw, services().read_limits)
    except Exception as exc:  # a hostile document may fail in any way: the page still shows the record
        log.info("incoming document not read for its page: %s", exc)
        return [], (str(exc) or type(exc).__name__)[:2000]
    infos = sorted(alert.infos, key=lambda info: not info.language.lower().startswith("zh"))
    return infos, None


def language_tag(value: str) -> str | None:
    """An ``<info>``'s language as an HTML ``lang`` value, when it is one (the document is not trusted)."""
    return value if LANGUAGE_TAG.fullmatch(value or "") else None


@blueprint.get("/incoming/<int:incoming_id>")
@officer_required()
def incoming_alert(incoming_id: int) -> Any:
    with services().session_factory() as session:
        row = session.get(IncomingAlert, incoming_id)
        if row is None:
            abort(404)
        session.expunge(row)
    infos, unread = source_texts(row.raw)
    return render_template(
        "console/incoming_alert.html",
        title=translate("incoming_alert.title", id=row.id),
        row=row,
        infos=infos,
        unread=unread,
        raw=raw_view(row.raw),
        is_training=is_training,
        needs_officers=NEEDS_OFFICERS,
        language_tag=language_tag,
        **helpers(),
    )


@blueprint.get("/incoming/<int:incoming_id>/raw")
@officer_required()
def incoming_raw(incoming_id: int) -> Response:
    """The document's exact bytes, as a download: never rendered by the browser, whatever it holds."""
    with services().session_factory() as session:
        raw = session.scalar(select(IncomingAlert.raw).where(IncomingAlert.id == incoming_id))
    if raw is None:
        abort(404)
    response = Response(raw, mimetype="application/octet-stream")
    response.headers["Content-Disposition"] = f'attachment; filename="incoming-{incoming_id}.cap"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
