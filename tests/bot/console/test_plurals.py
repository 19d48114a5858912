"""The console counts in each language's plural form: "1 field" and "2 fields" in English, one form in Chinese."""

from __future__ import annotations

import pytest
from flask import session

from bot.console.ui import translate
from tests.support.console_pages import Officer, html, text

RULE = {
    "name": "dengue in Sanmin",
    "kind": "dengue_outbreak",
    "min_severity": "",
    "min_level": "",
    "districts": ["sanmin"],
    "action": "draft",
}
ONE_ERROR = {"action": "shout"}
TWO_ERRORS = {"name": "dengue\x07 in Sanmin", "action": "shout"}  # both found as the form is read


@pytest.mark.parametrize(
    ("lang", "one", "two"),
    [
        ("en", "Please correct 1 field", "Please correct 2 fields"),
        ("zh-Hant", "請修正 1 個欄位", "請修正 2 個欄位"),  # Chinese: one form, the count with its measure word
    ],
)
def test_the_error_summary_counts_the_fields_in_the_officers_language(app, services, lang, one, two):
    admin = Officer(app, "ad-wu", ui_lang=lang)
    admin.get("/console/incoming/rules")
    for change, expected in ((ONE_ERROR, one), (TWO_ERRORS, two)):
        response = admin.post("/console/incoming/rules/new", RULE | change)
        assert response.status_code == 422
        assert text(html(response), "//h2[@id='error-summary-title']") == expected


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("en", 1, "Try again in 1 minute."),
        ("en", 15, "Try again in 15 minutes."),
        ("en", 0, "Try again in 0 minutes."),
        ("zh-Hant", 1, "請於 1 分鐘後再試。"),
        ("zh-Hant", 15, "請於 15 分鐘後再試。"),
    ],
)
def test_a_plural_string_takes_the_form_its_count_chooses(app, lang, count, expected):
    with app.test_request_context("/console/login"):
        session["ui_lang"] = lang
        assert translate("login.address_waits", count=count).endswith(expected)


def test_a_large_count_is_grouped_and_a_plural_string_without_a_whole_count_is_refused(app):
    with app.test_request_context("/console/"):
        session["ui_lang"] = "en"
        assert translate("preview.audience_total", count=12500) == "12,500 residents"
        assert translate("preview.audience_total", count=1) == "1 resident"
        for wrong in ({}, {"count": "3"}, {"count": True}):
            with pytest.raises(TypeError, match="plural forms"):
                translate("preview.audience_total", **wrong)
