"""Plural forms: each catalog's Plural-Forms follows the language's rule, plural entries have every form, and
no catalog string falls back on "(s)"."""

from __future__ import annotations

import re

import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from messages import catalog_tools
from messages.i18n import DEFAULT_LOCALES_DIR, DOMAINS, LANGUAGES, load_po, po_path
from messages.plurals import counted, keyed_text, read_source_strings

ONE_FORM = ("zh-Hant", "zh-Hans", "ja", "ko", "vi", "id", "th", "ms", "km", "my")
HAND_PLURAL = re.compile(r"\w\((?:s|es)\)")  # field(s), address(es)


def _texts(value):
    """Every string inside a parsed YAML value or a .po msgid / msgstr."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif value:
        yield str(value)


def test_no_catalog_string_pluralises_with_brackets():
    found = []
    for path in sorted(DEFAULT_LOCALES_DIR.glob("*.yaml")):
        found += [
            (path.name, t) for t in _texts(yaml.safe_load(path.read_text(encoding="utf-8"))) if HAND_PLURAL.search(t)
        ]
    for path in sorted(DEFAULT_LOCALES_DIR.glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            found += [
                (str(path), t)
                for m in read_po(handle)
                if m.id
                for t in _texts((m.id, m.string))
                if HAND_PLURAL.search(t)
            ]
    assert len(list(DEFAULT_LOCALES_DIR.glob("*/LC_MESSAGES/*.po"))) == len(LANGUAGES) * len(DOMAINS)
    assert not found, found[:10]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_plural_forms_header_has_the_languages_number_of_forms(code):
    wanted = 1 if code in ONE_FORM else 2  # en and fil: one and other
    for domain in DOMAINS:
        catalog = load_po(po_path(DEFAULT_LOCALES_DIR, LANGUAGES[code], domain), LANGUAGES[code])
        forms = {catalog.plural_index(n) for n in range(200)}
        assert forms == set(range(wanted)), (code, domain, catalog.plural_expr)


def test_filipino_takes_cldrs_one_for_counts_not_ending_in_4_6_or_9():
    catalog = load_po(po_path(DEFAULT_LOCALES_DIR, LANGUAGES["fil"], "bot"), LANGUAGES["fil"])
    assert [catalog.plural_index(n) for n in (0, 1, 2, 3, 5, 7, 8, 10, 11, 21)] == [0] * 10
    assert [catalog.plural_index(n) for n in (4, 6, 9, 14, 16, 19, 104)] == [1] * 7


@pytest.mark.parametrize(
    ("code", "one", "several"),
    [
        ("en", "1 active alert for your area:", "3 active alerts for your area:"),
        ("ko", "설정하신 지역에 발령 중인 알림(1건):", "설정하신 지역에 발령 중인 알림(3건):"),
        ("ms", "1 amaran aktif untuk kawasan anda:", "3 amaran aktif untuk kawasan anda:"),
    ],
)
def test_a_plural_entry_takes_the_form_of_its_count(catalogs, code, one, several):
    source = read_source_strings(DEFAULT_LOCALES_DIR / "bot.yaml")["latest_header"]
    catalog = catalogs.get(code, "bot")
    assert keyed_text(catalog, "bot.latest_header", source, {"count": 1}) == one
    assert keyed_text(catalog, "bot.latest_header", source, {"count": 3}) == several
    with pytest.raises(TypeError, match="plural forms"):
        keyed_text(catalog, "bot.latest_header", source, {})


def test_an_untranslated_plural_entry_falls_back_on_the_english_forms(catalogs):
    catalog = catalogs.get("ja", "bot")
    assert catalog.ngettext("bot.nothing", "{count} thing", "{count} things", 1) == "{count} thing"
    assert catalog.ngettext("bot.nothing", "{count} thing", "{count} things", 2) == "{count} things"


def _write(tmp_path, plural_forms, forms, name="bot.po"):
    catalog = Catalog(locale="fil_PH", domain="bot")
    catalog.add(("{count} thing", "{count} things"), string=forms, context="bot.thing")
    path = tmp_path / name
    catalog_tools._write(catalog, path)
    text = re.sub(r'"Plural-Forms: [^"]*"', f'"Plural-Forms: {plural_forms}\\\\n"', path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    return path


def test_the_check_finds_a_wrong_header_a_missing_form_and_unlike_placeholders(tmp_path):
    template = Catalog(domain="bot")
    template.add(("{count} thing", "{count} things"), string=("", ""), context="bot.thing")
    fil = LANGUAGES["fil"]
    good = _write(
        tmp_path,
        "nplurals=2; plural=n != 1 && n != 2 && n != 3 && (n % 10 == 4 || n % 10 == 6 || n % 10 == 9);",
        ("{count} bagay", "{count} bagay"),
        "good.po",
    )
    assert catalog_tools.check_catalog(good, template, fil) == []
    english_rule = _write(tmp_path, "nplurals=2; plural=(n != 1);", ("{count} bagay", "{count} bagay"), "en.po")
    assert any("CLDR gives it 'one'" in p.what for p in catalog_tools.check_catalog(english_rule, template, fil))
    one_form = _write(tmp_path, "nplurals=1; plural=0;", ("{count} bagay",), "one.po")
    assert any("nplurals=1" in p.what for p in catalog_tools.check_catalog(one_form, template, fil))
    missing = _write(
        tmp_path,
        "nplurals=2; plural=n != 1 && n != 2 && n != 3 && (n % 10 == 4 || n % 10 == 6 || n % 10 == 9);",
        ("{count} bagay", ""),
        "missing.po",
    )
    assert [p.what for p in catalog_tools.check_catalog(missing, template, fil)] == ["plural form msgstr[1] is empty"]
    renamed = _write(
        tmp_path,
        "nplurals=2; plural=n != 1 && n != 2 && n != 3 && (n % 10 == 4 || n % 10 == 6 || n % 10 == 9);",
        ("{count} bagay", "{bilang} bagay"),
        "renamed.po",
    )
    assert [p.what for p in catalog_tools.check_catalog(renamed, template, fil)] == [
        "plural form msgstr[1] has placeholders ['bilang'], the source ['count']"
    ]


def test_english_only_texts_count_in_english():
    assert counted(1, "minute", "minutes") == "1 minute"
    assert counted(0, "minute", "minutes") == "0 minutes"
    assert counted(12500, "resident", "residents") == "12,500 residents"


def test_simplified_chinese_plural_entries_are_converted_and_checked(tmp_path):
    import shutil

    locales = tmp_path / "locales"
    shutil.copytree(DEFAULT_LOCALES_DIR, locales)
    hant, hans = LANGUAGES["zh-Hant"], LANGUAGES["zh-Hans"]
    path = po_path(locales, hant, "bot")
    catalog = catalog_tools._read(path, hant)
    catalog.add(("{count} notice", "{count} notices"), string=("{count} 則訊息",), context="bot.notices")
    catalog_tools._write(catalog, path)
    catalog_tools.convert_hans(locales)
    assert load_po(po_path(locales, hans, "bot"), hans).get_plural("bot.notices", "{count} notice") == (
        "{count} 则讯息",
    )
    target = catalog_tools._read(po_path(locales, hans, "bot"), hans)
    target.get("{count} notice", context="bot.notices").string = ("{count} 則訊息",)
    catalog_tools._write(target, po_path(locales, hans, "bot"))
    assert [p.context for p in catalog_tools.check_hans_conversion(locales)] == ["bot.notices"]
