"""Serving the cable-TV feeds: CAP Atom index, CAP documents, crawl text and JSON.

Operators poll every few seconds. A poll first computes a fingerprint of what
is on air (ids and timestamps, one small query); if the poller's ETag or
If-Modified-Since still matches, the answer is 304 with no composing at all.
Bodies are composed once per fingerprint and kept.

Each notice is composed and rendered on its own: one that cannot be (stored
before its kind, glossary or phrases changed, or with text a feed cannot carry)
is logged with its id (once for each version of it) and left out, and the
others are served. A body missing a notice is neither kept nor given an ETag,
so it is never confirmed by a 304 once the notice can be shown again.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, request, url_for

from bot.office.services import Services
from bot.public.failures import NoticeFailures
from bot.public.pages import unavailable_page
from channels.cable_tv import FeedEntry, atom_index, crawl_items, crawl_text
from messages.cap import build_alert
from messages.glossary import WHOLE_CITY
from messages.i18n import UnknownLanguage, get_language
from messages.localised import LocalisedNotice
from messages.models import Notice
from messages.notices import active_notices, alert_header, free_text_versions, notice_by_identifier, on_air_fingerprint
from messages.polls import poll_spec

blueprint = Blueprint("feeds", __name__)
CACHE_SIZE = 64
MAX_IDENTIFIER_CHARS = 120  # the column's size: anything longer names no alert


class DocumentFailed(Exception):
    """A published alert's CAP document cannot be built; the log says why."""


@dataclass(frozen=True)
class Built:
    body: bytes
    complete: bool  # every notice on air is in it


@dataclass(frozen=True)
class OnAir:
    entries: list[FeedEntry]
    notice_ids: dict[str, int]  # identifier → notice id, for the log
    left_out: int

    def keep_renderable(self, render: Callable[[FeedEntry], object], feed: str, failures: NoticeFailures) -> OnAir:
        """The entries ``render`` takes on its own; the others logged and left out."""
        kept = []
        for entry in self.entries:
            try:
                render(entry)
            except Exception:
                failures.report(feed, self.notice_ids.get(entry.identifier), entry.identifier, entry.updated)
            else:
                kept.append(entry)
        return OnAir(kept, self.notice_ids, self.left_out + len(self.entries) - len(kept))


Districts = frozenset[str] | None  # an operator's ?districts=, None for the whole city


def _concerns(localised: Mapping[str, LocalisedNotice], districts: frozenset[str]) -> bool:
    concerned = set(next(iter(localised.values())).districts) if localised else set()
    return WHOLE_CITY in concerned or bool(concerned & districts)


class FeedService:
    def __init__(self, services: Services, *, clock: Callable[[], datetime] | None = None) -> None:
        self.services = services
        self.clock = clock or (lambda: datetime.now(UTC))
        self._bodies: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self.failures = NoticeFailures()

    def fingerprint(self) -> tuple[str, datetime | None]:
        with self.services.session_factory() as session:
            return on_air_fingerprint(session, self.clock())

    def on_air(self, languages: list[str], districts: Districts = None) -> OnAir:
        """The notices on air composed in ``languages``; with ``districts``, only those concerning one of them
        (a whole-city notice concerns every district)."""
        with self.services.session_factory() as session:
            notices = active_notices(session, self.clock())
            prepared = [(n, free_text_versions(session, n), poll_spec(session, n.id)) for n in notices]
        composer = self.services.composer
        entries = []
        failed = 0
        for notice, free, poll in prepared:
            try:
                localised = composer.compose_all(notice, languages, free, poll=poll)
            except Exception:
                self.failures.report("feeds", notice.id, notice.identifier, notice.updated_at)
                failed += 1
                continue
            if districts and not _concerns(localised, districts):
                continue
            entries.append(
                FeedEntry(
                    identifier=notice.identifier,
                    sent=notice.sent_at or notice.created_at,
                    updated=notice.updated_at,
                    notices=localised,
                )
            )
        ids = {n.identifier: n.id for n, _free, _poll in prepared}
        return OnAir(entries, ids, failed)

    def body(self, key: str, fingerprint: str, build: Callable[[], Built]) -> Built:
        cache_key = (key, fingerprint)
        with self._lock:
            if cache_key in self._bodies:
                self._bodies.move_to_end(cache_key)
                return Built(self._bodies[cache_key], complete=True)
        built = build()
        if built.complete:
            with self._lock:
                self._bodies[cache_key] = built.body
                while len(self._bodies) > CACHE_SIZE:
                    self._bodies.popitem(last=False)
        return built

    def crawl(self, language: str, districts: Districts = None) -> tuple[list[dict], bool]:
        """The crawl's items in a language, and whether every notice on air is among them."""
        settings = self.services.settings
        fallback = settings.default_language
        max_chars = settings.channels.cable_tv.crawl_max_chars

        def items(entries: list[FeedEntry]) -> list[dict]:
            return crawl_items(entries, language, max_chars=max_chars, fallback=fallback)

        # The JSON of an item holds every text its crawl line does: if one encodes, so does the other.
        on_air = self.on_air(list(dict.fromkeys([language, fallback])), districts).keep_renderable(
            lambda entry: json.dumps(items([entry]), ensure_ascii=False).encode(), f"crawl {language}", self.failures
        )
        return items(on_air.entries), on_air.left_out == 0

    def atom(self, feed_url: str, cap_url: Callable[[str], str], updated: datetime | None) -> Built:
        settings = self.services.settings
        author = self.services.glossary.name("agency", "kaohsiung_city_government", settings.default_language)

        def index(entries: list[FeedEntry]) -> bytes:
            return atom_index(
                entries,
                feed_url=feed_url,
                cap_url=cap_url,
                title=settings.channels.cable_tv.feed_title,
                author=author,
                language=settings.default_language,
                updated=updated or datetime.now(UTC),
            )

        on_air = self.on_air([settings.default_language]).keep_renderable(
            lambda entry: index([entry]), "atom", self.failures
        )
        return Built(index(on_air.entries), complete=on_air.left_out == 0)

    def cap_document(self, identifier: str) -> bytes | None:
        """The published alert's CAP document; None when there is none; DocumentFailed when it cannot be built."""
        if len(identifier) > MAX_IDENTIFIER_CHARS or "\x00" in identifier:
            return None
        with self.services.session_factory() as session:
            notice = notice_by_identifier(session, identifier)
            if notice is None or notice.training or notice.sent_at is None:
                return None
            free = free_text_versions(session, notice)
            header = alert_header(notice, self.services.settings.cap.sender)
        try:
            return self._cap(notice, header, free)
        except Exception as exc:
            self.failures.report("CAP document", notice.id, identifier, notice.updated_at)
            raise DocumentFailed(identifier) from exc

    def _cap(self, notice: Notice, header, free) -> bytes:
        services = self.services
        localised = services.composer.compose_all(notice, services.settings.languages, free)
        kind = services.kinds.get(notice.kind)
        return build_alert(header, kind, localised.values(), services.glossary)


def feed_service() -> FeedService:
    return current_app.extensions["civicast.feeds"]


def conditional(fingerprint: str, last_modified: datetime | None, variant: str) -> tuple[str, Response | None]:
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


def respond(built: Built, mimetype: str, etag: str, last_modified: datetime | None) -> Response:
    response = Response(built.body, mimetype=mimetype)
    if not built.complete:  # polled again at once, and never answered 304 against this body
        response.cache_control.no_cache = True
        return response
    response.set_etag(etag)
    if last_modified:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = 5
    return response


def requested_districts() -> tuple[Districts, str]:
    """The ``?districts=`` an operator subscribes to (comma-separated district keys) and its ETag tag;
    400 naming the first unknown key."""
    raw = request.args.get("districts", "")
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        return None, ""
    known = feed_service().services.glossary.groups["district"]
    for key in keys:
        if key not in known:
            abort(400, description=f"unknown district {key!r} in ?districts= (use district keys such as 'taoyuan')")
    chosen = frozenset(keys)
    return chosen, "-" + "+".join(sorted(chosen))


def language_code(code: str) -> str:
    try:
        return get_language(code).code
    except UnknownLanguage:
        abort(404, description=f"no feed in language {code!r}")


@blueprint.get("/feeds/cap.atom")
def cap_atom() -> Response:
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = conditional(fingerprint, last_modified, "atom")
    if cached:
        return cached
    feed_url = url_for("feeds.cap_atom", _external=True)

    def cap_url(identifier: str) -> str:
        return url_for("feeds.cap_document", identifier=identifier, _external=True)

    built = service.body("atom", fingerprint, lambda: service.atom(feed_url, cap_url, last_modified))
    return respond(built, "application/atom+xml", etag, last_modified)


@blueprint.get("/feeds/cap/<identifier>.xml")
def cap_document(identifier: str) -> Response:
    try:
        document = feed_service().cap_document(identifier)
    except DocumentFailed:
        return unavailable_page()
    if document is None:
        abort(404, description=f"no published alert {identifier!r}")
    return Response(document, mimetype="application/cap+xml")


@blueprint.get("/feeds/cable/<lang>.txt")
def crawl_txt(lang: str) -> Response:
    language = language_code(lang)
    districts, tag = requested_districts()
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = conditional(fingerprint, last_modified, f"{language}-txt{tag}")
    if cached:
        return cached

    def build() -> Built:
        items, complete = service.crawl(language, districts)
        return Built(crawl_text(items).encode(), complete)

    built = service.body(f"{language}{tag}.txt", fingerprint, build)
    return respond(built, "text/plain", etag, last_modified)


@blueprint.get("/feeds/cable/<lang>.json")
def crawl_json(lang: str) -> Response:
    language = language_code(lang)
    districts, tag = requested_districts()
    service = feed_service()
    fingerprint, last_modified = service.fingerprint()
    etag, cached = conditional(fingerprint, last_modified, f"{language}-json{tag}")
    if cached:
        return cached

    def build() -> Built:
        items, complete = service.crawl(language, districts)
        document = {"language": language, "generated": datetime.now(UTC).isoformat(timespec="seconds"), "items": items}
        return Built(json.dumps(document, ensure_ascii=False).encode(), complete)

    built = service.body(f"{language}{tag}.json", fingerprint, build)
    return respond(built, "application/json", etag, last_modified)
