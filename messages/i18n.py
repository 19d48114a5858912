"""Languages and phrase catalogs.

One table maps civicast's language codes to what each engine and platform calls
them. Catalogs are read from the gettext files under ``locales/`` with Babel and
held per language: an installed wheel carries a compiled ``.mo`` beside each ``.po``
and is read from it; a checkout has only the ``.po`` files. There is no global ``_``:
callers hold a :class:`PhraseCatalog` for the language they are writing in.
"""

from __future__ import annotations

import gettext
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

TAIPEI = ZoneInfo("Asia/Taipei")
DEFAULT_LANGUAGE = "zh-Hant"
SOURCE_LANGUAGE = "en"  # the language of the msgids
DOMAINS = ("messages", "glossary", "bot", "public")
_PACKAGE_DIR = Path(__file__).resolve().parent
# A wheel carries the catalogs inside this package (setup.py puts them there); a checkout keeps them at its top.
DEFAULT_LOCALES_DIR = (
    _PACKAGE_DIR / "locales" if (_PACKAGE_DIR / "locales").is_dir() else _PACKAGE_DIR.parent / "locales"
)


@dataclass(frozen=True)
class Language:
    code: str  # civicast's code, BCP-47; also CAP <language>
    babel: str  # Babel / CLDR locale
    native_name: str  # the language's name in its own script
    english_name: str
    google: str  # deep-translator GoogleTranslator code
    deepl: str | None
    microsoft: str
    libre: str | None
    line: tuple[str, ...]  # LINE profile language tags that mean this language
    sentence_separator: str  # between template segments
    latin_names: bool  # whether "漢字|Latin" names use the Latin form
    # CLDR list patterns to replace. Thai joins "และ" to the next word, which glues it to Latin names; Khmer
    # joins two items with a zero-width space after "និង", which some fonts and screen readers run together.
    list_patterns: tuple[tuple[str, str], ...] = ()
    # Characters a headline may take and still be read whole on a phone's lock screen, with room left for the
    # severity label: about two lines of a notification. Ideographs and Hangul are twice as wide as Latin
    # letters; Thai, Khmer and Burmese spend code points on combining vowel and tone marks. Over the budget, the
    # composer names how many districts instead of which (the body still lists them).
    headline_budget: int = 90

    @property
    def dirname(self) -> str:
        """Folder name under locales/ (gettext style, no hyphen)."""
        return self.code.replace("-", "_")

    @cached_property
    def locale(self) -> Locale:
        return Locale.parse(self.babel)


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language(
            "zh-Hant",
            "zh_Hant_TW",
            "繁體中文",
            "Traditional Chinese",
            "zh-TW",
            "zh",
            "zh-Hant",
            "zh",
            ("zh-TW", "zh-Hant", "zh-HK", "zh-MO"),
            "",
            False,
            headline_budget=40,
        ),
        Language(
            "zh-Hans",
            "zh_Hans_CN",
            "简体中文",
            "Simplified Chinese",
            "zh-CN",
            "zh",
            "zh-Hans",
            "zh",
            ("zh-CN", "zh-Hans", "zh-SG", "zh"),
            "",
            False,
            headline_budget=40,
        ),
        Language("en", "en", "English", "English", "en", "en", "en", "en", ("en",), " ", True),
        Language("ja", "ja_JP", "日本語", "Japanese", "ja", "ja", "ja", "ja", ("ja",), "", False, headline_budget=40),
        Language("ko", "ko_KR", "한국어", "Korean", "ko", "ko", "ko", "ko", ("ko",), " ", True, headline_budget=45),
        Language("vi", "vi_VN", "Tiếng Việt", "Vietnamese", "vi", None, "vi", None, ("vi",), " ", True),
        Language("id", "id_ID", "Bahasa Indonesia", "Indonesian", "id", "id", "id", "id", ("id", "in"), " ", True),
        Language(
            "th",
            "th_TH",
            "ภาษาไทย",
            "Thai",
            "th",
            None,
            "th",
            None,
            ("th",),
            " ",
            True,
            (("2", "{0} และ {1}"), ("end", "{0} และ {1}")),
            headline_budget=100,
        ),
        Language("fil", "fil_PH", "Filipino", "Filipino", "tl", None, "fil", None, ("fil", "tl"), " ", True),
        Language("ms", "ms_MY", "Bahasa Melayu", "Malay", "ms", None, "ms", None, ("ms",), " ", True),
        Language(
            "km",
            "km_KH",
            "ភាសាខ្មែរ",
            "Khmer",
            "km",
            None,
            "km",
            None,
            ("km",),
            " ",
            True,
            (("2", "{0} និង {1}"),),
            headline_budget=110,
        ),
        Language(
            "my", "my_MM", "မြန်မာဘာသာ", "Burmese", "my", None, "my", None, ("my",), " ", True, headline_budget=120
        ),
    )
}


class UnknownLanguage(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown language {code!r}; expected one of: {', '.join(LANGUAGES)}")
        self.code = code


def get_language(code: str) -> Language:
    """Look a language up by civicast code, case- and separator-insensitively."""
    if code in LANGUAGES:
        return LANGUAGES[code]
    wanted = code.replace("_", "-").lower()
    for lang in LANGUAGES.values():
        if lang.code.lower() == wanted:
            return lang
    raise UnknownLanguage(code)


def language_for_platform_tag(tag: str | None) -> Language | None:
    """Map a platform's BCP-47 tag (a LINE profile's ``language``) to ours, or None."""
    if not tag:
        return None
    wanted = tag.replace("_", "-").lower()
    best: Language | None = None
    best_len = 0
    for lang in LANGUAGES.values():
        for known in lang.line:
            known_l = known.lower()
            if (wanted == known_l or wanted.startswith(known_l + "-")) and len(known_l) > best_len:
                best, best_len = lang, len(known_l)
    return best


def plural_rule(plural_expr: str) -> Callable[[int], int]:
    """The msgstr index a count takes under a ``Plural-Forms`` expression, as gettext computes it."""
    return gettext.c2py(plural_expr)


class PhraseCatalog:
    """The translations of one language in one gettext domain, keyed by (msgctxt, msgid).

    A plural entry (msgid_plural) is keyed by its singular msgid; its form is chosen by the
    catalog's ``Plural-Forms`` header, so each language's own rule applies.
    """

    def __init__(
        self,
        language: Language,
        entries: dict[tuple[str | None, str], str],
        plurals: dict[tuple[str | None, str], tuple[str, ...]] | None = None,
        plural_expr: str | None = None,
    ) -> None:
        self.language = language
        self._entries = entries
        self._plurals = plurals or {}
        self.plural_expr = plural_expr or get_plural(language.babel).plural_expr
        self.plural_index = plural_rule(self.plural_expr)

    def get(self, context: str | None, msgid: str) -> str | None:
        """The translation, or None when the catalog has none."""
        return self._entries.get((context, msgid))

    def translate(self, context: str | None, msgid: str) -> str:
        """The translation, falling back to the source text (a test forbids relying on that)."""
        return self._entries.get((context, msgid)) or msgid

    def get_plural(self, context: str | None, msgid: str) -> tuple[str, ...] | None:
        """Every form of a plural entry, in the order of the catalog's Plural-Forms, or None."""
        return self._plurals.get((context, msgid))

    def ngettext(self, context: str | None, msgid: str, msgid_plural: str, count: int) -> str:
        """The form of a plural entry that ``count`` takes; the English source forms when untranslated."""
        forms = self._plurals.get((context, msgid))
        if forms is None:
            return msgid if count == 1 else msgid_plural
        index = self.plural_index(count)
        return forms[index] if index < len(forms) else forms[-1]

    def __len__(self) -> int:
        return len(self._entries) + len(self._plurals)


def po_path(locales_dir: Path, language: Language, domain: str) -> Path:
    return locales_dir / language.dirname / "LC_MESSAGES" / f"{domain}.po"


def load_po(path: Path, language: Language) -> PhraseCatalog:
    """Read a .po file; fuzzy and empty entries (a plural one with any form empty) count as untranslated."""
    with path.open("rb") as handle:
        return _phrases(read_po(handle, locale=language.babel), language)


def load_mo(path: Path, language: Language) -> PhraseCatalog:
    """Read a compiled .mo file: messages.compiled_catalogs left out what load_po counts as untranslated."""
    with path.open("rb") as handle:
        return _phrases(read_mo(handle), language)


def _phrases(catalog: Catalog, language: Language) -> PhraseCatalog:
    entries: dict[tuple[str | None, str], str] = {}
    plurals: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy or not message.string:
            continue
        if message.pluralizable:
            forms = tuple(message.string)
            if len(forms) >= catalog.num_plurals and all(forms):
                plurals[(message.context, message.id[0])] = forms
            continue
        entries[(message.context, str(message.id))] = str(message.string)  # singular: both are str
    return PhraseCatalog(language, entries, plurals, catalog.plural_expr)


class Catalogs:
    """All catalogs under one locales directory, read lazily and once."""

    def __init__(self, locales_dir: Path = DEFAULT_LOCALES_DIR) -> None:
        self.locales_dir = Path(locales_dir)
        self._loaded: dict[tuple[str, str], PhraseCatalog] = {}
        self._lock = threading.Lock()

    def get(self, lang: str | Language, domain: str = "messages") -> PhraseCatalog:
        language = lang if isinstance(lang, Language) else get_language(lang)
        key = (language.code, domain)
        catalog = self._loaded.get(key)
        if catalog is None:
            with self._lock:
                catalog = self._loaded.get(key)
                if catalog is None:
                    path = po_path(self.locales_dir, language, domain)
                    compiled = path.with_suffix(".mo")
                    if compiled.exists():
                        catalog = load_mo(compiled, language)
                    else:
                        catalog = load_po(path, language) if path.exists() else PhraseCatalog(language, {})
                    self._loaded[key] = catalog
        return catalog
