"""In Chromium, on a phone's width: the notice page's actions that cannot be undone stand apart from the routine
ones (their area at least 24 px below, after them in the page), Send now leads to the step restating the send,
and only the chosen schedule option's fields are shown, without any script."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect, sync_playwright

from messages.models import Notice, NoticeStatus
from tests.support.axe import axe_problems
from tests.support.console_stack import PASSWORDS, ConsoleStack, launch_chromium
from tests.support.factories import saved_notice

MIN_GAP_PX = 24


@pytest.fixture
def stack(tmp_path, database_url, engine):
    stack = ConsoleStack(tmp_path, database_url)
    stack.add_residents({f"U{n:032x}": ["lingya"] for n in range(1, 4)})
    yield stack
    stack.close()


def approved(stack, **fields) -> int:
    with stack.services.session_factory.begin() as session:
        notice = saved_notice(session, stack.services.composer, status=NoticeStatus.APPROVED, **fields)
        notice.sent_at, notice.author, notice.approver = None, "ed-lin", "ap-chen"
        return notice.id


def sign_in(browser, stack, *, javascript: bool):
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    page = context.new_page()
    page.goto(f"{stack.url}/console/login")
    page.fill("#username", "ap-chen")
    page.fill("#password", PASSWORDS["ap-chen"])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


@pytest.mark.parametrize("javascript", [True, False])
def test_the_destructive_area_stands_apart_and_send_asks_for_confirmation(stack, javascript):
    notice_id = approved(stack, districts=["lingya"])
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = sign_in(browser, stack, javascript=javascript)
            page.goto(f"{stack.url}/console/notices/{notice_id}")
            routine = page.locator("section.actions").bounding_box()
            danger = page.locator("#danger-zone").bounding_box()
            assert routine and danger
            assert danger["y"] - (routine["y"] + routine["height"]) >= MIN_GAP_PX, (routine, danger)
            expect(page.locator("#danger-title")).to_be_visible()
            send = page.locator('#danger-zone [data-action="send"]').bounding_box()
            schedule = page.locator('section.actions [data-action="schedule"]').bounding_box()
            assert send and schedule and send["y"] - (schedule["y"] + schedule["height"]) >= MIN_GAP_PX

            # Only the chosen option's fields, switched by CSS alone.
            expect(page.locator("#schedule-at")).to_be_visible()
            expect(page.locator("#schedule-cron")).to_be_hidden()
            page.check("#repeat-weekly")
            expect(page.locator("#schedule-at")).to_be_hidden()
            expect(page.locator("#schedule-time")).to_be_visible()
            expect(page.locator("#schedule-weekday")).to_be_visible()

            page.click('#danger-zone [data-action="send"]')
            expect(page.locator("#confirm-sentence")).to_contain_text("Send to 3 residents in 12 languages on LINE")
            with stack.services.session_factory() as session:
                assert session.get(Notice, notice_id).status == NoticeStatus.APPROVED
            page.click('[data-action="confirm-send"]')
            expect(page).to_have_url(re.compile(rf"/console/notices/{notice_id}/delivery$"))
        finally:
            browser.close()


def test_a_wrong_number_for_a_city_wide_extreme_notice_is_refused_in_the_browser(stack):
    """And the notice page, the confirmation step and its refusal have no serious or critical axe violations."""
    notice_id = approved(stack, districts=["all"], severity="Extreme")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = sign_in(browser, stack, javascript=True)
            axe, problems = Axe(), []
            page.goto(f"{stack.url}/console/notices/{notice_id}")
            axe_problems(page, axe, "notice page", problems)
            page.click('#danger-zone [data-action="send"]')
            axe_problems(page, axe, "confirmation step", problems)
            page.fill("#notice-number", str(notice_id + 1))
            page.click('[data-action="confirm-send"]')
            expect(page.locator("#confirm-error")).to_contain_text(f"is not its number. Type {notice_id} to confirm")
            expect(page.locator("#confirm-error")).to_be_focused()
            axe_problems(page, axe, "confirmation refused", problems)
            assert not problems, problems
            page.fill("#notice-number", str(notice_id))
            page.click('[data-action="confirm-send"]')
            expect(page).to_have_url(re.compile(rf"/console/notices/{notice_id}/delivery$"))
        finally:
            browser.close()
