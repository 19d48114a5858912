"""An editor composes a typhoon warning in Chromium, an approver approves and sends it, residents receive it.

Playwright drives Debian's Chromium against the real web app, the sandbox LINE API and a worker,
all on 127.0.0.1. The preview grid's screenshot is saved under test-output/.
"""

from __future__ import annotations

import re

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from bot.office.api_keys import create_api_key
from tests.support.console_stack import OUTPUT_DIR, PASSWORDS, ConsoleStack, launch_chromium


def line_user(n: int) -> str:
    return f"U{n:032x}"  # LINE user ids are U and 32 hex digits; the sandbox refuses anything else


TARGETED = {
    **{line_user(100 + i): ["lingya"] for i in range(10)},
    **{line_user(200 + i): ["cianjhen"] for i in range(8)},
    **{line_user(300 + i): [] for i in range(6)},  # the whole city
    line_user(400): ["lingya", "cianjhen"],
}
ELSEWHERE = {line_user(500 + i): ["gushan"] for i in range(7)}


@pytest.fixture
def console_stack(tmp_path, database_url, engine):
    stack = ConsoleStack(tmp_path, database_url)
    stack.add_residents({**TARGETED, **ELSEWHERE})
    yield stack
    stack.close()


def sign_in(browser, stack, username, *, locale):
    context = browser.new_context(locale=locale, viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.goto(f"{stack.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORDS[username])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


def inbox(stack, user):
    return requests.get(f"{stack.sandbox.url}/sandbox/line/inbox/{user}", timeout=5).json()["messages"]


def test_editor_composes_approver_approves_and_every_targeted_resident_receives_it(console_stack):
    stack = console_stack
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # The editor works in Traditional Chinese.
            editor = sign_in(browser, stack, "ed-lin", locale="zh-TW")
            expect(editor.locator("html")).to_have_attribute("lang", "zh-Hant")
            editor.goto(f"{stack.url}/console/compose")
            editor.click('a[href$="kind=typhoon_land_warning"]')
            editor.fill('[name="p.typhoon_name"]', "山陀兒|Krathon")
            editor.select_option('[name="p.intensity"]', "severe")
            editor.check('input[name="p.districts"][value="lingya"]')
            editor.check('input[name="p.districts"][value="cianjhen"]')
            editor.click("form.compose-form button[type=submit]")
            expect(editor).to_have_url(re.compile(r"/console/notices/\d+$"))
            notice_id = int(editor.url.rsplit("/", 1)[1])

            grid = editor.locator("#preview-grid")
            expect(grid.locator("article.grid-row")).to_have_count(12)
            expect(grid.locator("#lang-th")).to_contain_text("ไทย")
            expect(editor.locator(".audience-total")).to_contain_text(str(len(TARGETED)))
            OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
            shot = OUTPUT_DIR / f"preview-grid-typhoon-land-warning-{stack.services.engine.dialect.name}.png"
            grid.screenshot(path=str(shot))
            assert shot.stat().st_size > 20_000

            # The author of a live notice never sees an Approve button, and the API refuses them too.
            expect(editor.locator('[data-action="approve"]')).to_have_count(0)
            editor.click('[data-action="submit"]')
            expect(editor.locator(".flash-success")).to_be_visible()
            expect(editor.locator('[data-action="approve"]')).to_have_count(0)
            with stack.services.session_factory.begin() as session:
                _, editor_key = create_api_key(session, "ed-lin", name="newsroom script", mode="live")
            refused = requests.post(
                f"{stack.url}/api/v1/notices/{notice_id}/approve",
                headers={"Authorization": f"Bearer {editor_key}"},
                timeout=10,
            )
            assert refused.status_code == 403, refused.text
            assert refused.headers["Content-Type"].startswith("application/problem+json")

            # A second officer, working in English, approves and sends.
            approver = sign_in(browser, stack, "ap-chen", locale="en-GB")
            approver.goto(f"{stack.url}/console/notices/{notice_id}")
            approver.click('[data-action="approve"]')
            expect(approver.locator(".flash-success")).to_contain_text("approved")
            approver.click('[data-action="send"]')
            # The confirmation step restates the send before anything goes.
            expect(approver.locator("#confirm-sentence")).to_contain_text(f"Send to {len(TARGETED)} residents")
            approver.click('[data-action="confirm-send"]')
            expect(approver).to_have_url(re.compile(rf"/console/notices/{notice_id}/delivery$"))
            # The page refreshes itself while the notice is sending.
            expect(approver.locator('.delivery-summary[data-outstanding="0"]')).to_have_count(1, timeout=30_000)
            total = len(TARGETED)
            summary = approver.locator(".delivery-summary")
            expect(summary).to_contain_text(f"Residents reached: {total} of {total}; failed 0")
            expect(approver.locator(".chart polyline")).to_have_count(1)
            browser_png = OUTPUT_DIR / f"delivery-{stack.services.engine.dialect.name}.png"
            approver.screenshot(path=str(browser_png), full_page=True)
        finally:
            browser.close()

    for user in TARGETED:
        received = inbox(stack, user)
        assert len(received) == 1, user
        assert received[0]["message"]["type"] == "flex"
    for user in ELSEWHERE:
        assert inbox(stack, user) == []
