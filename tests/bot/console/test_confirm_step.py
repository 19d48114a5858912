"""Sending or scheduling from the console goes through a step that restates what will happen: the residents,
languages and channels of the notice's preview, in the officer's language. Without ``confirm=1`` the server shows
that step and sends nothing; with it the notice goes. An Extreme notice to the whole city needs its number typed."""

from __future__ import annotations

from datetime import UTC, datetime

from babel.lists import format_list

from bot.office import desk, drafts
from bot.office.accounts import actor_of, find_officer
from bot.office.preview import build_preview
from messages.models import Notice, NoticeStatus
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import Officer, html, text

LINGYA = {f"U{n:032x}": ["lingya"] for n in range(1, 4)}


def approved_notice(services, *, districts=("lingya",), severity=None, training=False) -> int:
    """A heavy-rain notice written by ed-lin and approved by ad-wu (a second officer), not yet sent."""
    now = datetime.now(UTC)
    data = drafts.NoticeInput(
        "heavy_rain",
        {"level": "torrential_rain", "districts": list(districts)},
        severity=severity,
        training=training,
    )
    with services.session_factory.begin() as session:
        editor = actor_of(find_officer(session, "ed-lin"))
        notice = drafts.compose_notice(session, services.composer, editor, data, now=now)
        desk.submit_notice(
            session, editor, notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        notice_id = notice.id
    desk.approve_notice(services.dispatch, actor_of_admin(services), notice_id, acknowledge_untranslated=True)
    return notice_id


def actor_of_admin(services):
    with services.session_factory() as session:
        return actor_of(find_officer(session, "ad-wu"))


def status(services, notice_id) -> str:
    with services.session_factory() as session:
        return session.get(Notice, notice_id).status


def sentence(response) -> str:
    return text(html(response), "//p[@id='confirm-sentence']")


def channel_labels(services, notice_id, names: dict[str, str]) -> list[str]:
    """The channels the preview says would carry the notice, named as the console's catalog names them."""
    preview = build_preview(services, notice_id, translate=False)
    carried = [c for c in preview.labels if c not in preview.audience or sum(preview.audience[c].values())]
    return [names.get(channel, preview.labels[channel]) for channel in carried]


def test_a_send_without_the_confirmation_shows_the_step_and_sends_nothing_then_goes(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    admin = Officer(app, "ad-wu")
    shown = admin.post(f"/console/notices/{notice_id}/send")
    assert shown.status_code == 200
    labels = channel_labels(services, notice_id, {"line": "LINE", "facebook": "Facebook", "cable_tv": "Cable TV crawl"})
    assert "LINE" in labels and len(labels) >= 2
    assert sentence(shown) == f"Send to 3 residents in 12 languages on {format_list(labels, locale='en')}?"
    page = html(shown)
    assert page.xpath("//form[contains(@action, '/send')]//input[@name='confirm'][@value='1']")
    assert not page.xpath("//input[@name='notice_number']")  # not city-wide Extreme
    assert status(services, notice_id) == NoticeStatus.APPROVED

    refused = admin.post(f"/console/notices/{notice_id}/send", {"confirm": "0"}, follow_redirects=True)
    assert refused.status_code == 200 and status(services, notice_id) == NoticeStatus.APPROVED

    sent = admin.post(f"/console/notices/{notice_id}/send", {"confirm": "1"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/notices/{notice_id}/delivery")
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_the_sentence_in_traditional_chinese_and_the_singular_in_english(app, services):
    add_residents(services, {"U" + "a" * 32: ["lingya"]})
    notice_id = approved_notice(services)
    admin = Officer(app, "ad-wu", ui_lang="zh-Hant")
    labels = channel_labels(services, notice_id, {"line": "LINE", "facebook": "Facebook", "cable_tv": "有線電視跑馬燈"})
    said = sentence(admin.post(f"/console/notices/{notice_id}/send"))
    assert said == f"要透過{format_list(labels, locale='zh_Hant')}，以12 種語言發送給1 位民眾嗎？"
    admin.language("en")
    assert sentence(admin.post(f"/console/notices/{notice_id}/send")).startswith("Send to 1 resident in 12 languages")


def test_a_training_notice_is_confirmed_as_training(app, services):
    add_residents(services, LINGYA, test_recipient=True)
    notice_id = approved_notice(services, training=True)
    admin = Officer(app, "ad-wu")
    said = sentence(admin.post(f"/console/notices/{notice_id}/send"))
    assert said.startswith("Training: only test recipients receive it, no resident does. Send to 3 test recipients")
    admin.post(f"/console/notices/{notice_id}/send", {"confirm": "1"})
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_a_city_wide_extreme_notice_is_sent_only_with_its_number_typed(app, services):
    add_residents(services, {f"U{n:032x}": [] for n in range(1, 3)})  # following the whole city
    notice_id = approved_notice(services, districts=("all",), severity="Extreme")
    admin = Officer(app, "ad-wu")
    page = html(admin.post(f"/console/notices/{notice_id}/send"))
    assert page.xpath("//input[@name='notice_number'][@required]")
    assert f"Type the notice number, {notice_id}, to confirm" in text(page, "//label[@for='notice-number']")

    wrong = admin.post(f"/console/notices/{notice_id}/send", {"confirm": "1", "notice_number": str(notice_id + 7)})
    assert wrong.status_code == 422
    said = text(html(wrong), "//div[@id='confirm-error']")
    assert f"Notice {notice_id} was not sent or scheduled: “{notice_id + 7}” is not its number." in said
    assert html(wrong).xpath("//input[@name='confirm'][@value='1']")  # asked again
    assert status(services, notice_id) == NoticeStatus.APPROVED

    admin.post(f"/console/notices/{notice_id}/send", {"confirm": "1", "notice_number": str(notice_id)})
    assert status(services, notice_id) in (NoticeStatus.SENDING, NoticeStatus.SENT)


def test_a_city_wide_schedule_stands_with_the_actions_that_cannot_be_undone(app, services):
    add_residents(services, {f"U{n:032x}": [] for n in range(1, 3)})
    city_wide = approved_notice(services, districts=("all",))
    admin = Officer(app, "ad-wu")
    page = html(admin.get(f"/console/notices/{city_wide}"))
    zone = page.xpath("//section[@id='danger-zone']")[0]
    assert zone.xpath(".//h2") and zone.xpath(".//button[@data-action='send']")
    assert zone.xpath(".//button[@data-action='schedule']")
    routine = page.xpath("//section[@aria-labelledby='actions-title']")[0]
    assert not routine.xpath(".//button[@data-action='send' or @data-action='schedule']")
    # In the DOM too, the area that cannot be undone comes after the routine one.
    assert page.xpath("//section[@aria-labelledby='actions-title']/following-sibling::section[@id='danger-zone']")

    add_residents(services, {f"U{n:032x}": ["lingya"] for n in range(10, 13)})
    in_lingya = approved_notice(services)
    page = html(admin.get(f"/console/notices/{in_lingya}"))
    assert page.xpath("//section[@aria-labelledby='actions-title']//button[@data-action='schedule']")
    assert not page.xpath("//section[@id='danger-zone']//button[@data-action='schedule']")


def test_a_notice_whose_send_cannot_be_restated_is_not_offered_to_confirm(app, services):
    add_residents(services, LINGYA)
    notice_id = approved_notice(services)
    with services.session_factory.begin() as session:  # stored before a district was withdrawn
        session.get(Notice, notice_id).params = {"level": "torrential_rain", "districts": ["atlantis"]}
    answer = Officer(app, "ad-wu").post(f"/console/notices/{notice_id}/send", follow_redirects=True)
    assert answer.status_code == 200
    said = text(html(answer), "//div[@class='flashes']")
    assert "The preview cannot be built" in said and "'atlantis' is not a known district" in said
    assert status(services, notice_id) == NoticeStatus.APPROVED
