"""axe-core, in Chromium, on every console page and the public pages, in zh-Hant and English, at 390 px and
1280 px: no violations of any impact. The same walk checks that every console page fits a 390 px phone
without scrolling sideways, and saves each console page's screenshot at both widths under test-output/.

The walk is shared between files so that parallel test processes share it: this one reads the pages seen before
signing in and the public pages; test_accessibility_zh_tw.py and test_accessibility_en_gb.py every console page
signed in as an administrator in one console language each; test_accessibility_agency.py what an officer of one
agency sees. Each loads its pages once and checks them at both widths.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from tests.support.a11y_walk import (  # noqa: F401 - site and browser are fixtures
    DESK,
    PHONE,
    Findings,
    both_widths,
    browser,
    fits_a_phone,
    site,
)
from tests.support.axe import axe_problems
from tests.support.console_site import public_pages
from tests.support.console_stack import PASSWORDS


def test_the_login_the_public_pages_and_an_error_page_at_both_widths_have_no_axe_violations(
    site,  # noqa: F811
    browser,  # noqa: F811
):
    stack, ids = site
    findings = Findings()
    anonymous = browser.new_context(bypass_csp=True, viewport=PHONE).new_page()
    anonymous.goto(f"{stack.url}/console/login")
    both_widths(anonymous, findings, "login", shot="login")
    anonymous.fill("#username", "ad-wu")
    anonymous.fill("#password", "wrong password")
    anonymous.click("#login-form button[type=submit]")
    both_widths(anonymous, findings, "login refused")
    for path in public_pages(ids):
        anonymous.goto(f"{stack.url}{path}")
        both_widths(anonymous, findings, path, phone=False)
    anonymous.goto(f"{stack.url}/console/logout")  # Werkzeug's page for a wrong method (405)
    both_widths(anonymous, findings, "GET /console/logout", phone=False)
    anonymous.context.close()
    findings.assert_none()


def test_the_check_finds_what_it_is_meant_to_find(browser):  # noqa: F811
    """The same checks on a page with an unlabelled field, low-contrast text and a table wider than a phone."""
    problems: list[str] = []
    too_wide: list[str] = []
    page = browser.new_page(viewport=PHONE)
    page.set_content(
        '<html lang="en"><title>t</title><main><h1>t</h1><input type="text">'
        '<p style="color:#bbb;background:#fff">faint</p><div style="overflow-x:auto">'
        '<table><tr><td style="min-width:600px">wide</td></tr></table></div>'
        '<p style="width:500px">wider than a phone</p></main></html>'
    )
    axe_problems(page, Axe(), "bad page", problems)
    fits_a_phone(page, "bad page", too_wide)
    page.close()
    found = " ".join(problems)
    assert "label" in found and "color-contrast" in found
    assert any(line.endswith(" px wide") for line in too_wide)
    assert any("scrolls sideways inside <div" in line for line in too_wide)


def _shown_languages(page):
    return page.eval_on_selector_all(
        ".grid-row", "rows => rows.filter(row => row.checkVisibility()).map(row => row.getAttribute('aria-labelledby'))"
    )


def test_on_a_phone_the_menu_folds_and_the_preview_shows_one_language_with_or_without_the_script(
    site,  # noqa: F811
    browser,  # noqa: F811
):
    stack, ids = site
    for javascript in (False, True):
        page = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=javascript).new_page()
        page.goto(f"{stack.url}/console/login")
        page.fill("#username", "ad-wu")
        page.fill("#password", PASSWORDS["ad-wu"])
        page.click("#login-form button[type=submit]")
        page.goto(f"{stack.url}/console/notices/{ids['sent']}")
        # The masthead: one button on a phone, which opens the sections.
        assert not page.locator(".masthead nav").is_visible()
        page.click(".masthead-menu > summary")
        assert page.locator(".masthead nav").is_visible()
        # The preview: the first language until another is picked; "All languages" is for wide screens.
        assert _shown_languages(page) == ["lang-zh-Hant"]
        assert not page.locator(".lang-switch .all-languages a").is_visible()
        page.click(".lang-switch a[href='#lang-th']")
        assert _shown_languages(page) == ["lang-th"]
        current = page.get_attribute(".lang-switch a[href='#lang-th']", "aria-current")
        assert current == ("true" if javascript else None)
        page.set_viewport_size(DESK)
        assert page.locator(".masthead nav").is_visible()
        assert _shown_languages(page) == ["lang-th"]
        page.click(".lang-switch .all-languages a")
        assert len(_shown_languages(page)) == page.locator(".grid-row").count() > 1
        # A wide screen shows every language, and the sections, as soon as the page opens.
        page.goto(f"{stack.url}/console/notices/{ids['sent']}")
        assert page.locator(".masthead nav").is_visible() and not page.locator(".masthead-menu > summary").is_visible()
        assert len(_shown_languages(page)) == page.locator(".grid-row").count()
        page.context.close()
