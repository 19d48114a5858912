"""A refused form says why in the officer's console language: the office's refusals carry a code the console
translates, so the Traditional Chinese console shows them in Chinese (no English sentence) and a refused reject
names the reject, not the approve."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.office import desk, drafts
from bot.office.accounts import actor_of, create_officer, find_officer
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from tests.bot.office.conftest import add_residents
from tests.support.console_pages import PASSWORDS, Officer, html, text
from tests.support.language_site import HAN_RUN, english_runs


def written_notice(services, author: str, *, submitted: bool = True, approved_by: str | None = None) -> int:
    add_residents(services, {f"U{n:032x}": ["lingya"] for n in range(1, 4)})
    now = datetime.now(UTC)
    with services.session_factory.begin() as session:
        actor = actor_of(find_officer(session, author))
        notice = drafts.compose_notice(
            session,
            services.composer,
            actor,
            drafts.NoticeInput("heavy_rain", {"level": "torrential_rain", "districts": ["lingya"]}),
            now=now,
        )
        if submitted:
            desk.submit_notice(
                session, actor, notice.id, glossary=services.glossary, channels=services.channel_limits, now=now
            )
    if approved_by:
        with services.session_factory() as session:
            approver = actor_of(find_officer(session, approved_by))
        desk.approve_notice(services.dispatch, approver, notice.id, now=now)
    return notice.id


def flashed(officer: Officer, response) -> str:
    """The refusal the notice page shows after a refused action (its alert region)."""
    assert response.status_code == 303, response.status_code
    page = html(officer.get(response.headers["Location"]))
    shown = text(page, "//*[@role='alert']")
    assert shown, text(page)
    return shown


def status(services, notice_id):
    with services.session_factory() as session:
        return session.get(Notice, notice_id).status


def assert_chinese(shown: str) -> None:
    assert HAN_RUN.search(shown) and english_runs(shown) == [], shown


def test_a_reject_without_a_reason_is_refused_in_chinese(app, services):
    notice_id = written_notice(services, "ed-lin")
    admin = Officer(app, "ad-wu", "zh-Hant")
    shown = flashed(admin, admin.post(f"/console/notices/{notice_id}/reject", {"reason": "  "}))
    assert "退回的理由" in shown
    assert_chinese(shown)
    assert status(services, notice_id) == NoticeStatus.SUBMITTED


def test_the_author_approving_their_own_live_notice_is_refused_in_chinese(app, services):
    notice_id = written_notice(services, "ad-wu")
    admin = Officer(app, "ad-wu", "zh-Hant")
    shown = flashed(admin, admin.post(f"/console/notices/{notice_id}/approve"))
    assert "另一位核稿人核准" in shown
    assert_chinese(shown)
    assert status(services, notice_id) == NoticeStatus.SUBMITTED


def test_a_refused_reject_names_the_reject_not_the_approve(app, services):
    notice_id = written_notice(services, "ad-wu")
    for lang, reject, approve in (("en", "reject a notice", "approve"), ("zh-Hant", "退回訊息", "核准")):
        editor = Officer(app, "ed-lin", lang)
        shown = flashed(editor, editor.post(f"/console/notices/{notice_id}/reject", {"reason": "錯字"}))
        assert reject in shown and approve not in shown, shown
    assert status(services, notice_id) == NoticeStatus.SUBMITTED


def test_a_schedule_in_the_past_is_refused_in_chinese(app, services):
    with services.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver", password=PASSWORDS["ap-chen"])
    notice_id = written_notice(services, "ed-lin", approved_by="ap-chen")
    admin = Officer(app, "ad-wu", "zh-Hant")
    past = (datetime.now(UTC) - timedelta(hours=2)).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")
    shown = flashed(admin, admin.post(f"/console/notices/{notice_id}/schedule", {"repeat": "once", "at": past}))
    assert "時間已過" in shown
    assert_chinese(shown)
    assert status(services, notice_id) == NoticeStatus.APPROVED


def test_a_compose_form_with_a_control_character_is_refused_in_chinese(app, services):
    editor = Officer(app, "ed-lin", "zh-Hant")
    refused = editor.post(
        "/console/compose?kind=heavy_rain",
        {"kind": "heavy_rain", "p.level": "torrential_rain", "p.districts": ["lingya"], "free_text": "請注意\x07安全"},
    )
    assert refused.status_code == 422
    page = html(refused)
    shown = text(page, "//*[@role='alert'] | //*[contains(@class, 'error')]")
    assert "控制字元" in shown and "U+0007" in shown
    assert_chinese(shown)
    with services.session_factory() as session:
        assert session.query(Notice).count() == 0
