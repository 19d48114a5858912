"""The desk's quota rule as plain functions: a notice needing more LINE messages than the month has left is
refused unless the officer insists, with the quota in the send's audit row; a quota nobody could read, or no
limit, refuses nothing. The platform is a stand-in that reports what it is told (LINE's own answers are tested
through the sandbox in tests/channels and the console and API tests)."""

from __future__ import annotations

import pytest

from bot.office import desk
from bot.office.audit import entries
from bot.office.quota import QuotaForecast, QuotaWouldBeExceeded, forecast
from channels.base import Quota, RetryableError
from messages.models import NoticeStatus
from tests.bot.office.conftest import APPROVER, add_residents, approve, compose, status, submit
from tests.support.confirmed import CONFIRMED

RESIDENTS = {f"U{n:032x}": ["lingya"] for n in range(1, 6)}


class Platform:
    """A channel with a monthly quota, reporting ``quota`` (or failing with ``error``)."""

    def __init__(self, quota: Quota | None = None, error: Exception | None = None) -> None:
        self.answer, self.error = quota, error
        self.asked: list[float | None] = []

    def quota(self, *, max_age_s: float | None = None) -> Quota:
        self.asked.append(max_age_s)
        if self.error:
            raise self.error
        assert self.answer is not None
        return self.answer


def approved(services) -> int:
    add_residents(services, RESIDENTS)
    notice_id = compose(services)
    submit(services, notice_id)
    approve(services, APPROVER, notice_id)
    return notice_id


def send(services, notice_id, platform, **kwargs):
    return desk.send_notice_now(
        services.dispatch,
        APPROVER,
        notice_id,
        channels=services.channel_limits,
        quotas={"line": platform},
        **kwargs,
        confirmation=CONFIRMED,
    )


def last_send(services, notice_id):
    with services.session_factory() as session:
        return next(e for e in entries(session, subject_type="notice", subject_id=notice_id)[0] if e.action == "send")


def test_past_the_quota_only_with_the_officers_insistence(services):
    notice_id = approved(services)
    platform = Platform(Quota(used=997, limit=1000))
    with pytest.raises(QuotaWouldBeExceeded) as refused:
        send(services, notice_id, platform)
    assert refused.value.forecast == QuotaForecast("line", 5, Quota(used=997, limit=1000))
    assert "needs 5 LINE messages but only 3 of this month's 1,000 are left" in str(refused.value)
    assert status(services, notice_id) == NoticeStatus.APPROVED
    assert platform.asked == [0]  # a decision asks LINE for the figure of now, never a kept one

    result = send(services, notice_id, platform, exceed_quota=True)
    assert sum(result.recipients["line"].values()) == 5
    row = last_send(services, notice_id)
    assert "5 messages, 3 of 1,000 left this month; sent past the quota as the officer insisted" in row.summary
    assert row.detail["said"]["params"]["then"]["code"] == "quota.past"  # the console's words for the same
    assert {name: value for name, value in row.detail.items() if name != "said"} == {
        "exceed_quota": True,
        "quota": {
            "channel": "line",
            "needed": 5,
            "used": 997,
            "limit": 1000,
            "remaining": 3,
            "exceeds": True,
            "error": None,
        },
    }


@pytest.mark.parametrize(
    ("platform", "said"),
    [
        (Platform(Quota(used=995, limit=1000)), "LINE: 5 messages, 5 of 1,000 left this month"),  # exactly enough
        (Platform(Quota(used=10**6, limit=None)), "LINE: 5 messages, no monthly limit"),
        (Platform(error=RetryableError("LINE server error 500")), "LINE quota unread: LINE server error 500"),
    ],
)
def test_enough_no_limit_or_an_unread_quota_refuse_nothing(services, platform, said):
    notice_id = approved(services)
    send(services, notice_id, platform)
    assert status(services, notice_id) == NoticeStatus.SENDING
    assert said in last_send(services, notice_id).summary


def test_a_channel_without_a_quota_has_no_forecast():
    assert forecast({"facebook": object()}, 10) is None
    assert forecast({}, 10) is None
    over = forecast({"line": Platform(Quota(used=0, limit=4))}, 10)
    assert over is not None and over.exceeds and over.short_by == 6 and over.remaining == 4
