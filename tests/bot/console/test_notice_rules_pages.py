"""The desk's rules as an officer meets them in the console: untranslated languages named in a banner and
acknowledged when approving, a recurring schedule shown with its next five times before it is saved, text
refused at the door with the field named and nothing stored."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.conversation.models import CaseEvent
from bot.office import desk, drafts
from bot.office.accounts import actor_of, find_officer
from messages.models import Notice, NoticeStatus
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import Officer, add_case, html, text


def submitted_notice(services, *, free_text=None) -> int:
    add_residents(services, {f"U{n:032x}": ["lingya"] for n in range(1, 4)})
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        editor = actor_of(find_officer(session, "ed-lin"))
        notice = drafts.compose_notice(
            session,
            services.composer,
            editor,
            drafts.NoticeInput(
                "heavy_rain", {"level": "torrential_rain", "districts": ["lingya"]}, free_text=free_text
            ),
            now=now,
        )
        desk.submit_notice(
            session, editor, notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
        )
        return notice.id


def status(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, notice_id).status


def test_untranslated_languages_are_named_and_approving_needs_the_acknowledgement(app, services):
    notice_id = submitted_notice(services, free_text="旗山區已開設收容所。")
    admin = Officer(app, "ad-wu")
    page = html(admin.get(f"/console/notices/{notice_id}"))
    banner = text(page, "//div[@id='untranslated']")
    assert "Tiếng Việt" in banner and "ไทย" in banner and "繁體中文" not in banner  # the officer's own is fine
    assert page.xpath("//input[@name='acknowledge_untranslated']")
    refused = admin.post(f"/console/notices/{notice_id}/approve")
    assert "Tick the acknowledgement" in text(html(admin.get(refused.headers["Location"])))
    assert status(services, notice_id) == NoticeStatus.SUBMITTED
    admin.post(f"/console/notices/{notice_id}/approve", {"acknowledge_untranslated": "yes"})
    assert status(services, notice_id) == NoticeStatus.APPROVED


def test_a_recurrence_is_confirmed_with_its_next_five_times_and_a_live_one_at_most_hourly(app, services):
    notice_id = submitted_notice(services)
    admin = Officer(app, "ad-wu")
    admin.post(f"/console/notices/{notice_id}/approve")
    shown = admin.post(f"/console/notices/{notice_id}/schedule", {"repeat": "daily", "time": "07:30"})
    assert shown.status_code == 200
    times = html(shown).xpath("//ol[@class='upcoming']/li/time/@datetime")
    assert len(times) == 5 and all("T07:30:00+08:00" in when for when in times)
    assert status(services, notice_id) == NoticeStatus.APPROVED  # nothing saved before the confirmation
    admin.post(f"/console/notices/{notice_id}/schedule", {"repeat": "daily", "time": "07:30", "confirm": "1"})
    with services.session_factory() as session:
        notice = session.get(Notice, notice_id)
        assert (notice.status, notice.recurrence) == (NoticeStatus.SCHEDULED, "30 7 * * *")
    refused = admin.post(f"/console/notices/{notice_id}/schedule", {"repeat": "cron", "cron": "*/5 * * * *"})
    assert "5 minutes apart" in text(html(admin.get(refused.headers["Location"])))


def test_text_with_control_characters_is_refused_at_the_door_naming_the_field(app, services):
    notice_id = submitted_notice(services)
    number = add_case(services)
    admin = Officer(app, "ad-wu")
    refused = admin.post(f"/console/notices/{notice_id}/reject", {"reason": "see \x1b[31mthis"})
    assert refused.status_code == 422
    assert "reason" in text(html(refused)) and "U+001B" in text(html(refused))
    assert status(services, notice_id) == NoticeStatus.SUBMITTED
    assert admin.post(f"/console/cases/{number}/note", {"note": "call back\x00"}).status_code == 422
    with services.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.internal.is_(True))) == 0
    assert admin.get("/console/audit?actor=%00").status_code == 400
    form = {
        "p.level": "torrential_rain",
        "p.districts": "lingya",
        "free_text": "積水\u202e請改道",
        "free_text_lang": "zh-Hant",
    }
    composed = admin.post("/console/compose?kind=heavy_rain", form)
    assert composed.status_code == 422 and "bidirectional control" in text(html(composed), "//div[@id='error-summary']")
