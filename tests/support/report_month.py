"""A month for the report tests: October 2026 with live notices, deliveries in two languages, a drill, petitions of
two agencies and a closed poll, and a September notice that must not count."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.conversation.models import Agency, Case, CaseEvent, CaseStatus, PollVote
from messages.polls import Poll, PollOption
from scheduler.outbox import Delivery, DeliveryStatus
from tests.support.factories import saved_notice

MONTH_START = datetime(2026, 10, 6, 2, tzinfo=UTC)  # 10:00 in Kaohsiung, well inside October
MONTH = "2026-10"


def seed_month(services) -> None:
    """October: three live notices (one a poll, closed), deliveries in two languages, a drill; three petitions of
    two agencies, one answered on time, one late, one open; and a September notice that must not count."""
    with services.session_factory.begin() as session:
        notices = [saved_notice(session, services.composer, districts=["qishan"]) for _ in range(3)]
        drill = saved_notice(session, services.composer, training=True)
        september = saved_notice(session, services.composer)
        for notice in (*notices, drill):
            notice.sent_at = MONTH_START
        september.sent_at = MONTH_START - timedelta(days=20)
        for notice, language, count, seconds in (
            (notices[0], "zh-Hant", 120, 30),
            (notices[0], "en", 7, 50),
            (notices[1], "zh-Hant", 80, 90),
            (drill, "zh-Hant", 999, 10),
            (september, "zh-Hant", 555, 10),
        ):
            session.add(
                Delivery(
                    notice_id=notice.id,
                    channel="line",
                    language=language,
                    status=DeliveryStatus.SENT,
                    recipient_count=count,
                    created_at=notice.sent_at,
                    sent_at=notice.sent_at + timedelta(seconds=seconds),
                )
            )
        poll = notices[2]
        poll.free_text = "Should the typhoon day off include schools?"
        session.add(Poll(notice_id=poll.id, closes_at=MONTH_START + timedelta(days=3)))
        session.add_all(
            [
                PollOption(notice_id=poll.id, position=1, phrase_key="yes"),
                PollOption(notice_id=poll.id, position=2, text="Only on holidays"),
            ]
        )
        for position, user in ((1, "U1"), (1, "U2"), (2, "U3")):
            session.add(PollVote(notice_id=poll.id, position=position, channel="line", user_id=user, district="qishan"))
        session.add_all(
            [
                Agency(key="water_resources", names={"en": "Water Resources Bureau", "zh-Hant": "水利局"}),
                Agency(key="public_works", names={"en": "Public Works Bureau", "zh-Hant": "工務局"}),
            ]
        )
        session.flush()
        created = MONTH_START + timedelta(days=1)
        cases = []
        for number, agency, answered_after, satisfaction in (
            ("KH-2026-000901", "water_resources", 2, 5),
            ("KH-2026-000902", "water_resources", 12, 2),
            ("KH-2026-000903", "public_works", None, None),
        ):
            case = Case(
                number=number,
                channel="line",
                user_id="U9",
                language="zh-Hant",
                category="drainage",
                district="qishan",
                description="A blocked drain",
                agency=agency,
                status=CaseStatus.CLOSED if answered_after else CaseStatus.RECEIVED,
                satisfaction=satisfaction,
                created_at=created,
                due_on=(created + timedelta(days=5)).date(),
            )
            session.add(case)
            cases.append((case, answered_after))
        session.flush()
        for case, answered_after in cases:
            if answered_after:
                session.add(
                    CaseEvent(
                        case_id=case.id, status=CaseStatus.RESOLVED, created_at=created + timedelta(days=answered_after)
                    )
                )
