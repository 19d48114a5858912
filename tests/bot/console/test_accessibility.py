"""axe-core, in Chromium, on every console page and the public pages: no serious or critical violations.

Pages are visited with real data in both console languages: notices in every state, a delivery,
a petition, FAQ entries, a translation waiting for review, officers and keys.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from bot.conversation.faq import seed_if_empty
from bot.conversation.petitions import open_case
from bot.office import desk, drafts
from bot.office.accounts import Actor
from bot.office.models import Role
from bot.office.shelters import set_shelter_open
from ingest.models import Outcome
from ingest.rules import rule_rows
from messages.models import NoticeTranslation, TranslationOrigin
from scheduler.outbox import pause_channel
from tests.support.console_stack import PASSWORDS, ConsoleStack, launch_chromium
from tests.support.incoming import incoming_alert, real_alert
from tests.support.occurrences import FIRST, daily_notice_with_missed_occurrences
from tests.support.shelters import import_test_list

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}
BLOCKING = ("serious", "critical")
EDITOR = Actor("ed-lin", Role.EDITOR)
APPROVER = Actor("ap-chen", Role.APPROVER)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    stack = ConsoleStack(tmp_path_factory.mktemp("a11y"), f"sqlite:///{tmp_path_factory.mktemp('db')}/c.db")
    stack.add_residents({f"U{n:032x}": ["lingya"] if n % 2 else [] for n in range(12)})
    stack.add_residents({f"U{n:032x}": [] for n in range(900, 903)}, test_recipient=True)
    services = stack.services
    seed_if_empty(services.session_factory)
    now = datetime.now(UTC)
    kind = services.kinds.get("typhoon_land_warning")
    params = {**kind.example_params, "districts": ["lingya"]}
    with services.session_factory.begin() as session:
        sent = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput(kind.id, params, free_text="請民眾提早準備防颱物資。"),
            now=now,
        )
        desk.submit_notice(
            session, EDITOR, sent.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        draft = drafts.compose_notice(
            session,
            services.composer,
            EDITOR,
            drafts.NoticeInput("dengue_outbreak", services.kinds.get("dengue_outbreak").example_params, training=True),
            now=now,
        )
        case = open_case(
            session,
            channel="line",
            user_id="U" + "9" * 32,
            language="vi",
            category="roads",
            district="lingya",
            description="Ổ gà lớn trên đường Sanduo.",
            location=None,
            photo=None,
            now=now,
        )
        ids = {"sent": sent.id, "draft": draft.id, "case": case.number}
    desk.approve_notice(services.dispatch, APPROVER, ids["sent"], acknowledge_untranslated=True, now=now)
    desk.send_notice_now(services.dispatch, APPROVER, ids["sent"], channels=services.channel_limits)
    with services.session_factory.begin() as session:
        row = session.query(NoticeTranslation).filter_by(notice_id=ids["sent"], language="vi").one_or_none()
        if row is None:
            row = NoticeTranslation(notice_id=ids["sent"], language="vi", origin=TranslationOrigin.MACHINE.value)
            session.add(row)
        row.text, row.origin, row.engine = "Người dân hãy chuẩn bị sớm.", TranslationOrigin.MACHINE.value, "google"
    services.seed_ingest_rules()
    with services.session_factory.begin() as session:  # alerts from the national platform, and the rules
        ids["incoming"] = incoming_alert(
            session,
            real_alert("KHC_Parking_20190823224823.xml"),
            status="Actual",
            msg_type="Alert",
            kind="emergency_parking",
            districts=["lingya"],
            outcome=Outcome.DRAFTED,
            notice_id=ids["draft"],
            rule="desk",
        ).id
        ids["incoming_test"] = incoming_alert(
            session,
            real_alert("CDC_communicable_20190521123448_001.xml"),
            status="Test",
            msg_type="Alert",
            outcome=Outcome.TRAINING,
        ).id
        ids["hostile"] = incoming_alert(
            session, b"<script>alert(1)</script>\x01\xff", outcome=Outcome.REJECTED, duplicate_of=ids["incoming"]
        ).id
        ids["rule"] = rule_rows(session)[0].id
    shelters = import_test_list(services.session_factory, services.glossary, now=datetime.now(UTC))
    with services.session_factory.begin() as session:  # the shelters page with one open, its Close button
        set_shelter_open(session, shelters["三民國中"], True, by=APPROVER, now=datetime.now(UTC))
    ids["recurring"], occurrences = daily_notice_with_missed_occurrences(services, services.composer)
    ids["missed"] = occurrences[FIRST]
    stack.wait_for(lambda: _delivered(stack, ids["sent"]))
    with services.session_factory.begin() as session:  # every console page then carries the paused-channel banner
        pause_channel(
            session,
            "line",
            "LINE monthly message quota reached: You have reached your monthly limit.",
            datetime.now(UTC),
        )
    yield stack, ids
    stack.close()


def _delivered(stack, notice_id):
    from scheduler.outbox import outstanding

    with stack.services.session_factory() as session:
        return outstanding(session, notice_id) == 0


def _check(page, axe, where, problems):
    results = axe.run(page, options=WCAG)
    for violation in results.response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")


def test_console_and_public_pages_have_no_serious_or_critical_axe_violations(site):
    stack, ids = site
    axe = Axe()
    problems: list[str] = []
    sent, draft = f"/console/notices/{ids['sent']}", f"/console/notices/{ids['draft']}"
    console_pages = [
        "/console/",
        "/console/?status=sent",
        "/console/compose",
        "/console/compose?kind=typhoon_land_warning&example=1",
        "/console/compose?kind=day_off",
        sent,
        draft,
        f"{sent}/delivery",
        f"{draft}/edit",
        f"{sent}/update",
        "/console/translations",
        "/console/faq",
        "/console/faq/emergency_numbers/en",
        "/console/cases",
        f"/console/cases/{ids['case']}",
        "/console/subscribers",
        "/console/audit",
        "/console/officers",
        "/console/api-keys",
        "/console/notices/999999",
        f"/console/notices/{ids['recurring']}",
        f"/console/notices/{ids['missed']}",
        "/console/incoming",
        f"/console/incoming/{ids['incoming']}",
        f"/console/incoming/{ids['incoming_test']}",
        f"/console/incoming/{ids['hostile']}",
        "/console/incoming/rules",
        f"/console/incoming/rules/{ids['rule']}/edit",
        "/console/shelters",
    ]
    public_pages = [f"/n/{ids['sent']}?lang={lang}" for lang in ("zh-Hant", "en", "th", "my", "km", "vi")]
    public_pages += ["/notices?lang=zh-Hant", "/notices?lang=en", "/notices?lang=ja", "/n/999999?lang=en"]
    public_pages += ["/statistics?lang=zh-Hant", "/statistics?lang=en", "/opendata/?lang=zh-Hant", "/opendata/?lang=en"]
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            anonymous = browser.new_context(bypass_csp=True).new_page()
            anonymous.goto(f"{stack.url}/console/login")
            _check(anonymous, axe, "login", problems)
            anonymous.fill("#username", "ad-wu")
            anonymous.fill("#password", "wrong password")
            anonymous.click("#login-form button[type=submit]")
            _check(anonymous, axe, "login refused", problems)
            for path in public_pages:
                anonymous.goto(f"{stack.url}{path}")
                _check(anonymous, axe, path, problems)
            for locale in ("zh-TW", "en-GB"):
                page = browser.new_context(bypass_csp=True, locale=locale).new_page()
                page.goto(f"{stack.url}/console/login")
                page.fill("#username", "ad-wu")
                page.fill("#password", PASSWORDS["ad-wu"])
                page.click("#login-form button[type=submit]")
                for path in console_pages:
                    response = page.goto(f"{stack.url}{path}")
                    assert response.status == (404 if path.endswith("999999") else 200), f"{path}: {response.status}"
                    _check(page, axe, f"{locale} {path}", problems)
                # The page a form without its CSRF token gets.
                with page.expect_navigation():
                    page.evaluate("""() => { const form = document.createElement('form'); form.method = 'post';
                        form.action = '/console/compose?kind=heavy_rain'; document.body.appendChild(form);
                        form.submit(); }""")
                assert page.locator("h1").count() == 1
                _check(page, axe, f"{locale} refused form", problems)
                # A form sent back with errors.
                page.goto(f"{stack.url}/console/compose?kind=typhoon_land_warning")
                page.click("form.compose-form button[type=submit]")
                _check(page, axe, f"{locale} compose with errors", problems)
                # A rule refused, its errors next to the fields.
                page.goto(f"{stack.url}/console/incoming/rules")
                page.fill("#f-name", "")
                page.click("form.rule-form button[type=submit]")
                _check(page, axe, f"{locale} rule with errors", problems)
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


def test_the_check_finds_what_it_is_meant_to_find():
    """The same check on a page with an unlabelled field and low-contrast text reports both."""
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.set_content(
                '<html lang="en"><title>t</title><main><h1>t</h1><input type="text">'
                '<p style="color:#bbb;background:#fff">faint</p></main></html>'
            )
            _check(page, Axe(), "bad page", problems)
        finally:
            browser.close()
    found = " ".join(problems)
    assert "label" in found and "color-contrast" in found
