"""The console's own words in zh-Hant and English, from ``locales/console.yaml``.

Officers choose their language; the choice is kept in their session. A string with a number of
something has plural forms: each language maps its CLDR plural categories to a text (``en: {one: …,
other: …}``, ``zh-Hant: {other: …}``), and the ``{count}`` value chooses the form by Babel's
``Locale.plural_form``, so "1 minute" and "5 minutes" both read right.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app, request, session

from messages.i18n import DEFAULT_LOCALES_DIR, get_language
from messages.plurals import COUNT, category, check_forms, placeholder_names
from messages.yaml_files import safe_load

UI_LANGUAGES = ("zh-Hant", "en")
UI_LANGUAGE_NAMES = {"zh-Hant": "繁體中文", "en": "English"}
STRINGS_GLOB = "console*.yaml"  # console.yaml, console_office.yaml: one file per part of the console


Text = str | dict[str, str]  # one text, or a text per plural category


class MissingString(KeyError):
    pass


@lru_cache(maxsize=4)
def load_strings(directory: Path = DEFAULT_LOCALES_DIR) -> dict[str, dict[str, Text]]:
    """``{key: {"en": …, "zh-Hant": …}}`` from every console strings file; ``civicast i18n check`` and a test
    check every key has both, with every plural form."""
    strings: dict[str, dict[str, Text]] = {}
    for path in sorted(directory.glob(STRINGS_GLOB)):
        raw = safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in raw.items():
            if str(key) in strings:
                raise ValueError(f"{path.name}: console string {key!r} is defined twice")
            strings[str(key)] = {str(lang): _text(text) for lang, text in value.items()}
    return strings


def _text(value: object) -> Text:
    if isinstance(value, dict):
        return {str(tag): str(text) for tag, text in value.items()}
    return str(value)


def is_plural(texts: dict[str, Text]) -> bool:
    return any(isinstance(text, dict) for text in texts.values())


def check_strings(directory: Path = DEFAULT_LOCALES_DIR) -> list[str]:
    """Every problem of the console strings: a language missing or empty, placeholders unlike the English
    ones, a plural entry without every form its language's plural rule asks for."""
    problems = []
    for key, texts in load_strings(directory).items():
        if set(texts) != set(UI_LANGUAGES):
            problems.append(f"console string {key}: languages {sorted(texts)}, expected {sorted(UI_LANGUAGES)}")
            continue
        english = texts["en"]
        if isinstance(english, dict):  # the English "other" form is the source; without it, any English form
            english = english.get("other") or next(iter(english.values()), "")
        source = placeholder_names(english)
        for lang, text in texts.items():
            if is_plural(texts) or isinstance(text, dict):  # the second only tells mypy what the first implies
                what = check_forms(text, get_language(lang).locale, source)
            elif not text.strip():
                what = ["empty"]
            else:
                what = (
                    [f"placeholders {sorted(placeholder_names(text))}, the English {sorted(source)}"]
                    if placeholder_names(text) != source
                    else []
                )
            problems.extend(f"console string {key} ({lang}): {problem}" for problem in what)
    return problems


def ui_language() -> str:
    chosen = session.get("ui_lang")
    if chosen in UI_LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh-TW", "zh-Hant", "zh", "en"]) if request else None
    if best:
        return "en" if best == "en" else "zh-Hant"
    return current_app.extensions["civicast"].settings.console.ui_language


def translate(key: str, /, **values: Any) -> str:
    """The console string ``key`` in the officer's language, ``{name}`` placeholders filled; a plural string takes
    the form its ``count=`` (a whole number) chooses in that language."""
    strings = load_strings()
    entry = strings.get(key)
    if entry is None:
        raise MissingString(f"console string {key!r} is not in locales/{STRINGS_GLOB}")
    chosen = ui_language()
    language = chosen if chosen in entry else "en"
    text = entry[language]
    if isinstance(text, dict):
        count = values.get(COUNT)
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"console string {key!r} has plural forms: give {COUNT}= as a whole number, not {count!r}")
        text = text[category(get_language(language).locale, count)]
        values = {**values, COUNT: f"{count:,}"}  # grouped as the console writes every figure
    return text.format(**values) if values else text
