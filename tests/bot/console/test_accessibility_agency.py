"""The accessibility walk (see test_accessibility.py) over what an officer of one agency sees, in both console
languages: their case desk, their agency's cases, their keys, and the pages not theirs (404 and 403), with no axe
violations at 390 px or 1280 px, each fitting a phone, and no other agency's case shown."""

from __future__ import annotations

from tests.support.a11y_walk import (  # noqa: F401 - site and browser are fixtures
    Findings,
    both_widths,
    browser,
    shot_name,
    signed_in,
    site,
)
from tests.support.console_site import AGENCY_OFFICER, AGENCY_PASSWORD, agency_pages


def test_an_agency_officers_pages_at_both_widths_have_no_axe_violations_and_fit_a_phone(site, browser):  # noqa: F811
    stack, ids = site
    findings = Findings()
    for locale in ("zh-TW", "en-GB"):
        page = signed_in(browser, stack, locale, AGENCY_OFFICER, AGENCY_PASSWORD)
        for path, status in agency_pages(ids).items():
            response = page.goto(f"{stack.url}{path}")
            assert response.status == status, f"{AGENCY_OFFICER} {path}: {response.status}"
            assert str(ids["other_agency_case"]) not in page.content() or status == 404, path  # only their agency's
            shot = shot_name(f"agency-{locale}", path) if locale == "zh-TW" else None
            both_widths(page, findings, f"{locale} {AGENCY_OFFICER} {path}", shot=shot)
        page.context.close()
    findings.assert_none()
