"""The console's office pages through Flask's test client on a real app and database: translations to review, FAQ,
petitions, subscriber figures, the audit log, officers and API keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import lxml.html
import pytest
from sqlalchemy import delete, insert, select

from bot.app import create_app
from bot.conversation.faq import read_faq_files, seed_faq
from bot.conversation.models import Case, CaseEvent, FaqEntry
from bot.conversation.petitions import open_case
from bot.database import upgrade_database
from bot.office.accounts import authenticate, create_officer, find_officer
from bot.office.api_keys import verify_api_key
from bot.office.models import ApiKey, AuditEntry
from bot.services import Services
from bot.settings import load_settings
from messages.models import NoticeTranslation, TranslationMemory, TranslationOrigin
from messages.translate import remember
from scheduler.audience import TOPIC_BITS, Subscriber, district_bit
from tests.support.factories import saved_notice
from tests.support.sandbox import free_port

PASSWORDS = {"ad-wu": "admin-password-2026", "ed-lin": "editor-password-2026"}
SOURCE = "颱風期間旗津渡輪停駛，請改搭公車。"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FAQ_KEYS = ("city_hotline", "emergency_numbers", "typhoon_day_off")  # a small FAQ: the index rebuilds quickly
PAGES = ("/console/translations", "/console/faq", "/console/faq/city_hotline/en", "/console/cases",
         "/console/cases/{case}", "/console/subscribers", "/console/audit", "/console/officers")


@pytest.fixture(scope="module")
def faq_entries():
    return [entry for entry in read_faq_files() if entry["key"] in FAQ_KEYS]


@pytest.fixture
def services(config, faq_entries):
    # Nothing listens on the sandbox port: a resident cannot be told, and the console says so.
    with config.open("a", encoding="utf-8") as handle:
        handle.write(f"channels:\n  sandbox:\n    port: {free_port()}\n")
    services = Services(load_settings(config, environ={}))
    upgrade_database(services.engine)
    with services.session_factory.begin() as session:
        seed_faq(session, faq_entries)
        create_officer(session, "ad-wu", "admin", display_name="Wu", password=PASSWORDS["ad-wu"])
        create_officer(session, "ed-lin", "editor", display_name="Lin", password=PASSWORDS["ed-lin"])
    yield services
    services.close()


@pytest.fixture
def app(services):
    application = create_app(services.settings, services, resume_webhook_events=False)
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)


class Officer:
    """A signed-in officer's browser: the test client, with the CSRF token put into every POST."""

    def __init__(self, app, username: str, ui_lang: str = "en") -> None:
        self.client = app.test_client()
        token = self._token(self.client.get("/console/login"))
        response = self.client.post("/console/login", data={"username": username, "password": PASSWORDS[username],
                                                            "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.token = self._token(self.client.get("/console/audit"))  # a new session (and token) at sign-in
        self.client.post("/console/language", data={"lang": ui_lang, "csrf_token": self.token})

    @staticmethod
    def _token(response) -> str:
        return CSRF.search(response.get_data(as_text=True)).group(1)

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)

    def language(self, lang: str) -> None:
        self.client.post("/console/language", data={"lang": lang, "csrf_token": self.token})


def html(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(tree, xpath="//main") -> str:
    return " ".join(" ".join(node.text_content().split()) for node in tree.xpath(xpath))


def table_rows(tree, caption_start: str) -> dict[str, list[str]]:
    """A table's body rows as {row header: [cells]}, the table found by the start of its caption."""
    for table in tree.xpath("//table"):
        if text(table, "caption").startswith(caption_start):
            return {text(row, "th"): [" ".join(td.text_content().split()) for td in row.xpath("td")]
                    for row in table.xpath("tbody/tr")}
    raise AssertionError(f"no table captioned {caption_start!r}")


def add_case(services, **fields) -> str:
    values = {"channel": "line", "user_id": "U" + "1" * 32, "language": "vi", "category": "roads",
              "district": "cijin", "description": "Ổ gà lớn trên đường Miaoqian.", "location": None, "photo": None,
              "now": datetime.now(UTC)} | fields
    with services.session_factory.begin() as session:
        return open_case(session, **values).number


def add_translations(services) -> tuple[int, dict[str, int]]:
    """A sent notice with free text, machine translated into Vietnamese and held (no text) for Thai."""
    with services.session_factory.begin() as session:
        notice = saved_notice(session, services.composer)
        notice.free_text, notice.free_text_lang = SOURCE, "zh-Hant"
        rows = {"vi": NoticeTranslation(notice_id=notice.id, language="vi", text="Phà máy dịch.",
                                        origin=TranslationOrigin.MACHINE.value, engine="google"),
                "th": NoticeTranslation(notice_id=notice.id, language="th", text=None,
                                        origin=TranslationOrigin.MACHINE.value),
                "en": NoticeTranslation(notice_id=notice.id, language="en", text="Ferries suspended.",
                                        origin=TranslationOrigin.REVIEWED.value, reviewed_by="someone")}
        session.add_all(rows.values())
        remember(session, SOURCE, "zh-Hant", "vi", "Phà máy dịch.", origin=TranslationOrigin.MACHINE, engine="google")
        session.flush()
        return notice.id, {lang: row.id for lang, row in rows.items()}


def audit_actions(services, subject_type: str, subject_id: str) -> list[str]:
    with services.session_factory() as session:
        return list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id).order_by(AuditEntry.id)))


def check_accessible_structure(tree) -> None:
    assert len(tree.xpath("//h1")) == 1
    labelled = {label.get("for") for label in tree.xpath("//label[@for]")}
    for control in tree.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        assert control.get("id") in labelled, f"{lxml.html.tostring(control)[:120]!r} has no label"
    for form in tree.xpath("//form[@method='post']"):
        assert form.xpath(".//input[@name='csrf_token']"), f"a form to {form.get('action')} has no CSRF token"
    for table in tree.xpath("//table"):
        assert table.xpath("caption") and not table.xpath(".//th[not(@scope)]")
    assert not tree.xpath("//*[@style]") and not tree.xpath("//script[not(@src)]")  # the CSP allows neither


# ----------------------------------------------------------------------------- every page


def test_every_page_renders_with_real_data_in_both_languages(app, services):
    notice_id, _ = add_translations(services)
    number = add_case(services)
    with services.session_factory.begin() as session:
        session.add(Subscriber(channel="line", platform_user_id="U-a", language="vi"))
    admin = Officer(app, "ad-wu")
    expected = {"/console/translations": ["Phà máy dịch.", SOURCE, f"Notice {notice_id}"],
                "/console/faq": ["city_hotline", "What is the 1999 hotline?"],
                "/console/faq/city_hotline/en": ["What is the 1999 hotline?", "For reference"],
                "/console/cases": [number, "Roads", "received"],
                "/console/cases/{case}": [number, "Ổ gà lớn", "Assign"],
                "/console/subscribers": ["Vietnamese", "Cijin District"],
                "/console/audit": ["ad-wu", "signed in"],
                "/console/officers": ["ed-lin", "editor", "Create an API key"]}
    for lang in ("en", "zh-Hant"):
        admin.language(lang)
        for url in PAGES:
            response = admin.get(url.format(case=number))
            assert response.status_code == 200, (url, response.status_code)
            tree = html(response)
            assert tree.get("lang") == lang
            check_accessible_structure(tree)
            if lang == "en":
                for words in expected[url]:
                    assert words in text(tree), (url, words)
            else:
                assert "Show" not in text(tree, "//form[@class='filters']//button")
    admin.language("zh-Hant")
    assert "旗津區" in text(html(admin.get("/console/subscribers")))
    assert "已受理" in text(html(admin.get("/console/cases")))


def test_an_editor_may_not_manage_officers(app, services):
    editor = Officer(app, "ed-lin")
    assert editor.get("/console/officers").status_code == 403
    assert editor.post("/console/officers/new", {"username": "intruder", "role": "admin"}).status_code == 403
    assert editor.post("/console/api-keys", {"officer": "ed-lin", "name": "x", "mode": "live"}).status_code == 403
    assert "/console/officers" not in editor.get("/console/audit").get_data(as_text=True)
    with services.session_factory() as session:
        assert find_officer(session, "intruder") is None
        assert session.scalar(select(ApiKey.id)) is None
    signed_out = app.test_client()
    assert signed_out.get("/console/subscribers").status_code == 302


# ----------------------------------------------------------------------------- translations


def test_reviewing_a_translation_stores_it_with_the_notice_and_in_the_memory(app, services):
    notice_id, ids = add_translations(services)
    admin = Officer(app, "ad-wu")
    page = html(admin.get("/console/translations"))
    vi = page.get_element_by_id(f"tr-{ids['vi']}")
    assert vi.tag == "textarea" and vi.get("lang") == "vi" and vi.text == "Phà máy dịch."
    assert page.get_element_by_id(f"tr-{ids['th']}").get("lang") == "th"
    assert not page.xpath(f"//*[@id='tr-{ids['en']}']")  # reviewed already: not waiting

    refused = admin.post(f"/console/translations/{ids['vi']}", {"text": "   "})
    assert refused.status_code == 422 and "The translation is empty." in text(html(refused))

    reviewed = "Do bão, phà Kỳ Tân tạm ngừng; vui lòng đi xe buýt."
    response = admin.post(f"/console/translations/{ids['vi']}", {"text": reviewed})
    assert response.status_code == 303
    assert admin.post(f"/console/translations/{ids['th']}", {"text": "งดเดินเรือข้ามฟากฉีจิน"}).status_code == 303
    with services.session_factory() as session:
        row = session.get(NoticeTranslation, ids["vi"])
        assert (row.text, row.origin, row.reviewed_by) == (reviewed, "reviewed", "ad-wu")
        memory = {m.target_lang: m for m in session.scalars(select(TranslationMemory))}
        assert (memory["vi"].text, memory["vi"].origin, memory["vi"].reviewed_by) == (reviewed, "reviewed", "ad-wu")
        assert memory["th"].origin == "reviewed" and session.get(NoticeTranslation, ids["th"]).origin == "reviewed"
    # The same text is now never machine translated into Vietnamese: the memory answers, reviewed.
    version = services.localiser.localise(SOURCE, "zh-Hant", ["vi"])["vi"]
    assert (version.text, version.origin) == (reviewed, TranslationOrigin.REVIEWED)
    assert audit_actions(services, "translation", str(ids["vi"])) == ["review_translation"]
    after = admin.get("/console/translations")
    assert "No translation is waiting for review." in text(html(after))
    assert str(notice_id) in text(html(admin.get("/console/audit?action=review_translation")))


# ----------------------------------------------------------------------------- FAQ


def test_editing_the_faq_changes_what_the_bot_answers(app, services):
    faq = services.conversation_engine.faq
    question = "What is the 1999 hotline?"
    assert faq.nearest(question, "en").key == "city_hotline"  # the index is built before the edit
    admin = Officer(app, "ad-wu")

    refused = admin.post("/console/faq/city_hotline/en", {"questions": "\n \n", "answer": ""})
    assert refused.status_code == 422
    tree = html(refused)
    assert "write at least one question" in text(tree) and "write the answer" in text(tree)
    assert tree.get_element_by_id("f-questions").get("aria-invalid") == "true"

    answer = "Call 1999, the city's free hotline, at any hour. (edited)"
    response = admin.post("/console/faq/city_hotline/en", {"questions": f"{question}\nHow do I call the city?\n",
                                                           "answer": answer})
    assert response.status_code == 303
    assert faq.nearest(question, "en").answer == answer
    assert faq.entry("city_hotline", "en").question == question
    assert audit_actions(services, "faq", "city_hotline/en") == ["edit_faq"]

    with services.session_factory.begin() as session:  # a language the entry lacks: the page adds it
        session.execute(delete(FaqEntry).where(FaqEntry.key == "city_hotline", FaqEntry.language == "ms"))
    listed = html(admin.get("/console/faq?lang=ms&missing=1"))
    assert "city_hotline" in text(listed)
    assert admin.get("/console/faq/city_hotline/ms").status_code == 200
    response = admin.post("/console/faq/city_hotline/ms", {"questions": "Apakah talian 1999?",
                                                           "answer": "Hubungi 1999."})
    assert response.status_code == 303
    with services.session_factory() as session:
        added = session.scalar(select(FaqEntry).where(FaqEntry.key == "city_hotline", FaqEntry.language == "ms"))
        assert (added.category, added.questions, added.answer) == ("general", ["Apakah talian 1999?"], "Hubungi 1999.")
    assert faq.entry("city_hotline", "ms").answer == "Hubungi 1999."
    assert admin.get("/console/faq/no_such_entry/en").status_code == 404
    assert admin.get("/console/faq/city_hotline/xx").status_code == 404
    assert "city_hotline" in text(html(admin.get("/console/faq?q=1999+hotline")))
    assert "city_hotline" not in text(html(admin.get("/console/faq?category=health")))


# ----------------------------------------------------------------------------- petitions


def test_assigning_and_changing_a_case_stores_events_and_audit_entries(app, services):
    number = add_case(services)
    other = add_case(services, district="gushan", category="noise")
    admin = Officer(app, "ad-wu")

    response = admin.post(f"/console/cases/{number}/assign", {"assignee": "ed-lin"})
    assert response.status_code == 303
    page = admin.get(response.headers["Location"])
    assert "The case is assigned to ed-lin." in text(html(page))
    assert "The resident could not be told" in text(html(page))  # no sandbox is running

    response = admin.post(f"/console/cases/{number}/status", {"status": "in_progress", "note": "Đội sửa đường đã đến."})
    assert response.status_code == 303
    told = text(html(admin.get(response.headers["Location"])))
    assert "The case is now “in progress”." in told and "The resident could not be told" in told
    assert admin.post(f"/console/cases/{number}/note", {"note": "Call the contractor on Monday."}).status_code == 303
    refused = admin.post(f"/console/cases/{number}/assign", {"assignee": "nobody"})
    assert "Choose an active officer" in text(html(admin.get(refused.headers["Location"])))
    refused = admin.post(f"/console/cases/{number}/status", {"status": "in_progress", "note": " "})
    assert "already “in progress”" in text(html(admin.get(refused.headers["Location"])))

    with services.session_factory() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert (case.status, case.assignee) == ("in_progress", "ed-lin")
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    assert [(e.status, e.note, e.internal) for e in events] == [
        ("received", None, False), ("assigned", None, False), ("in_progress", "Đội sửa đường đã đến.", False),
        ("in_progress", "Call the contractor on Monday.", True)]
    assert audit_actions(services, "case", number) == ["assign_case", "case_status", "case_note"]

    tree = html(admin.get(f"/console/cases/{number}"))
    history = [" ".join(row.text_content().split()) for row in tree.xpath("//tr[@class='internal-note']")]
    assert len(history) == 1 and "internal note" in history[0] and "Call the contractor" in history[0]
    listed = text(html(admin.get("/console/cases?status=in_progress")))
    assert number in listed and other not in listed
    listed = text(html(admin.get("/console/cases?district=gushan&category=noise")))
    assert other in listed and number not in listed
    assert number in text(html(admin.get("/console/cases?assignee=ed-lin")))
    assert admin.get("/console/cases/KH-1999-000001").status_code == 404
    assert Officer(app, "ed-lin").post(f"/console/cases/{other}/note", {"note": "seen"}).status_code == 303


# ----------------------------------------------------------------------------- subscribers


def test_subscriber_counts_match_the_rows(app, services):
    glossary = services.glossary
    cijin, gushan = district_bit(glossary, "cijin"), district_bit(glossary, "gushan")
    disaster, health = TOPIC_BITS["disaster"], TOPIC_BITS["health"]
    rows = ([("line", "vi", disaster | health, 0, True, "active", False)] * 3
            + [("line", "zh-Hant", disaster, cijin, False, "active", True)] * 2
            + [("line", "th", health, cijin | gushan, False, "active", False)]
            + [("messenger", "vi", disaster, gushan, False, "active", False)]
            + [("line", "en", disaster, 0, True, "inactive", False)] * 4)
    with services.session_factory.begin() as session:
        session.execute(insert(Subscriber), [
            {"channel": c, "platform_user_id": f"U{i}", "language": lang, "topics": topics, "districts": districts,
             "whole_city": whole, "status": status, "test_recipient": test}
            for i, (c, lang, topics, districts, whole, status, test) in enumerate(rows)])
    admin = Officer(app, "ad-wu")
    tree = html(admin.get("/console/subscribers"))
    facts = dict(zip([text(dt, ".") for dt in tree.xpath("//dl[@class='facts']/dt")],
                     [text(dd, ".") for dd in tree.xpath("//dl[@class='facts']/dd")], strict=True))
    assert facts["Active subscribers"] == "7" and facts["Inactive (unfollowed or blocked)"] == "4"
    assert facts["Test recipients (receive training notices)"] == "2" and facts["Following the whole city"] == "3"
    languages = table_rows(tree, "Active subscribers by language")
    assert languages["Vietnamese"] == ["3", "1", "4"]  # LINE, Messenger, total
    assert languages["Chinese (Traditional)"] == ["2", "0", "2"] and languages["Thai"] == ["1", "0", "1"]
    assert languages["Total"] == ["6", "1", "7"] and "English" not in languages
    topics = table_rows(tree, "Active subscribers receiving each topic")
    assert topics == {"Disaster": ["6"], "Health": ["4"], "Transport": ["0"]}
    districts = table_rows(tree, "Active subscribers following each district")
    assert districts["Following the whole city"] == ["3"]
    assert districts["Cijin District"] == ["3"] and districts["Gushan District"] == ["2"]
    assert districts["Yancheng District"] == ["0"]
    assert len(districts) == 39


# ----------------------------------------------------------------------------- audit log


def test_the_audit_log_filters_pages_and_links_its_subjects(app, services):
    number = add_case(services)
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        notice_id = saved_notice(session, services.composer).id
        session.add_all([AuditEntry(at=now - timedelta(minutes=i), actor="ed-lin", via="api", action="compose",
                                    subject_type="notice", subject_id=str(notice_id), summary=f"draft {i}")
                         for i in range(60)])
        session.add(AuditEntry(at=now, actor="ap-chen", via="console", action="case_status", subject_type="case",
                               subject_id=number, summary="resolved"))
    admin = Officer(app, "ad-wu")
    tree = html(admin.get("/console/audit?actor=ed-lin"))
    assert "61" not in text(tree, "//caption") and "(60 in all)" in text(tree, "//caption")
    assert tree.xpath(f"//a[@href='/console/notices/{notice_id}']")
    assert "API" in text(tree, "//tbody") and "composed" in text(tree, "//tbody")
    assert tree.xpath("//nav[@class='pager']//a[contains(@href, 'page=2')]")
    second = html(admin.get("/console/audit?actor=ed-lin&page=2"))
    assert len(second.xpath("//tbody/tr")) == 10
    cases = html(admin.get("/console/audit?action=case_status"))
    assert len(cases.xpath("//tbody/tr")) == 1 and cases.xpath(f"//a[@href='/console/cases/{number}']")
    assert len(html(admin.get(f"/console/audit?subject_type=case&subject_id={number}")).xpath("//tbody/tr")) == 1


# ----------------------------------------------------------------------------- officers and API keys


def test_creating_an_officer_and_an_api_key_shows_each_secret_once(app, services):
    admin = Officer(app, "ad-wu")
    refused = admin.post("/console/officers/new", {"username": "Bad Name!", "role": "admin"})
    assert refused.status_code == 422 and "The username must be" in text(html(refused))
    assert admin.post("/console/officers/new", {"username": "ed-lin", "role": "editor"}).status_code == 422

    response = admin.post("/console/officers/new", {"username": "ap-kao", "display_name": "Kao", "role": "approver"})
    assert response.status_code == 200
    password = text(html(response), "//code[@id='secret-value']")
    assert len(password) >= 16 and password not in admin.get("/console/officers").get_data(as_text=True)
    with services.session_factory.begin() as session:
        assert authenticate(session, "ap-kao", password, now=datetime.now(UTC)).role == "approver"

    response = admin.post("/console/api-keys", {"officer": "ap-kao", "name": "CWA importer", "mode": "test"})
    assert response.status_code == 200
    key = text(html(response), "//code[@id='secret-value']")
    assert key.startswith("cvk_test_") and key not in admin.get("/console/officers").get_data(as_text=True)
    with services.session_factory.begin() as session:
        stored, officer = verify_api_key(session, key, now=datetime.now(UTC))
        key_id = stored.key_id
        assert officer.username == "ap-kao"
    assert admin.post("/console/api-keys", {"officer": "ap-kao", "name": " ", "mode": "live"}).status_code == 422
    listed = table_rows(html(admin.get("/console/officers")), "API keys")
    assert listed[key_id][:3] == ["CWA importer", "test", "ap-kao"]

    assert admin.post(f"/console/api-keys/{key_id}/revoke").status_code == 303
    with services.session_factory() as session:
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.key_id == key_id)) is not None

    with services.session_factory.begin() as session:  # locked out after wrong passwords
        find_officer(session, "ed-lin").locked_until = datetime.now(UTC) + timedelta(minutes=15)
    assert "Locked" in text(html(admin.get("/console/officers")), "//thead")
    response = admin.post("/console/officers/ed-lin/reset_password")
    assert response.status_code == 200
    new_password = text(html(response), "//code[@id='secret-value']")
    with services.session_factory.begin() as session:
        assert authenticate(session, "ed-lin", new_password, now=datetime.now(UTC)).locked_until is None

    assert admin.post("/console/officers/ap-kao/deactivate").status_code == 303
    assert admin.post("/console/officers/ad-wu/deactivate").status_code == 303  # refused: one's own account
    with services.session_factory() as session:
        assert not find_officer(session, "ap-kao").active and find_officer(session, "ad-wu").active
    assert admin.post("/console/officers/ap-kao/activate").status_code == 303
    assert admin.post("/console/officers/nobody/activate").status_code == 404
    assert audit_actions(services, "officer", "ap-kao") == ["create_officer", "deactivate_officer",
                                                            "activate_officer"]
    assert audit_actions(services, "officer", "ed-lin")[-1] == "reset_password"
    assert audit_actions(services, "api_key", key_id) == ["create_api_key", "revoke_api_key"]
    # After a secret was shown on a form's own address, switching language goes back to the officers page.
    assert admin.get("/console/officers/new").status_code == 302
