"""The console's schedule form refuses a recurring poll before showing the recurrence to confirm, and when the
confirmation is posted anyway; and a time after the poll's close. Its send button refuses a poll whose voting is
over. The notice stays approved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from bot.office import polls
from bot.office.drafts import NoticeInput
from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus
from messages.polls import Poll
from tests.bot.office.conftest import EDITOR
from tests.support.console_pages import Officer, html

CLOSES = datetime.now(UTC) + timedelta(days=1)


@pytest.fixture
def approved_poll(services) -> int:
    now = datetime.now(UTC)
    data = NoticeInput("poll", {"districts": ["qishan"]}, free_text="要不要延長圖書館開放時間？")
    options = [polls.OptionInput(phrase_key="yes"), polls.OptionInput(phrase_key="no")]
    with services.session_factory.begin() as session:
        notice = polls.compose_poll(
            session, services.composer, EDITOR, data, options=options, closes_at=CLOSES, now=now
        )
        notice.status, notice.approver = NoticeStatus.APPROVED, "ap-chen"  # approved by a second officer
        return notice.id


def flashes(response) -> list[str]:
    return [p.text_content() for p in html(response).xpath("//p[contains(@class, 'flash-error')]")]


@pytest.mark.parametrize(
    ("form", "refusal"),
    [
        ({"repeat": "daily", "time": "08:00"}, "a poll cannot recur"),
        ({"repeat": "cron", "cron": "0 8 * * 1", "confirm": "1"}, "a poll cannot recur"),
        (
            {"repeat": "once", "at": (CLOSES + timedelta(hours=1)).astimezone(TAIPEI).strftime("%Y-%m-%dT%H:%M")},
            "before it would be sent",
        ),
    ],
)
def test_the_schedule_form_refuses_a_recurring_or_late_poll(services, app, approved_poll, form, refusal):
    admin = Officer(app, "ad-wu")
    answer = admin.post(f"/console/notices/{approved_poll}/schedule", data=form, follow_redirects=True)
    assert not html(answer).xpath("//form[.//input[@name='confirm']]")  # no recurrence offered to confirm
    assert any(refusal in message for message in flashes(answer)), flashes(answer)
    with services.session_factory() as session:
        assert session.get(Notice, approved_poll).status == NoticeStatus.APPROVED


def test_the_send_button_refuses_a_poll_whose_voting_is_over(services, app, approved_poll):
    with services.session_factory.begin() as session:
        closed = datetime.now(UTC) - timedelta(minutes=5)
        session.execute(update(Poll).where(Poll.notice_id == approved_poll).values(closes_at=closed))
    answer = Officer(app, "ad-wu").post(f"/console/notices/{approved_poll}/send", follow_redirects=True)
    assert any("voting is over, so it cannot be sent" in message for message in flashes(answer)), flashes(answer)
    with services.session_factory() as session:
        assert session.get(Notice, approved_poll).status == NoticeStatus.APPROVED
