"""The accessibility walk's checks, shared by the files that walk part of the site each (so that parallel test
processes share the walk): axe-core at 390 px and 1280 px, whether a page fits a phone, the screenshots, and an
officer signed in through the login form. Each file keeps one seeded site and one browser for its tests."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from tests.support.axe import axe_problems
from tests.support.console_site import seeded_site
from tests.support.console_stack import OUTPUT_DIR, launch_chromium

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


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


class Findings:
    """What the walk found: axe's violations, and pages wider than a phone or scrolling sideways inside."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.problems: list[str] = []
        self.too_wide: list[str] = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def assert_none(self) -> None:
        assert self.too_wide == [], "\n".join(self.too_wide)
        assert self.problems == [], "\n".join(self.problems)


def fits_a_phone(page, where, too_wide):
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        too_wide.append(f"{where}: {width} px wide")
    too_wide.extend(f"{where}: scrolls sideways inside {html}" for html in page.evaluate(SIDEWAYS))


def both_widths(page, findings: Findings, where, *, phone=True, shot=None):
    """The page as loaded, checked on a phone then on a desk (with ``phone``, also that it fits the phone); the
    viewport is left at the phone's width."""
    for name, size in (("390", PHONE), ("1280", DESK)):
        page.set_viewport_size(size)
        axe_problems(page, findings.axe, f"{where} at {name} px", findings.problems)
        if phone and size is PHONE:
            fits_a_phone(page, where, findings.too_wide)
        if shot:
            page.screenshot(path=SCREENSHOTS / f"{shot}-{name}.png", full_page=True)
    page.set_viewport_size(PHONE)


def shot_name(locale, path):
    return f"{locale}{re.sub(r'[^A-Za-z0-9]+', '-', path)}".rstrip("-")


def signed_in(browser, stack, locale, username, password, **context):
    page = browser.new_context(bypass_csp=True, locale=locale, viewport=PHONE, **context).new_page()
    page.goto(f"{stack.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    return page


def walk_console(browser, stack, ids, locale, findings: Findings, *, pages, password):
    """Every console page signed in as an administrator in one console language, each at both widths (screenshots
    in the console's own language, zh-TW), then the pages of a refused form, a compose form and a rule sent back
    with errors."""
    page = signed_in(browser, stack, locale, "ad-wu", password)
    for path in pages:
        response = page.goto(f"{stack.url}{path}")
        assert response.status == (404 if path.endswith("999999") else 200), f"{path}: {response.status}"
        shot = shot_name(locale, path) if locale == "zh-TW" else None
        both_widths(page, findings, f"{locale} {path}", shot=shot)
    # The page a form without its CSRF token gets.
    with page.expect_navigation():
        page.evaluate("""() => { const form = document.createElement('form'); form.method = 'post';
            form.action = '/console/compose?kind=heavy_rain'; document.body.appendChild(form);
            form.submit(); }""")
    assert page.locator("h1").count() == 1
    both_widths(page, findings, f"{locale} refused form")
    # A form sent back with errors.
    page.goto(f"{stack.url}/console/compose?kind=typhoon_land_warning")
    page.click("form.compose-form button[type=submit]")
    both_widths(page, findings, f"{locale} compose with errors")
    # A rule refused, its errors next to the fields.
    page.goto(f"{stack.url}/console/incoming/rules")
    page.fill("#f-name", "")
    page.click("form.rule-form button[type=submit]")
    both_widths(page, findings, f"{locale} rule with errors")
    page.context.close()
