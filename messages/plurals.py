"""Plural forms: which form a count takes in a language, and whether a plural entry has every form it needs.

Two mechanisms carry words with a count. The gettext catalogs (bot, public) hold ``msgid`` /
``msgid_plural`` entries whose form is chosen by the catalog's own ``Plural-Forms`` header, as gettext
does. The console's YAML strings hold a mapping of CLDR plural categories per language (``{one: …,
other: …}``), the form chosen with Babel's ``Locale.plural_form``. Either way, the number that chooses
is the ``{count}`` placeholder, so a translator sees which number the sentence agrees with.

The plain-string sources (``bot.yaml``, ``public.yaml``) write a plural entry as ``{one: …, other: …}``
in English; it becomes the msgid and msgid_plural of the gettext domain.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from messages.formatting import format_number_for
from messages.i18n import PhraseCatalog, plural_rule

COUNT = "count"  # the placeholder whose number chooses the form
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
SOURCE_CATEGORIES = ("one", "other")  # English, the language of the sources
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


# Languages whose counted nouns never change, kept at one form although the CLDR in Babel gives them more.
# CLDR 49 gives Vietnamese "one" (i = 0 or n = 1) for the pronoun that refers back to a count (nó / chúng);
# civicast's texts never refer back, a Vietnamese noun does not change with a number, and gettext's
# Plural-Forms for vi (what Babel writes, and GNU gettext's own table) is nplurals=1.
ONE_FORM = frozenset({"vi"})


def categories(locale: Locale) -> tuple[str, ...]:
    """The plural categories of a language (CLDR's, but see ONE_FORM), in CLDR order; all have "other"."""
    if locale.language in ONE_FORM:
        return ("other",)
    tags = set(locale.plural_form.tags) | {"other"}
    return tuple(tag for tag in CLDR_ORDER if tag in tags)


def category(locale: Locale, count: int) -> str:
    """The category ``count`` takes in the language: CLDR's rule (Babel's ``Locale.plural_form``)."""
    return "other" if locale.language in ONE_FORM else locale.plural_form(count)


HEADER_CHECKED_UP_TO = 1000  # whole counts checked against CLDR; the rules repeat well before that


def header_problems(num_plurals: int, plural_expr: str, locale: Locale) -> list[str]:
    """Whether a catalog's Plural-Forms header gives every count the form CLDR gives it in the language.

    msgstr[i] holds the i-th of the language's CLDR categories (in CLDR order), so the header's index
    for a count must be the position of that count's category.
    """
    wanted = categories(locale)
    if num_plurals != len(wanted):
        return [f"Plural-Forms says nplurals={num_plurals}; {locale} has {len(wanted)} ({', '.join(wanted)})"]
    try:
        index_of = plural_rule(plural_expr)
    except (ValueError, SyntaxError) as exc:
        return [f"Plural-Forms expression {plural_expr!r} cannot be read: {exc}"]
    for count in range(HEADER_CHECKED_UP_TO + 1):
        if index_of(count) != wanted.index(category(locale, count)):
            return [
                f"Plural-Forms gives {count} msgstr[{index_of(count)}]; CLDR gives it {category(locale, count)!r} "
                f"(msgstr[{wanted.index(category(locale, count))}]) in {locale}"
            ]
    return []


def placeholder_names(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def check_forms(forms: object, locale: Locale, source: set[str]) -> list[str]:
    """What is wrong with one language's plural forms: a category missing or unknown, an empty form,
    placeholders other than the source's, or no ``{count}``."""
    if not isinstance(forms, Mapping):
        return [f"expected plural forms {{{', '.join(categories(locale))}}}, got a single text"]
    problems = []
    wanted = categories(locale)
    missing = [tag for tag in wanted if tag not in forms]
    unknown = [str(tag) for tag in forms if tag not in wanted]
    if missing:
        problems.append(f"plural form(s) missing: {', '.join(missing)}")
    if unknown:
        problems.append(f"plural categories {', '.join(unknown)} are not used by {locale}")
    for tag, text in forms.items():
        if not str(text or "").strip():
            problems.append(f"plural form {tag} is empty")
        elif placeholder_names(str(text)) != source:
            problems.append(
                f"plural form {tag} has placeholders {sorted(placeholder_names(str(text)))}, "
                f"the source {sorted(source)}"
            )
    if COUNT not in source:
        problems.append(f"a plural entry needs the {{{COUNT}}} placeholder that chooses its form")
    return problems


@dataclass(frozen=True)
class PluralSource:
    """An English plural entry of bot.yaml / public.yaml: msgid (one) and msgid_plural (other)."""

    one: str
    other: str


def source_entry(key: str, value: object) -> str | PluralSource:
    if isinstance(value, Mapping):
        if set(value) != set(SOURCE_CATEGORIES):
            raise ValueError(f"{key}: a plural entry has exactly the English forms one and other, got {sorted(value)}")
        one, other = str(value["one"]), str(value["other"])
        if placeholder_names(one) != placeholder_names(other) or COUNT not in placeholder_names(other):
            raise ValueError(f"{key}: both forms need the same placeholders, {{{COUNT}}} among them")
        return PluralSource(one, other)
    return str(value)


def read_source_strings(path: Path) -> dict[str, str | PluralSource]:
    """A keyed strings source (bot.yaml, public.yaml): plain texts and plural entries."""
    from messages.yaml_files import safe_load

    with path.open(encoding="utf-8") as handle:
        raw = safe_load(handle) or {}
    return {str(key): source_entry(str(key), value) for key, value in raw.items()}


def keyed_text(catalog: PhraseCatalog, context: str, source: str | PluralSource, values: Mapping[str, object]) -> str:
    """A keyed string of the bot or public domain in the catalog's language, its placeholders filled.

    A plural entry takes the form its ``count`` chooses under the catalog's Plural-Forms, and the count
    is written as the language writes numbers. A placeholder without a value stays as it is.
    """
    if isinstance(source, PluralSource):
        count = values.get(COUNT)
        if not isinstance(count, int) or isinstance(count, bool):
            raise TypeError(f"{context} has plural forms: give {COUNT}= as a whole number, not {count!r}")
        text = catalog.ngettext(context, source.one, source.other, count)
        values = {**values, COUNT: format_number_for(count, catalog.language)}
    else:
        text = catalog.translate(context, source)
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text)


ENGLISH = Locale("en")


def counted(count: int, one: str, other: str) -> str:
    """A count and its noun in English, for texts that are English only (the command line, logs, refusal
    reasons), so that they never read "1 minutes" nor "field(s)"."""
    return f"{count:,} {one if category(ENGLISH, count) == 'one' else other}"
