"""Serving the cable-TV slides: ``/feeds/cable/<lang>/slides.json`` lists a slide per notice on air, each PNG at a
URL that names the notice's version, so an operator can cache a picture for as long as it likes.

The listing follows the crawl's rules (ETag from what is on air, 304, ``?districts=``). A PNG is drawn when first
asked for and kept (LRU) by notice, version, language and size; a notice edited since has a new URL, and the old
one answers 404 once the version is gone.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, current_app, url_for

from bot.public.feeds import (
    Built,
    FeedService,
    OnAir,
    conditional,
    feed_service,
    language_code,
    requested_districts,
    respond,
)
from bot.public.pages import unavailable_page
from channels.cable_slides import SIZES, Slide, render_slide
from channels.cable_tv import FeedEntry
from messages.localised import LocalisedNotice

blueprint = Blueprint("cable_slides", __name__)
PNG_CACHE_SIZE = 96  # about 12 languages × 2 sizes × 4 notices on air
PNG_MAX_AGE = 365 * 24 * 3600  # a URL names one version of one notice: its picture never changes


def notice_version(entry: FeedEntry) -> str:
    """The version a slide URL names: when the notice was last changed, to the microsecond."""
    return entry.updated.strftime("%Y%m%d%H%M%S%f")


class SlideFailed(Exception):
    """A notice's slide cannot be drawn; the log says why."""


@dataclass(frozen=True)
class SlideKey:
    notice_id: int
    version: str
    language: str
    width: int


class SlideService:
    def __init__(self, feeds: FeedService, render: Callable[[LocalisedNotice, int], Slide] = render_slide) -> None:
        self.feeds = feeds
        self.render = render  # what draws a slide (tests give one that fails)
        self._pngs: OrderedDict[SlideKey, bytes] = OrderedDict()
        self._lock = threading.Lock()
        # The fonts are shared (cached) FreeType faces, which are not safe to use from two threads at once.
        self._drawing = threading.Lock()

    def _entries(self, language: str, districts: frozenset[str] | None) -> OnAir:
        fallback = self.feeds.services.settings.default_language
        return self.feeds.on_air(list(dict.fromkeys([language, fallback])), districts)

    def listing(self, language: str, districts: frozenset[str] | None) -> Built:
        fallback = self.feeds.services.settings.default_language
        on_air = self._entries(language, districts)
        slides = []
        entries = sorted(on_air.entries, key=lambda e: (-e.best(language, fallback).severity.rank, -e.sent.timestamp()))
        for entry in entries:
            notice = entry.best(language, fallback)
            if notice.notice_id is None:
                continue
            version = notice_version(entry)
            images = {
                f"{w}x{h}": url_for(
                    "cable_slides.slide_png",
                    lang=language,
                    notice_id=notice.notice_id,
                    version=version,
                    width=w,
                    _external=True,
                )
                for w, h in SIZES.values()
            }
            slides.append(
                {
                    "identifier": entry.identifier,
                    "notice_id": notice.notice_id,
                    "version": version,
                    "language": notice.language,
                    "severity": notice.severity.value,
                    "training": notice.training,
                    "headline": notice.headline,
                    "districts": list(notice.districts),
                    "images": images,
                }
            )
        document = {"language": language, "generated": datetime.now(UTC).isoformat(timespec="seconds")}
        body = json.dumps({**document, "slides": slides}, ensure_ascii=False).encode()
        return Built(body, complete=on_air.left_out == 0)

    def png(self, key: SlideKey) -> bytes | None:
        """The slide's PNG, or None when that version of that notice is not on air."""
        with self._lock:
            if key in self._pngs:
                self._pngs.move_to_end(key)
                return self._pngs[key]
        fallback = self.feeds.services.settings.default_language
        for entry in self._entries(key.language, None).entries:
            notice = entry.best(key.language, fallback)
            if notice.notice_id == key.notice_id and notice_version(entry) == key.version:
                try:
                    with self._drawing:
                        png = self.render(notice, key.width).png
                except Exception as exc:  # a font missing, say: logged once per version, the others still served
                    self.feeds.failures.report(f"slide {key.language}", key.notice_id, entry.identifier, entry.updated)
                    raise SlideFailed(entry.identifier) from exc
                with self._lock:
                    self._pngs[key] = png
                    while len(self._pngs) > PNG_CACHE_SIZE:
                        self._pngs.popitem(last=False)
                return png
        return None


def slide_service() -> SlideService:
    return current_app.extensions["civicast.slides"]


def install(app) -> None:
    app.extensions["civicast.slides"] = SlideService(app.extensions["civicast.feeds"])
    app.register_blueprint(blueprint)


@blueprint.get("/feeds/cable/<lang>/slides.json")
def slides_json(lang: str) -> Response:
    language = language_code(lang)
    districts, tag = requested_districts()
    feeds = feed_service()
    fingerprint, last_modified = feeds.fingerprint()
    etag, cached = conditional(fingerprint, last_modified, f"{language}-slides{tag}")
    if cached:
        return cached
    built = feeds.body(f"{language}{tag}.slides", fingerprint, lambda: slide_service().listing(language, districts))

    return respond(built, "application/json", etag, last_modified)


@blueprint.get("/feeds/cable/<lang>/slides/<int:notice_id>-<version>-<int:width>.png")
def slide_png(lang: str, notice_id: int, version: str, width: int) -> Response:
    language = language_code(lang)
    if width not in SIZES or not version.isdigit():
        abort(404, description="slides come 1920 or 1280 pixels wide")
    try:
        png = slide_service().png(SlideKey(notice_id, version, language, width))
    except SlideFailed:
        return unavailable_page()
    if png is None:
        abort(404, description=f"notice {notice_id} version {version} is not on air")
    response = Response(png, mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = PNG_MAX_AGE
    response.cache_control.immutable = True
    return response
