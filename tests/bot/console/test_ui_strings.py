"""Every word the console shows exists in zh-Hant and English, and every key the code names is defined."""

from __future__ import annotations

import re
import string
from pathlib import Path

import yaml

from bot.console import ui
from bot.console.views_office import SUBJECT_TYPES
from bot.conversation.faq_files import read_faq_files
from bot.conversation.models import CaseStatus
from bot.conversation.petitions import CATEGORIES
from bot.office.audit import AuditAction
from bot.office.models import KeyMode, Role
from messages.i18n import DEFAULT_LOCALES_DIR
from messages.kinds import Topic

CONSOLE = Path(ui.__file__).parent
# A literal key: t("…") / translate("…") / t('…'), closed by ")" or "," (not "~", which builds a key at run time).
LITERAL = re.compile(r"""\b(?:t|translate)\(\s*(["'])([A-Za-z0-9_.-]+)\1\s*[,)]""")


def _forms(text):
    """Every form of a string: itself, or each text of a plural entry."""
    return list(text.values()) if isinstance(text, dict) else [text]


def test_every_key_has_english_and_traditional_chinese():
    strings = ui.load_strings()
    assert strings
    for key, texts in strings.items():
        assert set(texts) == set(ui.UI_LANGUAGES), f"{key}: {sorted(texts)}"
        for lang, text in texts.items():
            assert all(form.strip() for form in _forms(text)), f"{key} is empty in {lang}"


def test_both_languages_use_the_same_placeholders():
    for key, texts in ui.load_strings().items():
        names = {
            (lang, form): {field for _, field, _, _ in string.Formatter().parse(form) if field}
            for lang, text in texts.items()
            for form in _forms(text)
        }
        assert len(set(map(frozenset, names.values()))) == 1, f"{key}: {names}"


def test_the_console_strings_pass_the_catalog_check():
    assert ui.check_strings() == []
    assert sum(ui.is_plural(texts) for texts in ui.load_strings().values()) >= 15


def test_plural_entries_have_the_forms_of_each_languages_rule():
    """English has one and other, Chinese only other: each plural entry has exactly those."""
    for key, texts in ui.load_strings().items():
        if ui.is_plural(texts):
            assert set(texts["en"]) == {"one", "other"}, key
            assert set(texts["zh-Hant"]) == {"other"}, key
            assert all("{count}" in form for text in texts.values() for form in _forms(text)), key


def test_the_check_finds_a_missing_form_a_single_text_and_unlike_placeholders(tmp_path):
    (tmp_path / "console.yaml").write_text(
        'a.fine: {en: {one: "{count} field", other: "{count} fields"}, zh-Hant: {other: "{count} 個欄位"}}\n'
        'a.no_other: {en: {one: "{count} field"}, zh-Hant: {other: "{count} 個欄位"}}\n'
        'a.single: {en: {one: "{count} field", other: "{count} fields"}, zh-Hant: "{count} 個欄位"}\n'
        'a.renamed: {en: {one: "{count} field", other: "{count} fields"}, zh-Hant: {other: "{total} 個欄位"}}\n'
        'a.extra: {en: {one: "{count} field", other: "{count} fields"},'
        ' zh-Hant: {one: "{count} 個", other: "{count} 個"}}\n'
        'a.no_count: {en: {one: "a field", other: "fields"}, zh-Hant: {other: "欄位"}}\n',
        encoding="utf-8",
    )
    problems = "\n".join(ui.check_strings(tmp_path))
    assert "a.fine" not in problems
    assert "a.no_other (en): plural form(s) missing: other" in problems
    assert "a.single (zh-Hant): expected plural forms {other}" in problems
    assert "a.renamed (zh-Hant): plural form other has placeholders ['total']" in problems
    assert "a.extra (zh-Hant): plural categories one are not used by zh_Hant_TW" in problems
    assert "a.no_count (en): a plural entry needs the {count} placeholder" in problems


def test_no_key_is_defined_twice_in_one_file():
    class Strict(yaml.SafeLoader):
        pass

    def mapping(loader, node):
        keys = [loader.construct_object(k) for k, _ in node.value]
        duplicates = {k for k in keys if keys.count(k) > 1}
        assert not duplicates, f"defined twice: {duplicates}"
        return loader.construct_mapping(node)

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    for path in sorted(DEFAULT_LOCALES_DIR.glob(ui.STRINGS_GLOB)):
        yaml.load(path.read_text(encoding="utf-8"), Loader=Strict)  # noqa: S506  (a SafeLoader subclass)


def test_every_literal_key_in_the_console_exists():
    strings = ui.load_strings()
    used: dict[str, str] = {}
    for path in sorted(CONSOLE.rglob("*")):
        if path.suffix in (".py", ".html"):
            for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
                used.setdefault(match.group(2), str(path.relative_to(CONSOLE)))
    assert len(used) > 100
    missing = {key: where for key, where in used.items() if key not in strings}
    assert not missing, f"keys used but not defined: {missing}"


def test_every_value_the_console_translates_has_words():
    """Keys built at run time ("case_status." ~ status) exist for every value they can take."""
    strings = ui.load_strings()
    categories = {entry["category"] for entry in read_faq_files()}
    expected = (
        [f"case_status.{s.value}" for s in CaseStatus]
        + [f"case_category.{c}" for c in CATEGORIES]
        + [f"audit_action.{a.value}" for a in AuditAction]
        + [f"role.{r.value}" for r in Role]
        + [f"keys.mode_{m.value}" for m in KeyMode]
        + [f"keys.mode_{m.value}_hint" for m in KeyMode]
        + [f"subject.{s}" for s in SUBJECT_TYPES]
        + [f"topic.{t.value}" for t in Topic]
        + [f"via.{v}" for v in ("console", "api", "cli", "system")]
        + [f"faq_category.{c}" for c in categories]
        + [f"channel.{c}" for c in ("line", "messenger")]
        + [f"faq_error.questions_{code}" for code in ("empty", "too_many", "too_long")]
        + [f"faq_error.answer_{code}" for code in ("empty", "too_long")]
        + [f"review_error.{c}" for c in ("empty", "too_long", "no_source", "source_language", "missing")]
    )
    assert not [key for key in expected if key not in strings]
