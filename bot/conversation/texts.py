"""The bot's words in each language, from the "bot" gettext domain."""

from __future__ import annotations

import unicodedata

from messages.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalogs
from messages.plurals import PluralSource, keyed_text, read_source_strings


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class BotTexts:
    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        self.source: dict[str, str | PluralSource] = read_source_strings(catalogs.locales_dir / "bot.yaml")
        self._keywords: dict[str, str] | None = None

    def __call__(self, language: str, key: str, /, **values: object) -> str:
        """The text ``key`` in ``language``; a plural entry takes its form from ``count=`` (a whole number)."""
        catalog = self.catalogs.get(language if language in LANGUAGES else DEFAULT_LANGUAGE, "bot")
        return keyed_text(catalog, f"bot.{key}", self.source[key], values)

    def keyword_of(self, language: str, command: str) -> str:
        """The word a resident of this language types for a command (the first of its spellings)."""
        return self(language, f"keyword.{command}").split("|")[0].strip()

    def keyword(self, text: str) -> str | None:
        """Which command ("menu", "help", "language") a resident typed, in any language."""
        if self._keywords is None:
            found: dict[str, str] = {}
            for key in (k for k in self.source if k.startswith("keyword.")):
                command = key.split(".", 1)[1]
                for language in LANGUAGES:
                    for word in self(language, key).split("|"):
                        if word.strip():
                            found.setdefault(normalise(word), command)
                found[normalise(str(self.source[key]))] = command
            self._keywords = found
        return self._keywords.get(normalise(text).strip(" .!?。！？"))
