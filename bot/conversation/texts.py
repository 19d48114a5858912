"""The bot's words in each language, from the "bot" gettext domain."""

from __future__ import annotations

import re
import unicodedata

import yaml

from messages.i18n import DEFAULT_LANGUAGE, LANGUAGES, Catalogs

_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class BotTexts:
    def __init__(self, catalogs: Catalogs) -> None:
        self.catalogs = catalogs
        with (catalogs.locales_dir / "bot.yaml").open(encoding="utf-8") as handle:
            self.source: dict[str, str] = {str(k): str(v) for k, v in yaml.safe_load(handle).items()}
        self._keywords: dict[str, dict[str, str]] | None = None

    def __call__(self, language: str, key: str, /, **values: str) -> str:
        english = self.source[key]
        text = self.catalogs.get(language if language in LANGUAGES else DEFAULT_LANGUAGE, "bot").translate(
            f"bot.{key}", english)
        return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)

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
                found[normalise(self.source[key])] = command
            self._keywords = found
        return self._keywords.get(normalise(text).strip(" .!?。！？"))
