"""The district picker and the error summary in Chromium, as a duty officer uses them with a keyboard.

From the compose form's first field to its submit button takes at most 20 Tab stops (one per district area, the
arrow keys moving inside an area); an area's box ticks all its districts and shows a mixed state when some are
unticked; the filter finds a district typed in another language; a tile of the map ticks its district; a refused
form puts the focus on its error summary. Screenshots of a public notice page's district map in zh-Hant, Thai
and Burmese are saved under test-output/.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from messages.models import Notice, NoticeStatus
from tests.support.console_stack import OUTPUT_DIR, PASSWORDS, ConsoleStack, launch_chromium
from tests.support.factories import saved_notice

MAX_TAB_STOPS = 20


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    stack = ConsoleStack(tmp_path_factory.mktemp("districts"), f"sqlite:///{tmp_path_factory.mktemp('db')}/d.db")
    stack.add_residents({f"U{n:032x}": [] for n in range(3)}, test_recipient=True)  # a drill's audience
    yield stack
    stack.close()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


def sign_in(browser, stack, *, locale="en-GB"):
    page = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{stack.url}/console/login")
    page.fill("#username", "ed-lin")
    page.fill("#password", PASSWORDS["ed-lin"])
    page.click("#login-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/$"))
    return page


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.id || document.activeElement.tagName")


@pytest.mark.parametrize("locale", ["en-GB", "zh-TW", "en-US"])
def test_the_compose_form_takes_at_most_20_tab_stops_from_first_field_to_submit(stack, browser, locale):
    page = sign_in(browser, stack, locale=locale)
    for kind in ("typhoon_land_warning", "day_off", "heavy_rain"):
        page.goto(f"{stack.url}/console/compose?kind={kind}")
        page.locator("form.compose-form").locator("input:visible, select, textarea").first.focus()
        visited = [focused(page)]
        while page.evaluate("() => !document.activeElement.matches('form.compose-form button[type=submit]')"):
            page.keyboard.press("Tab")
            visited.append(focused(page))
            assert len(visited) <= 60, visited
        stops = len(visited) - 1
        assert stops <= MAX_TAB_STOPS, f"{kind}: {stops} Tab stops: {visited}"
        assert sum(1 for name in visited if name.startswith("f-p.districts-area-")) in (0, 5), visited


def test_an_officer_picks_districts_by_arrow_keys_a_whole_area_the_filter_and_the_map(stack, browser):
    page = sign_in(browser, stack)
    page.goto(f"{stack.url}/console/compose?kind=typhoon_land_warning")
    page.fill('[name="p.typhoon_name"]', "山陀兒|Krathon")
    page.select_option('[name="p.intensity"]', "severe")
    page.focus("#f-p\\.districts-all")
    page.keyboard.press("Tab")
    assert focused(page) == "f-p.districts-filter"
    page.keyboard.press("Tab")
    assert focused(page) == "f-p.districts-area-urban_core"
    # Inside an area the arrow keys move; Space ticks. Yancheng and Gushan come first in the urban core.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert focused(page) == "f-p.districts-gushan"
    page.keyboard.press("Space")
    expect(page.locator("#f-p\\.districts-gushan")).to_be_checked()
    expect(page.locator('.tile[data-district="gushan"]')).to_have_class(re.compile(r"\bmarked\b"))
    # Tab leaves the area in one stop, to the next area's box; Space ticks the whole area.
    page.keyboard.press("Tab")
    assert focused(page) == "f-p.districts-area-fongshan_daliao"
    page.keyboard.press("Space")
    area = page.locator("fieldset[data-area='fongshan_daliao']")
    expect(area.locator(".district-option input:checked")).to_have_count(7)
    # Unticking one of them leaves the area's box mixed.
    page.keyboard.press("End")
    page.keyboard.press("Space")
    toggle = page.locator("#f-p\\.districts-area-fongshan_daliao")
    assert toggle.evaluate("box => box.indeterminate && !box.checked")
    # Back into the area with Shift+Tab, the focus returns where it was (a roving tabindex).
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page) == "f-p.districts-dashe"
    # The filter finds Sanmin typed in Vietnamese, without its accents; the count is announced.
    page.fill("#f-p\\.districts-filter", "tam dan")
    visible = page.locator(".district-option:visible input")
    expect(visible).to_have_count(1)
    assert visible.get_attribute("value") == "sanmin"
    expect(page.locator("#f-p\\.districts-filter-count")).to_contain_text("1")
    page.keyboard.press("Enter")  # does not send the form
    expect(page).to_have_url(re.compile(r"/console/compose\?kind=typhoon_land_warning$"))
    page.fill("#f-p\\.districts-filter", "")
    expect(page.locator(".district-option:visible input")).to_have_count(38)
    # A tile of the map ticks its district.
    page.click('.tile[data-district="namasia"]')
    expect(page.locator("#f-p\\.districts-namasia")).to_be_checked()
    page.click("form.compose-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/notices/\d+$"))
    notice_id = int(page.url.rsplit("/", 1)[1])
    with stack.services.session_factory() as session:
        chosen = session.get(Notice, notice_id).params["districts"]
    assert chosen == ["gushan", "fongshan", "daliao", "linyuan", "niaosong", "dashu", "renwu", "namasia"]


@pytest.mark.parametrize(("locale", "prefix"), [("en-GB", "Error: "), ("zh-TW", "錯誤：")])
def test_a_refused_form_puts_the_focus_on_its_error_summary(stack, browser, locale, prefix):
    page = sign_in(browser, stack, locale=locale)
    page.goto(f"{stack.url}/console/compose?kind=day_off")
    page.click("form.compose-form button[type=submit]")
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith(prefix)
    # Its link to the districts moves the focus into the picker.
    page.click('#error-summary a[href="#f-p.districts"]')
    assert focused(page) == "f-p.districts-all"


def test_a_refused_schedule_puts_the_focus_on_its_error_summary(stack, browser):
    with stack.services.session_factory.begin() as session:
        notice = saved_notice(session, stack.services.composer, status=NoticeStatus.APPROVED, training=True)
        notice.sent_at, notice.author = None, "ed-lin"
        notice_id = notice.id
    page = sign_in(browser, stack)
    page.goto(f"{stack.url}/console/notices/{notice_id}")
    page.click('[data-action="schedule"]')  # "once", with no time
    expect(page.locator("#error-summary")).to_be_focused()
    assert page.title().startswith("Error: ")
    page.click('#error-summary a[href="#schedule-at"]')
    assert focused(page) == "schedule-at"


@pytest.mark.parametrize("lang", ["zh-Hant", "th", "my"])
def test_a_public_notice_page_shows_its_districts_on_the_map(stack, browser, lang):
    with stack.services.session_factory.begin() as session:
        notice_id = saved_notice(session, stack.services.composer, districts=["lingya", "cianjhen", "cijin"]).id
    page = browser.new_context(viewport={"width": 420, "height": 900}, device_scale_factor=2).new_page()
    page.goto(f"{stack.url}/n/{notice_id}?lang={lang}")
    figure = page.locator("section.districts")
    expect(figure.locator("li")).to_have_count(3)
    expect(figure.locator(".tile.marked")).to_have_count(3)
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    shot = OUTPUT_DIR / f"public-district-map-{lang}.png"
    figure.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
