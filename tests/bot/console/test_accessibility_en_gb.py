"""The accessibility walk (see test_accessibility.py) over every console page, signed in as an administrator, in
British English (en-GB): no axe violations at 390 px or 1280 px, and every page fits a phone."""

from __future__ import annotations

from tests.support.a11y_walk import Findings, browser, site, walk_console  # noqa: F401 - site and browser are fixtures
from tests.support.console_site import console_pages
from tests.support.console_stack import PASSWORDS


def test_every_console_page_in_en_gb_at_both_widths_has_no_axe_violations_and_fits_a_phone(site, browser):  # noqa: F811
    stack, ids = site
    findings = Findings()
    walk_console(browser, stack, ids, "en-GB", findings, pages=console_pages(ids), password=PASSWORDS["ad-wu"])
    findings.assert_none()
