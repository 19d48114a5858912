"""Serving the cable-TV feeds: CAP Atom index, CAP documents, crawl text and JSON.

Operators poll every few seconds. A poll first computes a fingerprint of what
is on air (ids and timestamps, one small query); if the poller's ETag or
If-Modified-Since still matches, the answer is 304 with no composing at all.
Bodies are composed once per fingerprint and kept.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, request, url_for

from bot.services import Services
from channels.cable_tv import FeedEntry, atom_index, crawl_items, crawl_text
from messages.cap import build_alert
from messages.i18n import UnknownLanguage, get_language
from messages.models import Notice
from messages.notices import active_notices, alert_header, free_text_versions, notice_by_identifier, on_air_fingerprint

blueprint = Blueprint("feeds", __name__)
CACHE_SIZE = 64


class FeedService:
    def __init__(self, services: Services, *, clock: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.clock = clock or (lambda: datetime.now(UTC))
        self._bodies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def fingerprint(self) -> tuple[str, datetime | None]:
        with self.services.session_factory() as session:
            return on_air_fingerprint(session, self.clock())

    def _entries(self, languages: list[str]) -> list[FeedEntry]:
        with self.services.session_factory() as session:
            notices = active_notices(session, self.clock())
            prepared = [(n, free_text_versions(session, n)) for n in notices]
        composer = self.services.composer
        return [
            FeedEntry(
                identifier=notice.identifier,
                sent=notice.sent_at or notice.created_at,
                updated=notice.updated_at,
                notices=composer.compose_all(notice, languages, free),
            )
            for notice, free in prepared
        ]

    def body(self, key: str, fingerprint: str, build: Callable[[], bytes]) -> bytes:
        cache_key = (key, fingerprint)
        with self._lock:
            if cache_key in self._bodies:
                self._bodies.move_to_end(cache_key)
                return self._bodies[cache_key]
        body = build()
        with self._lock:
            self._bodies[cache_key] = body
            while len(self._bodies) > CACHE_SIZE:
                self._bodies.popitem(last=False)
        return body

    def crawl(self, language: str) -> list[dict]:
        settings = self.services.settings
        fallback = settings.default_language
        entries = self._entries(list(dict.fromkeys([language, fallback])))
        return crawl_items(entries, language, max_chars=settings.channels.cable_tv.crawl_max_chars, fallback=fallback)

    def atom(self, feed_url: str, cap_url: Callable[[str], str], updated: datetime | None) -> bytes:
        settings = self.services.settings
        entries = self._entries([settings.default_language])
        author = self.services.glossary.name("agency", "kaohsiung_city_government", settings.default_language)
        return atom_index(entries, feed_url=feed_url, cap_url=cap_url, title=settings.channels.cable_tv.feed_title,
                          author=author, language=settings.default_language,
                          updated=updated or datetime.now(UTC))

    def cap_document(self, identifier: str) -> bytes | None:
        with self.services.session_factory() as session:
            notice = notice_by_identifier(session, identifier)
            if notice is None or notice.training or notice.sent_at is None:
                return None
            free = free_text_versions(session, notice)
            header = alert_header(notice, self.services.settings.cap.sender)
        return self._cap(notice, header, free)

    def _cap(self, notice: Notice, header, free) -> bytes:  # type: ignore[no-untyped-def]
        services = self.services
        localised = services.composer.compose_all(notice, services.settings.languages, free)
        kind = services.kinds.get(notice.kind)
        return build_alert(header, kind, localised.values(), services.glossary)


def feed_service() -> FeedService:
    return current_app.extensions["civicast.feeds"]


def _conditional(fingerprint: str, last_modified: datetime | None, variant: str) -> tuple[str, Response | None]:
    etag = f"{fingerprint[:24]}-{variant}"
    not_modified = Response(status=304)
    not_modified.set_etag(etag)
    if last_modified:
        not_modified.last_modified = last_modified
    if request.if_none_match:
        if request.if_none_match.contains(etag):
            return etag, not_modified
    elif last_modified and request.if_modified_since:
        if last_modified.replace(microsecond=0) <= request.if_modified_since:
            return etag, not_modified
    return etag, None


def _respond(body: bytes, mimetype: str, etag: str, last_modified: datetime | None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    if last_modified:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 5
    return response


def _language(code: str) -> str:
    try:
        return get_language(code).code
    except UnknownLanguage:
        abort(404, description=f"no feed in language {code!r}")


@blueprint.get("/feeds/cap.atom")
def cap_atom() -> Response:
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = _conditional(fingerprint, last_modified, "atom")
    if cached:
        return cached
    feed_url = url_for("feeds.cap_atom", _external=True)

    def cap_url(identifier: str) -> str:
        return url_for("feeds.cap_document", identifier=identifier, _external=True)

    body = service.body("atom", fingerprint, lambda: service.atom(feed_url, cap_url, last_modified))
    return _respond(body, "application/atom+xml", etag, last_modified)


@blueprint.get("/feeds/cap/<identifier>.xml")
def cap_document(identifier: str) -> Response:
    document = feed_service().cap_document(identifier)
    if document is None:
        abort(404, description=f"no published alert {identifier!r}")
    return Response(document, mimetype="application/cap+xml")


@blueprint.get("/feeds/cable/<lang>.txt")
def crawl_txt(lang: str) -> Response:
    language = _language(lang)
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = _conditional(fingerprint, last_modified, f"{language}-txt")
    if cached:
        return cached
    body = service.body(f"{language}.txt", fingerprint, lambda: crawl_text(service.crawl(language)).encode())
    return _respond(body, "text/plain", etag, last_modified)


@blueprint.get("/feeds/cable/<lang>.json")
def crawl_json(lang: str) -> Response:
    language = _language(lang)
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = _conditional(fingerprint, last_modified, f"{language}-json")
    if cached:
        return cached

    def build() -> bytes:
        document = {"language": language, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
                    "items": service.crawl(language)}
        return json.dumps(document, ensure_ascii=False).encode()

    body = service.body(f"{language}.json", fingerprint, build)
    return _respond(body, "application/json", etag, last_modified)


