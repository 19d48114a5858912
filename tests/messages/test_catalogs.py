"""The phrase bank: complete, consistent and accepted by GNU msgfmt in all 12 languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from messages import catalog_tools
from messages.i18n import DEFAULT_LOCALES_DIR, LANGUAGES, po_path
from messages.i18n import DOMAINS as I18N_DOMAINS

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Readers of these languages may not read Chinese characters: nothing of the catalogs may hold them.
NO_HAN = [code for code in LANGUAGES if code not in ("zh-Hant", "zh-Hans", "ja")]
DOMAINS = list(I18N_DOMAINS)  # every gettext domain: messages, glossary, bot, public


@pytest.fixture(scope="module")
def templates():
    return catalog_tools.templates(DEFAULT_LOCALES_DIR)


@pytest.mark.parametrize("domain", DOMAINS)
def test_templates_are_up_to_date_with_the_sources(templates, domain):
    pot = DEFAULT_LOCALES_DIR / f"{domain}.pot"
    with pot.open("rb") as handle:
        written = {(m.context, m.id) for m in read_po(handle) if m.id}
    assert written == {(m.context, m.id) for m in templates[domain] if m.id}, "run `civicast i18n extract`"


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", list(LANGUAGES))
def test_catalog_is_complete_and_consistent(templates, code, domain):
    path = po_path(DEFAULT_LOCALES_DIR, LANGUAGES[code], domain)
    problems = catalog_tools.check_catalog(path, templates[domain], LANGUAGES[code])
    assert not problems, "\n".join(map(str, problems[:20]))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("code", list(LANGUAGES))
def test_msgfmt_accepts_catalog(code, domain):
    path = po_path(DEFAULT_LOCALES_DIR, LANGUAGES[code], domain)
    assert catalog_tools.msgfmt_check(path) is None


def _text(string: str | tuple[str, ...] | None) -> str:
    """A translation's text, every form of a plural entry together."""
    return " ".join(string) if isinstance(string, tuple) else string or ""


@pytest.mark.parametrize("code", NO_HAN)
def test_no_chinese_characters_where_readers_may_not_read_them(code):
    for domain in DOMAINS:
        with po_path(DEFAULT_LOCALES_DIR, LANGUAGES[code], domain).open("rb") as handle:
            offending = [(m.context, m.string) for m in read_po(handle) if m.id and HAN.search(_text(m.string))]
        assert not offending, offending[:5]


def test_simplified_chinese_is_the_opencc_conversion_or_reviewed():
    problems = catalog_tools.check_hans_conversion(DEFAULT_LOCALES_DIR)
    assert not problems, "\n".join(map(str, problems[:20]))


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_glossary_term_has_a_name_in_every_language(glossary, code):
    catalog = glossary.catalogs.get(code, "glossary")
    missing = [
        term.context
        for terms in glossary.groups.values()
        for term in terms.values()
        if not catalog.get(term.context, term.english)
    ]
    assert not missing


def test_glossary_holds_the_38_districts_and_the_hotlines(glossary):
    assert len(glossary.terms("district")) == 38
    assert len({t.geocode for t in glossary.terms("district")}) == 38
    assert {t.number for t in glossary.terms("hotline")} >= {"1999", "119", "110", "1922"}
    assert {t.key for t in glossary.terms("mrt_line")} >= {"red", "orange", "circular"}


def test_district_names_differ_within_each_language(glossary):
    for code in LANGUAGES:
        names = [glossary.name("district", t.key, code) for t in glossary.terms("district")]
        assert len(set(names)) == 38, code


# --- the checks themselves can fail -------------------------------------------------------


def _broken_catalog(tmp_path: Path, template) -> Path:
    from babel.messages.catalog import Catalog

    broken = Catalog(locale="vi_VN", domain="messages")
    messages = [m for m in template if m.id]
    placeholder_msg = next(m for m in messages if "{" in m.id)
    plain = [m for m in messages if "{" not in m.id]
    broken.add(
        placeholder_msg.id, "không có chỗ trống", context=placeholder_msg.context, flags=("python-brace-format",)
    )
    broken.add(plain[0].id, "bản dịch mờ", context=plain[0].context, flags=("fuzzy",))
    broken.add(plain[1].id, "", context=plain[1].context)
    broken.add("An entry nobody asked for", "thừa", context="stale.entry")
    path = tmp_path / "messages.po"
    catalog_tools._write(broken, path)
    return path


def test_check_reports_each_kind_of_problem(tmp_path, templates):
    path = _broken_catalog(tmp_path, templates["messages"])
    found = {p.what.split(" ")[0] for p in catalog_tools.check_catalog(path, templates["messages"], LANGUAGES["vi"])}
    assert {"placeholders", "fuzzy", "untranslated", "not", "missing"} <= found


def test_msgfmt_rejects_a_format_mismatch(tmp_path):
    path = tmp_path / "bad.po"
    path.write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#, python-brace-format\nmsgid "Hello {name}"\nmsgstr "Xin chào {ten}"\n',
        encoding="utf-8",
    )
    assert catalog_tools.msgfmt_check(path)
