"""The glossary: districts, transit lines and stations, ferry routes, agencies, hotlines, reservoirs and rivers.

Keys, geocodes and aliases come from ``locales/glossary.yaml``; the name of each
term in each language from the ``glossary`` gettext domain. A term is addressed
as ``(group, key)``; its msgctxt is ``"<group>.<key>"`` and its msgid the English
name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from messages.i18n import DEFAULT_LOCALES_DIR, LANGUAGES, Catalogs, Language
from messages.yaml_files import safe_load

WHOLE_CITY = "all"
_WHOLE_CITY_WORDS = {"all", "whole city", "全市", "全高雄", "all districts", "*"}
# Words for "district" that residents add or leave out when typing a name.
_DISTRICT_WORDS = re.compile(
    r"\b(district|dist\.?|quận|quan|kecamatan|daerah|distrik|distrito)\b|區|区|구|เขต|ខណ្ឌ|ស្រុក|"
    # Burmese words end in a combining mark, which \b does not see as a word's edge.
    r"မြို့နယ်|ခရိုင်|ဒေသ",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    group: str
    key: str
    english: str
    geocode: str | None = None
    number: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)

    @property
    def context(self) -> str:
        return f"{self.group}.{self.key}"


class UnknownTerm(LookupError):
    def __init__(self, group: str, value: str) -> None:
        super().__init__(f"{value!r} is not a known {group.replace('_', ' ')}")
        self.group = group
        self.value = value


_PARENTHESES = re.compile(r"[(（]([^)）]*)[)）]")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = _DISTRICT_WORDS.sub(" ", text)
    text = re.sub(r"[\s'’\-–—.,()]+", "", text)
    return text


class Glossary:
    def __init__(self, catalogs: Catalogs, data_file: Path | None = None) -> None:
        self.catalogs = catalogs
        path = data_file or catalogs.locales_dir / "glossary.yaml"
        with Path(path).open(encoding="utf-8") as handle:
            raw = safe_load(handle)
        self.groups: dict[str, dict[str, Term]] = {}
        for group, entries in raw.items():
            self.groups[group] = {
                key: Term(
                    group=group,
                    key=key,
                    english=spec["en"],
                    geocode=spec.get("geocode"),
                    number=spec.get("number"),
                    aliases=tuple(spec.get("aliases", ())),
                )
                for key, spec in entries.items()
            }
        self._index: dict[str, dict[str, str]] | None = None

    def terms(self, group: str) -> list[Term]:
        return list(self.groups[group].values())

    def term(self, group: str, key: str) -> Term:
        try:
            return self.groups[group][key]
        except KeyError:
            raise UnknownTerm(group, key) from None

    def name(self, group: str, key: str, lang: str | Language) -> str:
        """The term's name in a language (the English name if the catalog lacks it)."""
        term = self.term(group, key)
        return self.catalogs.get(lang, "glossary").translate(term.context, term.english)

    def _build_index(self) -> dict[str, dict[str, str]]:
        index: dict[str, dict[str, str]] = {}
        for group, terms in self.groups.items():
            candidates: dict[str, set[str]] = {}
            for term in terms.values():
                spellings = {term.key, term.english, *term.aliases}
                for lang in LANGUAGES.values():
                    spellings.add(self.catalogs.get(lang, "glossary").translate(term.context, term.english))
                for spelling in list(spellings):
                    # "เขตซานหมิน (Sanmin)": residents type either part alone.
                    outside = _PARENTHESES.sub(" ", spelling).strip()
                    inside = " ".join(_PARENTHESES.findall(spelling))
                    spellings.update(part for part in (outside, inside) if part)
                for spelling in spellings:
                    normalised = _normalise(spelling)
                    if normalised:
                        candidates.setdefault(normalised, set()).add(term.key)
            # A spelling two terms share identifies neither.
            index[group] = {name: next(iter(keys)) for name, keys in candidates.items() if len(keys) == 1}
        return index

    def resolve(self, group: str, text: str) -> str:
        """The key of the term a resident or officer typed, in any language.

        Accepts the key itself, any language's name, an alias, with or without
        the word for "district": ``三民區``, ``Sanmin``, ``quận Tam Dân``.
        """
        if group in self.groups and text in self.groups[group]:
            return text
        if self._index is None:
            self._index = self._build_index()
        key = self._index.get(group, {}).get(_normalise(text))
        if key is None:
            raise UnknownTerm(group, text)
        return key

    def resolve_districts(self, values: list[str] | str) -> list[str]:
        """District keys for a list of typed names; ``all`` (or 全市) stands for the whole city."""
        items = [values] if isinstance(values, str) else list(values)
        if any(str(v).strip().lower() in _WHOLE_CITY_WORDS for v in items):
            return [WHOLE_CITY]
        keys: list[str] = []
        for item in items:
            key = self.resolve("district", str(item))
            if key not in keys:
                keys.append(key)
        return keys


def default_glossary(locales_dir: Path = DEFAULT_LOCALES_DIR) -> Glossary:
    return Glossary(Catalogs(locales_dir))
