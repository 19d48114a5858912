"""The console's office pages through Flask's test client on a real app and database: every page in both
languages, translations to review, the FAQ."""

from __future__ import annotations

from sqlalchemy import delete, select

from bot.conversation.models import FaqEntry
from bot.office.accounts import find_officer
from bot.office.models import ApiKey
from messages.models import NoticeTranslation, TranslationMemory, TranslationOrigin
from scheduler.audience import Subscriber
from tests.support.console_pages import (
    PAGES,
    SOURCE,
    Officer,
    add_case,
    add_translations,
    audit_actions,
    check_accessible_structure,
    html,
    text,
)

# ----------------------------------------------------------------------------- every page


def test_every_page_renders_with_real_data_in_both_languages(app, services):
    notice_id, _ = add_translations(services)
    number = add_case(services)
    with services.session_factory.begin() as session:
        session.add(Subscriber(channel="line", platform_user_id="U-a", language="vi"))
    admin = Officer(app, "ad-wu")
    expected = {
        "/console/translations": ["Phà máy dịch.", SOURCE, f"Notice {notice_id}"],
        "/console/faq": ["city_hotline", "What is the 1999 hotline?"],
        "/console/faq/city_hotline/en": ["What is the 1999 hotline?", "For reference"],
        "/console/cases": [number, "Roads", "received"],
        "/console/cases/{case}": [number, "Ổ gà lớn", "Assign"],
        "/console/subscribers": ["Tiếng Việt", "Cijin District"],  # a language by its own name
        "/console/audit": ["ad-wu", "signed in"],
        "/console/officers": ["ed-lin", "editor", "Add an officer"],
        "/console/api-keys": ["Every officer's API keys", "Create an API key"],
    }
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
    # An editor's key is their own, whatever officer the form names.
    assert editor.post("/console/api-keys", {"officer": "ad-wu", "name": "x", "mode": "live"}).status_code == 200
    assert "/console/officers" not in editor.get("/console/audit").get_data(as_text=True)
    with services.session_factory() as session:
        assert find_officer(session, "intruder") is None
        assert session.scalars(select(ApiKey)).one().officer.username == "ed-lin"
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

    before = app.test_client().get(f"/n/{notice_id}?lang=vi")
    assert before.status_code == 200 and "Phà máy dịch." in before.get_data(as_text=True)

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
    # The public page stops serving its cached version: a new ETag, the reviewed text.
    public = app.test_client().get(f"/n/{notice_id}?lang=vi", headers={"If-None-Match": before.headers["ETag"]})
    assert public.status_code == 200 and reviewed in public.get_data(as_text=True)
    assert public.headers["ETag"] != before.headers["ETag"]
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
    response = admin.post(
        "/console/faq/city_hotline/en", {"questions": f"{question}\nHow do I call the city?\n", "answer": answer}
    )
    assert response.status_code == 303
    assert faq.nearest(question, "en").answer == answer
    assert faq.entry("city_hotline", "en").question == question
    assert audit_actions(services, "faq", "city_hotline/en") == ["edit_faq"]

    with services.session_factory.begin() as session:  # a language the entry lacks: the page adds it
        session.execute(delete(FaqEntry).where(FaqEntry.key == "city_hotline", FaqEntry.language == "ms"))
    listed = html(admin.get("/console/faq?lang=ms&missing=1"))
    assert "city_hotline" in text(listed)
    assert admin.get("/console/faq/city_hotline/ms").status_code == 200
    response = admin.post(
        "/console/faq/city_hotline/ms", {"questions": "Apakah talian 1999?", "answer": "Hubungi 1999."}
    )
    assert response.status_code == 303
    with services.session_factory() as session:
        added = session.scalar(select(FaqEntry).where(FaqEntry.key == "city_hotline", FaqEntry.language == "ms"))
        assert (added.category, added.questions, added.answer) == ("general", ["Apakah talian 1999?"], "Hubungi 1999.")
    assert faq.entry("city_hotline", "ms").answer == "Hubungi 1999."
    assert admin.get("/console/faq/no_such_entry/en").status_code == 404
    assert admin.get("/console/faq/city_hotline/xx").status_code == 404
    assert "city_hotline" in text(html(admin.get("/console/faq?q=1999+hotline")))
    assert "city_hotline" not in text(html(admin.get("/console/faq?category=health")))
