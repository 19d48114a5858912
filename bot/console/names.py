"""How the console names things in the officer's language: console labels of stored values, districts from the
glossary, resident languages (in a sentence, in the officer's language; standing alone, in their own script)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale
from markupsafe import Markup

from bot.console import blueprint
from bot.console.auth import services
from bot.console.ui import load_strings, translate, ui_language
from bot.console.views_notices import kind_title
from messages.glossary import WHOLE_CITY, UnknownTerm
from messages.i18n import UnknownLanguage, get_language

UI_LOCALES = {"zh-Hant": "zh_Hant_TW", "en": "en"}


def label(prefix: str, value: Any) -> str:
    """The console string ``prefix.value``, or the value itself when there is none (data the console doesn't know)."""
    key = f"{prefix}.{value}"
    return translate(key) if key in load_strings() else str(value)


@lru_cache(maxsize=64)
def _language_label(code: str, ui_lang: str) -> str:
    try:
        parsed = Locale.parse(get_language(code).babel)
    except UnknownLanguage:
        return code
    return Locale(parsed.language, script=parsed.script).get_display_name(Locale.parse(UI_LOCALES[ui_lang])) or code


def language_label(code: str) -> str:
    """A resident language's name in the officer's language ("越南文", "Vietnamese")."""
    return _language_label(code, ui_language())


def native_name(code: str) -> str:
    """A resident language's name in its own script, or its code when civicast does not know it."""
    try:
        return get_language(code).native_name
    except UnknownLanguage:
        return code


def language_name(code: str) -> Markup:
    """A resident language named standing alone: in its own script, marked as that language ("Tiếng Việt", "ไทย")."""
    try:
        language = get_language(code)
    except UnknownLanguage:
        return Markup("{}").format(code)
    return Markup('<span lang="{}">{}</span>').format(language.code, language.native_name)


@blueprint.app_template_global("district_name")
def district_name(key: str | None) -> str:
    """A district by its glossary name in the officer's language."""
    if not key:
        return "—"
    if key == WHOLE_CITY:  # a check-in of a resident following every district
        return translate("checkins.whole_city")
    try:
        return services().glossary.name("district", key, ui_language())
    except UnknownTerm:
        return key


def page_count(total: int, size: int) -> int:
    return max(1, -(-total // size))


def helpers() -> dict[str, Any]:
    return {
        "label": label,
        "language_label": language_label,
        "language_name": language_name,
        "native_name": native_name,
        "district_name": district_name,
        "kind_title": kind_title,
    }
