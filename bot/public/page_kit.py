"""What every public page shares: the pages' words in the resident's language, the choice of that language,
the chrome around the content (switcher, alternates, hotlines) and the cached HTML response. The notice pages
(``bot.public.pages``) and the open-data pages (``bot.public.opendata``) both build on it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Response, current_app, render_template, request, url_for

from bot.office.services import Services
from bot.settings import Settings
from messages.i18n import LANGUAGES, Catalogs, Language, UnknownLanguage, get_language, language_for_platform_tag
from messages.plurals import PluralSource, keyed_text, read_source_strings

HOTLINES = ("fire_119", "police_110", "city_1999")
MAX_AGE_S = 30
PAGE_VERSION = "3"  # part of every ETag: bump when the templates change what a page shows


# ----------------------------------------------------------------------------- words


@lru_cache(maxsize=4)
def _source_texts(locales_dir: Path) -> dict[str, str | PluralSource]:
    return read_source_strings(locales_dir / "public.yaml")


class PageTexts:
    """The pages' own words in one language: ``t.active_title``, ``t("language_unavailable", code=…)``, or
    for a plural entry ``t("active_intro", count=3)``."""

    def __init__(self, catalogs: Catalogs, language: Language) -> None:
        self._catalog = catalogs.get(language, "public")
        self._source = _source_texts(catalogs.locales_dir)

    def __call__(self, key: str, /, **values: object) -> str:
        return keyed_text(self._catalog, f"public.{key}", self._source[key], values)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_") or key not in self._source:
            raise AttributeError(key)
        return self(key)


@dataclass(frozen=True)
class PageLanguage:
    language: Language
    unknown: str | None = None  # a ?lang= nobody knows, shown on the page
    negotiated: bool = False  # chosen from Accept-Language: the answer varies with it

    @property
    def code(self) -> str:
        return self.language.code


def _known(code: str, available: tuple[str, ...]) -> Language | None:
    try:
        language: Language | None = get_language(code)
    except UnknownLanguage:
        language = language_for_platform_tag(code)  # zh-TW, en-US, tl …
    return language if language is not None and language.code in available else None


def page_language(settings: Settings) -> PageLanguage:
    """``?lang=`` if known; an unknown one falls back to the default; none asked: Accept-Language."""
    available = tuple(settings.languages)
    default = LANGUAGES[settings.default_language]
    asked = request.args.get("lang", "").strip()
    if asked:
        language = _known(asked, available)
        return PageLanguage(language) if language else PageLanguage(default, unknown=asked[:32])
    for tag, _quality in request.accept_languages:
        language = language_for_platform_tag(tag)
        if language is not None and language.code in available:
            return PageLanguage(language, negotiated=True)
    return PageLanguage(default, negotiated=True)


# ----------------------------------------------------------------------------- responses


def current_services() -> Services:
    return current_app.extensions["civicast"]


def page_etag(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, (PAGE_VERSION, *parts))).encode()).hexdigest()[:32]


def cache_headers(response: Response, choice: PageLanguage, etag: str | None) -> Response:
    if etag:
        response.set_etag(etag)
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE_S
    else:
        response.cache_control.no_cache = True
    if choice.negotiated:
        response.vary.add("Accept-Language")
    response.headers["Content-Language"] = choice.code
    return response


def not_modified(etag: str, choice: PageLanguage) -> Response | None:
    if request.if_none_match and request.if_none_match.contains(etag):
        return cache_headers(Response(status=304), choice, etag)
    return None


def page_chrome(
    services: Services, choice: PageLanguage, endpoint: str, view_args: Mapping[str, Any]
) -> dict[str, Any]:
    """What every page shows around its content: switcher, alternates, header and footer."""
    settings = services.settings
    glossary = services.glossary
    language = choice.language
    base = settings.public_base_url.rstrip("/")

    def link(code: str | None) -> str:
        language_arg: dict[str, Any] = {"lang": code} if code else {}
        return url_for(endpoint, **view_args, **language_arg)

    switcher: list[dict[str, Any]] = [
        {"code": code, "name": LANGUAGES[code].native_name, "href": link(code), "current": code == choice.code}
        for code in settings.languages
    ]
    texts = PageTexts(services.catalogs, language)
    return {
        "lang": choice.code,
        "t": texts,
        "switcher": switcher,
        "alternates": [{"code": item["code"], "href": base + item["href"]} for item in switcher],
        "x_default": base + link(None),
        "canonical": base + link(choice.code),
        "site_name": glossary.name("agency", "kaohsiung_city_government", language),
        "publisher": glossary.name("agency", "information_bureau", language),
        "hotlines": [
            {"number": glossary.term("hotline", key).number, "name": glossary.name("hotline", key, language)}
            for key in HOTLINES
        ],
        "active_href": url_for("public.active_page", lang=choice.code),
        "unknown_note": texts("language_unavailable", code=choice.unknown, language=language.native_name)
        if choice.unknown
        else None,
    }


def render_page(template: str, status: int, choice: PageLanguage, etag: str | None, **context: Any) -> Response:
    response = Response(render_template(template, **context), status=status, mimetype="text/html")
    return cache_headers(response, choice, etag)
