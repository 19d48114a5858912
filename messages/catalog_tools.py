"""Catalog maintenance: build the templates, merge them into each language, check them.

``civicast i18n extract`` writes ``locales/messages.pot`` and
``locales/glossary.pot`` from kinds.yaml and glossary.yaml; ``civicast i18n
update`` merges them into every language's ``.po``; ``civicast i18n hans``
rewrites the zh-Hans catalogs from zh-Hant with OpenCC, keeping entries a
reviewer marked; ``civicast i18n check`` reports every problem the tests fail on.
"""

from __future__ import annotations

import copy
import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from messages.i18n import DEFAULT_LOCALES_DIR, DOMAINS, LANGUAGES, SOURCE_LANGUAGE, Language, po_path
from messages.kinds import PLACEHOLDER, KindBook, Param, ParamType, default_kind_book
from messages.plurals import COUNT, PluralSource, header_problems, read_source_strings

BRACE_FLAG = "python-brace-format"
# A zh-Hans entry whose translator comment holds this word was reviewed by a
# person after the OpenCC conversion and is kept as written.
HANS_REVIEWED = "reviewed"


def _describe(param: Param, book: KindBook) -> str:
    if param.type is ParamType.ENUM:
        assert param.enum is not None  # the kind's loader refuses an enum parameter without its enum
        values = " / ".join(book.enums[param.enum].values())
        return f"one of: {values}"
    return {
        ParamType.DISTRICTS: "district names joined as a list, or 'all districts of Kaohsiung'",
        ParamType.DISTRICT: "a district name",
        ParamType.NAME: f"a proper name, e.g. {param.example!r}",
        ParamType.NAMES: "proper names joined as a list",
        ParamType.VILLAGES: "villages (里) grouped under their district, with the 漢字 in brackets",
        ParamType.GLOSSARY: f"a {param.group} name from the glossary",
        ParamType.GLOSSARY_LIST: f"{param.group} names joined as a list",
        ParamType.INT: "a whole number, formatted for the language",
        ParamType.NUMBER: "a number, formatted for the language",
        ParamType.DATETIME: "a date and time, formatted for the language (Taipei time)",
        ParamType.DATE: "a date, formatted for the language",
        ParamType.DATES: "dates joined as a list",
        ParamType.TIME: "a time of day, formatted for the language",
    }[param.type]


def _add(catalog: Catalog, msgid: str | tuple[str, str], context: str, comments: Iterable[str] = ()) -> None:
    texts = msgid if isinstance(msgid, tuple) else (msgid,)
    flags = (BRACE_FLAG,) if any(PLACEHOLDER.search(text) for text in texts) else ()
    string: str | tuple[str, ...] = ("",) * len(texts) if isinstance(msgid, tuple) else ""
    catalog.add(msgid, string=string, context=context, flags=flags, auto_comments=list(comments))


def build_messages_template(book: KindBook | None = None) -> Catalog:
    book = book or default_kind_book()
    catalog = Catalog(project="civicast", domain="messages", charset="utf-8", fuzzy=False)
    for key, text in book.common.items():
        _add(catalog, text, f"common.{key}", [book.notes[key]] if key in book.notes else [])
    for enum_name, values in book.enums.items():
        for value, text in values.items():
            _add(catalog, text, f"enum.{enum_name}.{value}", [f"Value {value!r} of {enum_name}."])
    for kind in book.kinds.values():
        _add(catalog, kind.title, f"{kind.id}.title", [f"Name of the notice kind {kind.id} ({kind.topic})."])
        for segments in kind.phrases.values():
            for seg in (choice for segment in segments for choice in segment.choices):
                if seg.text is None:
                    continue
                notes = [f"{{{name}}}: {_describe(kind.params[name], book)}" for name in seg.placeholders]
                _add(catalog, seg.text, seg.context, notes)
    return catalog


def build_glossary_template(glossary_file: Path) -> Catalog:
    from messages.yaml_files import safe_load

    with glossary_file.open(encoding="utf-8") as handle:
        raw = safe_load(handle)
    catalog = Catalog(project="civicast", domain="glossary", charset="utf-8", fuzzy=False)
    for group, entries in raw.items():
        for key, spec in entries.items():
            notes = [f"{group} {key}"]
            if spec.get("geocode"):
                notes.append(f"geocode {spec['geocode']}")
            catalog.add(spec["en"], string="", context=f"{group}.{key}", auto_comments=notes)
    return catalog


LABEL_LIMIT = 20  # LINE shows at most 20 characters of a quick-reply button


def build_strings_template(strings_file: Path, domain: str) -> Catalog:
    """A domain of plain keyed strings (the resident bot's), msgctxt "<domain>.<key>"; a ``{one, other}``
    entry becomes a msgid / msgid_plural pair."""
    catalog = Catalog(project="civicast", domain=domain, charset="utf-8", fuzzy=False)
    for key, text in read_source_strings(strings_file).items():
        notes = []
        if isinstance(text, PluralSource):
            notes.append(f"Plural: the number {{{COUNT}}} chooses the form, by this language's Plural-Forms.")
        if key.startswith("label."):
            notes.append(f"A button: at most {LABEL_LIMIT} characters.")
        if key.startswith("keyword."):
            notes.append("Words residents type; give several alternatives separated by |.")
        _add(catalog, (text.one, text.other) if isinstance(text, PluralSource) else text, f"{domain}.{key}", notes)
    return catalog


def templates(locales_dir: Path = DEFAULT_LOCALES_DIR) -> dict[str, Catalog]:
    return {
        "messages": build_messages_template(),
        "glossary": build_glossary_template(locales_dir / "glossary.yaml"),
        "bot": build_strings_template(locales_dir / "bot.yaml", "bot"),
        "public": build_strings_template(locales_dir / "public.yaml", "public"),
    }


_DATES = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): [^"]*"$', re.MULTILINE)
HEADER_COMMENT = """\
# civicast phrase catalog ({domain}).
# Reviewed human translations of civic notices for Kaohsiung City.
# Generated from the civicast sources; edit translations only."""


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    catalog.header_comment = HEADER_COMMENT.format(domain=catalog.domain or path.stem)
    catalog.project, catalog.version = "civicast", "1"
    catalog.msgid_bugs_address = "translators@civicast.invalid"
    catalog.last_translator = "civicast translation team <translators@civicast.invalid>"
    catalog.language_team = "civicast translation team <translators@civicast.invalid>"
    catalog.revision_date = catalog.creation_date
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=False, include_previous=False)
    content = buffer.getvalue()
    if path.exists() and _DATES.sub(b"", path.read_bytes()) == _DATES.sub(b"", content):
        return  # only the header dates would change: keep the file as it is
    path.write_bytes(content)


def _read(path: Path, language: Language | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language.babel if language else None)


def extract(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Path]:
    written = []
    for domain, catalog in templates(locales_dir).items():
        path = locales_dir / f"{domain}.pot"
        _write(catalog, path)
        written.append(path)
    return written


def update(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Path]:
    """Merge the templates into every language's catalog (new entries empty, changed ones fuzzy)."""
    written = []
    for domain, pristine in templates(locales_dir).items():
        for language in LANGUAGES.values():
            # Babel's update can share Message objects with the template: each language gets its own copy.
            template = copy.deepcopy(pristine)
            path = po_path(locales_dir, language, domain)
            if path.exists():
                catalog = _read(path, language)
                catalog.update(template, update_header_comment=False)
                catalog.obsolete.clear()
            else:
                catalog = Catalog(locale=language.babel, domain=domain, project="civicast", fuzzy=False)
                catalog.update(template)
            if language.code == SOURCE_LANGUAGE:
                # The source language's catalog is the msgids themselves, always current.
                for message in catalog:
                    if message.id:
                        message.string = message.id
                        message.flags.discard("fuzzy")
            _write(catalog, path)
            written.append(path)
    return written


def convert_hans(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Path]:
    """Rewrite zh-Hans from zh-Hant with OpenCC (Taiwan standard → Simplified), keeping reviewed entries."""
    import opencc

    converter = opencc.OpenCC("tw2s.json")
    hant, hans = LANGUAGES["zh-Hant"], LANGUAGES["zh-Hans"]
    written = []
    for domain in DOMAINS:
        source = _read(po_path(locales_dir, hant, domain), hant)
        target_path = po_path(locales_dir, hans, domain)
        target = _read(target_path, hans) if target_path.exists() else Catalog(locale=hans.babel, domain=domain)
        for message in source:
            if not message.id:
                continue
            existing = target.get(message.id, context=message.context)
            if existing is not None and any(HANS_REVIEWED in c for c in existing.user_comments):
                continue
            converted: str | tuple[str, ...] = (
                tuple(converter.convert(form) for form in message.string)
                if isinstance(message.string, (tuple, list))
                else converter.convert(message.string)
                if message.string
                else ""
            )
            if existing is None:
                target.add(
                    message.id,
                    string=converted,
                    context=message.context,
                    flags=message.flags,
                    auto_comments=message.auto_comments,
                )
            else:
                # Catalog.add would keep an existing msgstr; the conversion must replace it.
                existing.string = converted
                existing.flags = set(message.flags)
        _write(target, target_path)
        written.append(target_path)
    return written


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Problem:
    path: Path
    context: str | None
    msgid: str
    what: str

    def __str__(self) -> str:
        where = f"{self.context} " if self.context else ""
        return f"{self.path}: {where}{self.msgid!r}: {self.what}"


def _singular(msgid: str | tuple[str, ...] | list[str]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def check_catalog(path: Path, template: Catalog, language: Language) -> list[Problem]:
    """Untranslated, fuzzy, missing, obsolete entries, placeholders that differ from the source, plural
    entries without every form the language's Plural-Forms asks for, and a Plural-Forms header that
    does not follow CLDR's rule for the language."""
    catalog = _read(path, language)
    problems = [
        Problem(path, None, "", what)
        for what in header_problems(catalog.num_plurals, catalog.plural_expr, language.locale)
    ]
    seen: set[tuple[str | None, str]] = set()
    for message in catalog:
        if not message.id:
            continue
        msgid = _singular(message.id)
        seen.add((message.context, msgid))
        source = template.get(msgid, context=message.context)
        if source is None:
            problems.append(Problem(path, message.context, msgid, "not in the template (stale)"))
            continue
        if message.fuzzy:
            problems.append(Problem(path, message.context, msgid, "fuzzy"))
        problems.extend(
            Problem(path, message.context, msgid, what)
            for what in _string_problems(message, source, catalog.num_plurals)
        )
    for message in template:
        if message.id and (message.context, _singular(message.id)) not in seen:
            problems.append(Problem(path, message.context, _singular(message.id), "missing from the catalog"))
    return problems


def _string_problems(message: Message, source: Message, num_plurals: int) -> list[str]:
    """A translation's own problems: empty, a plural form missing, placeholders unlike the source's."""
    if source.pluralizable != message.pluralizable:
        return ["a plural entry in the template but not in the catalog, or the other way round"]
    if not message.pluralizable:
        if not message.string:
            return ["untranslated"]
        string, msgid = str(message.string), str(message.id)  # a singular entry's are str
        if placeholders(string) != placeholders(msgid):
            return [f"placeholders {placeholders(string)} differ from the source {placeholders(msgid)}"]
        return []
    written = tuple(message.string or ())
    forms = written + ("",) * (num_plurals - len(written))
    if not any(forms):
        return ["untranslated"]
    problems = [f"plural form msgstr[{index}] is empty" for index, form in enumerate(forms) if not form]
    wanted = placeholders(message.id[-1])
    problems.extend(
        f"plural form msgstr[{index}] has placeholders {placeholders(form)}, the source {wanted}"
        for index, form in enumerate(forms)
        if form and placeholders(form) != wanted
    )
    return problems


def check_hans_conversion(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Problem]:
    """zh-Hans must equal OpenCC(zh-Hant) unless a reviewer marked the entry."""
    import opencc

    converter = opencc.OpenCC("tw2s.json")
    hant, hans = LANGUAGES["zh-Hant"], LANGUAGES["zh-Hans"]
    problems = []
    for domain in DOMAINS:
        source = _read(po_path(locales_dir, hant, domain), hant)
        target_path = po_path(locales_dir, hans, domain)
        target = _read(target_path, hans)
        for message in target:
            if not message.id or any(HANS_REVIEWED in c for c in message.user_comments):
                continue
            original = source.get(message.id, context=message.context)
            if original is None or not original.string:
                continue
            expected = (
                tuple(converter.convert(form) for form in original.string)
                if isinstance(original.string, (tuple, list))
                else converter.convert(original.string)
            )
            if message.string != expected:
                problems.append(
                    Problem(
                        target_path,
                        message.context,
                        _singular(message.id),
                        f"differs from OpenCC({original.string!r}) = {expected!r} without a '# {HANS_REVIEWED}' note",
                    )
                )
    return problems


def msgfmt_check(path: Path) -> str | None:
    """What GNU msgfmt --check says is wrong with a catalog, or None."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return "msgfmt (GNU gettext) is not installed; run `make install`"
    result = subprocess.run(
        [msgfmt, "--check", "--check-format", "-o", "/dev/null", str(path)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return result.stderr.strip() or f"msgfmt exited with {result.returncode}"
    return None


def check_all(locales_dir: Path = DEFAULT_LOCALES_DIR) -> list[Problem | str]:
    problems: list[Problem | str] = []
    for domain, template in templates(locales_dir).items():
        pot = locales_dir / f"{domain}.pot"
        if not pot.exists() or {(m.context, m.id) for m in _read(pot) if m.id} != {
            (m.context, m.id) for m in template if m.id
        }:
            problems.append(f"{pot} is out of date with the sources; run `civicast i18n extract`")
        for language in LANGUAGES.values():
            path = po_path(locales_dir, language, domain)
            if not path.exists():
                problems.append(f"{path} is missing")
                continue
            problems.extend(check_catalog(path, template, language))
            complaint = msgfmt_check(path)
            if complaint:
                problems.append(f"{path}: msgfmt --check: {complaint}")
    problems.extend(check_hans_conversion(locales_dir))
    return problems


__all__ = [
    "Message",
    "Problem",
    "build_glossary_template",
    "build_messages_template",
    "check_all",
    "check_catalog",
    "check_hans_conversion",
    "convert_hans",
    "extract",
    "msgfmt_check",
    "update",
]
