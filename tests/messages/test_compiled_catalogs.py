"""Compiled catalogs: an installed wheel reads the .mo beside each .po, and it says what the .po says."""

from __future__ import annotations

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from messages.compiled_catalogs import compile_catalog
from messages.i18n import DEFAULT_LOCALES_DIR, LANGUAGES, Catalogs, load_mo, load_po, po_path

FRENCH_LIKE = "nplurals=2; plural=(n > 1);"


def write_catalogs(locales, *, compiled: bool):
    """A Vietnamese-named bot catalog with a context, a fuzzy entry, a plural entry and a half-translated one."""
    language = LANGUAGES["vi"]
    catalog = Catalog(locale="vi", header_comment="")
    catalog.mime_headers = [("Plural-Forms", FRENCH_LIKE)]  # two forms, so a half-empty entry can be written
    catalog.add("Hello", "Xin chào", context="bot.greeting")
    catalog.add("Stale", "Cũ", context="bot.stale", flags=("fuzzy",))
    catalog.add(
        ("{count} notice", "{count} notices"), ("{count} thông báo", "{count} thông báo nhiều"), context="bot.notices"
    )
    catalog.add(("{count} shelter", "{count} shelters"), ("{count} nơi trú ẩn", ""), context="bot.shelters")
    path = po_path(locales, language, "bot")
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)
    if compiled:
        compile_catalog(path, path.with_suffix(".mo"))
    return language, path


@pytest.mark.parametrize("compiled", [False, True], ids=["po", "mo"])
def test_a_catalog_reads_the_same_from_po_and_mo(tmp_path, compiled):
    language, _ = write_catalogs(tmp_path, compiled=compiled)
    catalog = Catalogs(tmp_path).get(language, "bot")
    assert catalog.get("bot.greeting", "Hello") == "Xin chào"
    assert catalog.get("bot.stale", "Stale") is None  # fuzzy: untranslated
    assert catalog.ngettext("bot.notices", "{count} notice", "{count} notices", 2) == "{count} thông báo nhiều"
    assert catalog.get_plural("bot.shelters", "{count} shelter") is None  # a form missing: untranslated
    assert catalog.plural_expr == "(n > 1)" and len(catalog) == 2


def test_the_compiled_catalog_is_the_one_read_when_both_are_there(tmp_path):
    language, path = write_catalogs(tmp_path, compiled=True)
    with path.open("rb") as handle:
        source = read_po(handle)
    source.get("Hello", context="bot.greeting").string = "Chào bạn"
    with path.open("wb") as handle:
        write_po(handle, source)
    assert load_po(path, language).get("bot.greeting", "Hello") == "Chào bạn"
    assert load_mo(path.with_suffix(".mo"), language).get("bot.greeting", "Hello") == "Xin chào"
    assert Catalogs(tmp_path).get(language, "bot").get("bot.greeting", "Hello") == "Xin chào"


def test_the_checkout_holds_no_compiled_catalog():
    """The build compiles them into the wheel; one left in the checkout would be read instead of its edited .po."""
    assert not sorted(DEFAULT_LOCALES_DIR.rglob("*.mo"))
