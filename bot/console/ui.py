"""The console's own words in zh-Hant and English, from ``locales/console.yaml``.

Officers choose their language; the choice is kept in their session.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, request, session

from messages.i18n import DEFAULT_LOCALES_DIR

UI_LANGUAGES = ("zh-Hant", "en")
UI_LANGUAGE_NAMES = {"zh-Hant": "繁體中文", "en": "English"}
STRINGS_GLOB = "console*.yaml"  # console.yaml, console_office.yaml: one file per part of the console


class MissingString(KeyError):
    pass


@lru_cache(maxsize=4)
def load_strings(directory: Path = DEFAULT_LOCALES_DIR) -> dict[str, dict[str, str]]:
    """``{key: {"en": …, "zh-Hant": …}}`` from every console strings file; a test checks every key has both."""
    strings: dict[str, dict[str, str]] = {}
    for path in sorted(directory.glob(STRINGS_GLOB)):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, value in raw.items():
            if str(key) in strings:
                raise ValueError(f"{path.name}: console string {key!r} is defined twice")
            strings[str(key)] = {str(lang): str(text) for lang, text in value.items()}
    return strings


def ui_language() -> str:
    chosen = session.get("ui_lang")
    if chosen in UI_LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(["zh-TW", "zh-Hant", "zh", "en"]) if request else None
    if best:
        return "en" if best == "en" else "zh-Hant"
    return current_app.extensions["civicast"].settings.console.ui_language


def translate(key: str, /, **values: Any) -> str:
    """The console string ``key`` in the officer's language, with ``{name}`` placeholders filled."""
    strings = load_strings()
    entry = strings.get(key)
    if entry is None:
        raise MissingString(f"console string {key!r} is not in locales/{STRINGS_GLOB}")
    text = entry.get(ui_language()) or entry["en"]
    return text.format(**values) if values else text
