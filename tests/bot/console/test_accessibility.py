"""axe-core, in Chromium, on every console page and the public pages, in zh-Hant and English, at 390 px and
1280 px: no violations of any impact. The same walk checks that every console page fits a 390 px phone
without scrolling sideways, and saves each console page's screenshot at both widths under test-output/.

One browser and one set of pages: each page is loaded once per console language and checked at both widths, signed
in as an administrator, then as an officer of one agency (their case desk, cases and keys, and the pages not theirs).
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.support.axe import axe_problems
from tests.support.console_site import (
    AGENCY_OFFICER,
    AGENCY_PASSWORD,
    agency_pages,
    console_pages,
    public_pages,
    seeded_site,
)
from tests.support.console_stack import OUTPUT_DIR, PASSWORDS, launch_chromium

PHONE, DESK = {"width": 390, "height": 844}, {"width": 1280, "height": 900}
SCREENSHOTS = OUTPUT_DIR / "console-widths"
# Anything that scrolls sideways inside the page (a table in a scrolling box): a phone hides it as surely.
SIDEWAYS = """() => [...document.querySelectorAll('body *')].filter(el => {
    const style = getComputedStyle(el);
    return ['auto', 'scroll'].includes(style.overflowX) && el.tagName !== 'PRE' && el.scrollWidth > el.clientWidth + 1;
}).map(el => el.outerHTML.slice(0, 80))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    stack, ids = seeded_site(tmp_path_factory)
    yield stack, ids
    stack.close()


def _fits_a_phone(page, where, too_wide):
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        too_wide.append(f"{where}: {width} px wide")
    too_wide.extend(f"{where}: scrolls sideways inside {html}" for html in page.evaluate(SIDEWAYS))


def _both_widths(page, axe, where, problems, *, too_wide=None, shot=None):
    """The page as loaded, checked on a phone then on a desk; the viewport is left at the phone's width."""
    for name, size in (("390", PHONE), ("1280", DESK)):
        page.set_viewport_size(size)
        axe_problems(page, axe, f"{where} at {name} px", problems)
        if too_wide is not None and size is PHONE:
            _fits_a_phone(page, where, too_wide)
        if shot:
            page.screenshot(path=SCREENSHOTS / f"{shot}-{name}.png", full_page=True)
    page.set_viewport_size(PHONE)


def _shot_name(locale, path):
    return f"{locale}{re.sub(r'[^A-Za-z0-9]+', '-', path)}".rstrip("-")


def _signed_in(browser, stack, locale, username, password):
    page = browser.new_context(bypass_csp=True, locale=locale, viewport=PHONE).new_page()
    page.goto(f"{stack.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    return page


def _agency_officers_pages(browser, stack, ids, axe, problems, too_wide):
    """The pages an officer of one agency sees, in both console languages, each at both widths."""
    for locale in ("zh-TW", "en-GB"):
        page = _signed_in(browser, stack, locale, AGENCY_OFFICER, AGENCY_PASSWORD)
        for path, status in agency_pages(ids).items():
            response = page.goto(f"{stack.url}{path}")
            assert response.status == status, f"{AGENCY_OFFICER} {path}: {response.status}"
            assert str(ids["other_agency_case"]) not in page.content() or status == 404, path  # only their agency's
            shot = _shot_name(f"agency-{locale}", path) if locale == "zh-TW" else None
            _both_widths(page, axe, f"{locale} {AGENCY_OFFICER} {path}", problems, too_wide=too_wide, shot=shot)
        page.context.close()


def test_every_page_at_both_widths_has_no_axe_violations_and_console_pages_fit_a_phone(site):
    stack, ids = site
    axe = Axe()
    problems: list[str] = []
    too_wide: list[str] = []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            anonymous = browser.new_context(bypass_csp=True, viewport=PHONE).new_page()
            anonymous.goto(f"{stack.url}/console/login")
            _both_widths(anonymous, axe, "login", problems, too_wide=too_wide, shot="login")
            anonymous.fill("#username", "ad-wu")
            anonymous.fill("#password", "wrong password")
            anonymous.click("#login-form button[type=submit]")
            _both_widths(anonymous, axe, "login refused", problems, too_wide=too_wide)
            for path in public_pages(ids):
                anonymous.goto(f"{stack.url}{path}")
                _both_widths(anonymous, axe, path, problems)
            anonymous.goto(f"{stack.url}/console/logout")  # Werkzeug's page for a wrong method (405)
            _both_widths(anonymous, axe, "GET /console/logout", problems)
            for locale in ("zh-TW", "en-GB"):
                page = _signed_in(browser, stack, locale, "ad-wu", PASSWORDS["ad-wu"])
                for path in console_pages(ids):
                    response = page.goto(f"{stack.url}{path}")
                    assert response.status == (404 if path.endswith("999999") else 200), f"{path}: {response.status}"
                    where = f"{locale} {path}"
                    shot = _shot_name(locale, path) if locale == "zh-TW" else None  # the console's own language
                    _both_widths(page, axe, where, problems, too_wide=too_wide, shot=shot)
                # The page a form without its CSRF token gets.
                with page.expect_navigation():
                    page.evaluate("""() => { const form = document.createElement('form'); form.method = 'post';
                        form.action = '/console/compose?kind=heavy_rain'; document.body.appendChild(form);
                        form.submit(); }""")
                assert page.locator("h1").count() == 1
                _both_widths(page, axe, f"{locale} refused form", problems, too_wide=too_wide)
                # A form sent back with errors.
                page.goto(f"{stack.url}/console/compose?kind=typhoon_land_warning")
                page.click("form.compose-form button[type=submit]")
                _both_widths(page, axe, f"{locale} compose with errors", problems, too_wide=too_wide)
                # A rule refused, its errors next to the fields.
                page.goto(f"{stack.url}/console/incoming/rules")
                page.fill("#f-name", "")
                page.click("form.rule-form button[type=submit]")
                _both_widths(page, axe, f"{locale} rule with errors", problems, too_wide=too_wide)
                page.context.close()
            _agency_officers_pages(browser, stack, ids, axe, problems, too_wide)
        finally:
            browser.close()
    assert too_wide == [], "\n".join(too_wide)
    assert problems == [], "\n".join(problems)


def test_the_check_finds_what_it_is_meant_to_find():
    """The same checks on a page with an unlabelled field, low-contrast text and a table wider than a phone."""
    problems: list[str] = []
    too_wide: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport=PHONE)
            page.set_content(
                '<html lang="en"><title>t</title><main><h1>t</h1><input type="text">'
                '<p style="color:#bbb;background:#fff">faint</p><div style="overflow-x:auto">'
                '<table><tr><td style="min-width:600px">wide</td></tr></table></div>'
                '<p style="width:500px">wider than a phone</p></main></html>'
            )
            axe_problems(page, Axe(), "bad page", problems)
            _fits_a_phone(page, "bad page", too_wide)
        finally:
            browser.close()
    found = " ".join(problems)
    assert "label" in found and "color-contrast" in found
    assert any(line.endswith(" px wide") for line in too_wide)
    assert any("scrolls sideways inside <div" in line for line in too_wide)


def _shown_languages(page):
    return page.eval_on_selector_all(
        ".grid-row", "rows => rows.filter(row => row.checkVisibility()).map(row => row.getAttribute('aria-labelledby'))"
    )


def test_on_a_phone_the_menu_folds_and_the_preview_shows_one_language_with_or_without_the_script(site):
    stack, ids = site
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
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
                assert (
                    page.locator(".masthead nav").is_visible()
                    and not page.locator(".masthead-menu > summary").is_visible()
                )
                assert len(_shown_languages(page)) == page.locator(".grid-row").count()
                page.context.close()
        finally:
            browser.close()
