"""LINE's monthly quota in the console: the preview grid says what a notice costs and what is left this month
(English and zh-Hant), warns when it would pass the quota, and the send asks for an explicit confirmation then;
against the sandbox with its monthly limit, through line-bot-sdk."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.office.accounts import create_officer
from bot.office.models import AuditEntry
from messages.models import Notice, NoticeStatus
from scheduler.outbox import Delivery
from tests.support.console_pages import PASSWORDS, Officer, html, text
from tests.support.paused_line import PausedLine


def confirmed(notice_id: int) -> dict[str, str]:
    """The confirmation step answered: these notices go to the whole city at the Extreme level."""
    return {"confirm": "1", "notice_number": str(notice_id)}


@pytest.fixture
def line(tmp_path, database_url):
    built = PausedLine(tmp_path, database_url)
    with built.services.session_factory.begin() as session:
        create_officer(session, "ap-chen", "approver", display_name="ap-chen", password=PASSWORDS["ap-chen"])
    yield built
    built.close()


@pytest.fixture
def app(line):
    application = create_app(line.services.settings, line.services, resume_webhook_events=False)
    yield application
    application.extensions["civicast.webhook_executor"].shutdown(wait=True)


def quota_line(page) -> str:
    return text(page, "//p[@id='line-quota']")


def queued(line, notice_id: int) -> tuple[str, int]:
    """The notice's status and how many residents its deliveries carry."""
    with line.services.session_factory() as session:
        residents = session.scalar(
            select(func.coalesce(func.sum(Delivery.recipient_count), 0)).where(
                Delivery.notice_id == notice_id, Delivery.channel == "line"
            )
        )
        return session.get(Notice, notice_id).status, int(residents)


def send_rows(line, notice_id: int) -> list[AuditEntry]:
    with line.services.session_factory() as session:
        return list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.action == "send", AuditEntry.subject_id == str(notice_id))
            )
        )


def flashes(officer, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)
    return text(html(officer.get(response.headers["Location"])), "//div[@class='flashes']")


def test_the_preview_says_what_a_notice_costs_and_what_is_left_in_both_languages(app, line):
    line.set_quota(2000)
    line.spend(700)  # this month's other sends
    notice_id = line.approved_notice(1200)
    officer = Officer(app, "ap-chen")
    page = html(officer.get(f"/console/notices/{notice_id}"))
    assert quota_line(page) == "1,200 messages, 1,300 left this month"
    assert not page.xpath("//div[@id='quota-warning']") and not page.xpath("//input[@name='exceed_quota']")
    officer.language("zh-Hant")
    assert quota_line(html(officer.get(f"/console/notices/{notice_id}"))) == "1,200 則訊息，本月剩餘 1,300 則"

    officer.language("en")
    said = flashes(
        officer, officer.post(f"/console/notices/{notice_id}/send", confirmed(notice_id))
    )  # within the quota: it just goes
    assert f"Notice {notice_id} is going to" in said
    assert queued(line, notice_id) == (NoticeStatus.SENDING, 1200)
    assert "LINE: 1,200 messages, 1,300 of 2,000 left this month" in send_rows(line, notice_id)[0].summary


def test_a_notice_past_the_quota_is_refused_until_the_officer_confirms(app, line):
    line.set_quota(1000)
    line.spend(400)
    notice_id = line.approved_notice(750)
    officer = Officer(app, "ap-chen")
    page = html(officer.get(f"/console/notices/{notice_id}"))
    assert quota_line(page) == "750 messages, 600 left this month"
    warning = text(page, "//div[@id='quota-warning']")
    assert "needs 750 LINE messages but only 600 are left this month" in warning
    assert "LINE would refuse at least 150 of them" in warning
    confirm = page.xpath("//form[contains(@action, '/send')]//input[@name='exceed_quota']")
    assert confirm and confirm[0].get("required") is not None
    label = text(page, "//label[@for='exceed-quota']")
    assert label == "I know this needs 750 LINE messages, more than the 600 left this month: send it anyway"

    refused = flashes(
        officer, officer.post(f"/console/notices/{notice_id}/send", confirmed(notice_id))
    )  # the box left unticked
    assert "Not sent: it needs 750 LINE messages and only 600 are left this month." in refused
    assert queued(line, notice_id) == (NoticeStatus.APPROVED, 0) and send_rows(line, notice_id) == []

    officer.language("zh-Hant")
    page = html(officer.get(f"/console/notices/{notice_id}"))
    assert "此訊息需要 750 則 LINE 訊息，但本月僅剩 600 則" in text(page, "//div[@id='quota-warning']")
    refused = flashes(officer, officer.post(f"/console/notices/{notice_id}/send", confirmed(notice_id)))
    assert "未發送：需要 750 則 LINE 訊息，但本月僅剩 600 則" in refused

    officer.post(f"/console/notices/{notice_id}/send", {"exceed_quota": "yes", **confirmed(notice_id)})
    assert queued(line, notice_id) == (NoticeStatus.SENDING, 750)
    row = send_rows(line, notice_id)[0]
    assert row.actor == "ap-chen" and "sent past the quota as the officer insisted" in row.summary
    assert row.detail["exceed_quota"] is True
    assert not html(officer.get(f"/console/notices/{notice_id}")).xpath("//div[@id='quota-warning']")  # gone out
    assert row.detail["quota"] == {
        "channel": "line",
        "needed": 750,
        "used": 400,
        "limit": 1000,
        "remaining": 600,
        "exceeds": True,
        "error": None,
    }


def test_without_a_limit_or_an_answer_from_line_the_preview_says_so_and_nothing_is_refused(app, line):
    officer = Officer(app, "ap-chen")
    notice_id = line.approved_notice(3)
    line.line_faults(error_rate=1.0)  # LINE answers 500 to everything, the quota included
    shown = quota_line(html(officer.get(f"/console/notices/{notice_id}")))
    assert shown.startswith("3 messages; what is left this month could not be read (LINE server error 500")
    line.line_faults(error_rate=0.0)  # a failed answer is not kept: the next view asks again
    assert quota_line(html(officer.get(f"/console/notices/{notice_id}"))) == "3 messages; no monthly limit is set"

    line.line_faults(error_rate=1.0)
    officer.post(
        f"/console/notices/{notice_id}/send", confirmed(notice_id)
    )  # an alert is not held back by an unread quota
    assert queued(line, notice_id) == (NoticeStatus.SENDING, 3)
    assert "LINE quota unread: LINE server error 500" in send_rows(line, notice_id)[0].summary
