"""The console's page for a poll's options in the officer's own words: each language's machine translation (or its
lack) beside a field; saving one marks it reviewed with its audit row, an unfit text is refused naming what is
wrong, an officer who may not review translations is turned away, and the notice's preview grid shows the options
in every language on every channel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.office import polls
from bot.office.accounts import create_officer
from bot.office.drafts import NoticeInput
from messages.polls import poll_options, poll_spec
from messages.translate import find_memory
from tests.bot.office.conftest import EDITOR
from tests.support.console_pages import Officer, audit_actions, check_accessible_structure, html, text

QUESTION = "要不要延長圖書館開放時間？"
OWN_WORDS = "只要週末"


def poll_with_machine_vietnamese(services) -> int:
    """A poll with a phrase-bank answer and one in the officer's words, machine translated into Vietnamese only."""
    now = datetime.now(UTC)
    data = NoticeInput("poll", {"districts": ["qishan"]}, free_text=QUESTION)
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(text=OWN_WORDS)]
    with services.session_factory.begin() as session:
        notice = polls.compose_poll(
            session, services.composer, EDITOR, data, options=options, closes_at=now + timedelta(days=1), now=now
        )
        own = poll_options(session, notice.id)[1]
        own.labels, own.origins = {"vi": "Chỉ cuối tuần thôi"}, {"vi": "machine"}
        return notice.id


def option_form(tree, position, language):
    [form] = tree.xpath(f"//section[@data-option='{position}']//form[@data-language='{language}']")
    return form


def test_an_officer_reviews_an_options_translation_per_language(services, app):
    notice_id = poll_with_machine_vietnamese(services)
    editor = Officer(app, "ed-lin")
    page = editor.get(f"/console/notices/{notice_id}/poll/options")
    assert page.status_code == 200
    tree = html(page)
    check_accessible_structure(tree)
    assert [int(s.get("data-option")) for s in tree.xpath("//section[@data-option]")] == [2]  # "yes" is reviewed
    vietnamese, thai = option_form(tree, 2, "vi"), option_form(tree, 2, "th")
    assert vietnamese.xpath(".//span[@data-state]")[0].get("data-state") == "machine"
    assert vietnamese.xpath(".//input[@name='text']")[0].get("value") == "Chỉ cuối tuần thôi"
    assert thai.xpath(".//span[@data-state]")[0].get("data-state") == "untranslated"
    assert not tree.xpath("//form[@data-language='zh-Hant']")  # the language it was written in
    action = f"/console/notices/{notice_id}/poll/options/2/vi"

    assert editor.post(action, data={"text": "Chỉ\u0007 cuối tuần"}).status_code == 422  # refused at the door
    for bad, says in (("x" * 61, "at most 60 characters"), ("  ", "empty")):
        refused = editor.post(action, data={"text": bad})
        assert refused.status_code == 422
        assert says in text(html(refused), "//div[@id='error-summary']")
        assert html(refused).xpath("//div[@id='error-summary']//a[@href='#opt-2-vi']")
    assert audit_actions(services, "notice", str(notice_id)) == ["compose"]

    saved = editor.post(action, data={"text": "Chỉ cuối tuần"})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"/notices/{notice_id}/poll/options")
    assert audit_actions(services, "notice", str(notice_id)) == ["compose", "review_translation"]
    with services.session_factory() as session:
        spec = poll_spec(session, notice_id)
        memory = find_memory(session, OWN_WORDS, "zh-Hant", ["vi"])["vi"]
    assert spec is not None and spec.options[1].labels == {"vi": "Chỉ cuối tuần"}
    assert (memory.text, memory.origin) == ("Chỉ cuối tuần", "reviewed")
    after = option_form(html(editor.get(f"/console/notices/{notice_id}/poll/options")), 2, "vi")
    assert after.xpath(".//span[@data-state]")[0].get("data-state") == "reviewed"

    assert editor.post(f"/console/notices/{notice_id}/poll/options/1/vi", data={"text": "Có"}).status_code == 404
    assert editor.post(f"/console/notices/{notice_id}/poll/options/2/zh-Hant", data={"text": "x"}).status_code == 404


def test_a_viewer_reads_the_page_but_cannot_review(services, app):
    notice_id = poll_with_machine_vietnamese(services)
    with services.session_factory.begin() as session:
        create_officer(session, "vw-kao", "viewer", display_name="Kao", password="viewer-password-2026")
    viewer = Officer(app, "vw-kao", "zh-Hant", password="viewer-password-2026")
    page = viewer.get(f"/console/notices/{notice_id}/poll/options")
    assert page.status_code == 200 and f"投票選項譯文：訊息 {notice_id}" in text(html(page), "//h1")
    assert viewer.post(f"/console/notices/{notice_id}/poll/options/2/vi", data={"text": "Có"}).status_code == 403
    with services.session_factory() as session:
        assert poll_spec(session, notice_id).options[1].labels == {"vi": "Chỉ cuối tuần thôi"}


def test_the_preview_grid_shows_the_options_in_every_language(services, app):
    notice_id = poll_with_machine_vietnamese(services)
    tree = html(Officer(app, "ed-lin").get(f"/console/notices/{notice_id}"))
    assert tree.xpath(f"//a[@href='/console/notices/{notice_id}/poll/options']")
    rows = {row.get("aria-labelledby").removeprefix("lang-"): row for row in tree.xpath("//article[@class='grid-row']")}
    assert len(rows) == len(services.settings.languages)
    expected = {"zh-Hant": ["是", OWN_WORDS], "vi": ["Có", "Chỉ cuối tuần thôi"], "en": ["Yes", OWN_WORDS]}
    for language, labels in expected.items():
        row = rows[language]
        assert [li.text_content() for li in row.xpath(".//ol[@data-poll-options]/li")] == labels
        assert "LINE" in text(row, ".//p[@class='crawl']")  # where to vote: the crawl takes no vote
    assert "1. 是 2. 只要週末" in text(rows["zh-Hant"], ".//p[@class='crawl']")  # as many answers as fit
