"""Fan-out: every channel × language × batch of ≤ 500, in one transaction; Updates and Cancels."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from messages.models import MsgType, Notice, NoticeStatus
from scheduler.fanout import NotDue, fan_out_notice
from scheduler.outbox import Delivery, DeliveryStatus
from scheduler.sending import send_now
from tests.scheduler.conftest import LINE, PAGE, add_residents, approved_notice

NOW = datetime(2024, 10, 2, 12, 0, tzinfo=UTC)


def deliveries(session, notice_id):
    return list(session.scalars(select(Delivery).where(Delivery.notice_id == notice_id)))


def test_batches_per_language_of_at_most_500(session_factory, composer, glossary):
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 1300, language="vi") + add_residents(
            session, glossary, 40, prefix=1, language="th"
        )
        notice = approved_notice(session, composer)
        result = fan_out_notice(
            session,
            notice,
            glossary=glossary,
            channels={"line": LINE, "facebook": PAGE},
            languages=["vi", "th", "zh-Hant", "en"],
            now=NOW,
        )
        notice_id = notice.id
    assert result.recipients == {"line": {"vi": 1300, "th": 40}, "facebook": {"*": 0}}
    with session_factory() as session:
        rows = deliveries(session, notice_id)
        line = [r for r in rows if r.channel == "line"]
        assert sorted(r.recipient_count for r in line) == [40, 300, 500, 500]
        assert all(len(r.recipients) == r.recipient_count <= 500 for r in line)
        assert sorted(u for r in line for u in r.recipients) == sorted(users)
        assert [r.language for r in rows if r.channel == "facebook"] == ["*"]
        assert len({r.id for r in rows}) == len(rows) and all(len(r.id) == 36 for r in rows)
        notice = session.get(Notice, notice_id)
        assert notice.status == NoticeStatus.SENDING and notice.sent_at is not None


def test_a_language_without_catalog_goes_in_the_default_language(session_factory, composer, glossary):
    with session_factory.begin() as session:
        add_residents(session, glossary, 3, language="pt")
        notice = approved_notice(session, composer)
        result = fan_out_notice(
            session, notice, glossary=glossary, channels={"line": LINE}, languages=["zh-Hant"], now=NOW
        )
    assert result.recipients == {"line": {"zh-Hant": 3}}


def test_a_crash_leaves_no_rows(session_factory, composer, glossary):
    with session_factory.begin() as session:
        add_residents(session, glossary, 2000)
        notice_id = approved_notice(session, composer).id
    with pytest.raises(RuntimeError), session_factory.begin() as session:
        fan_out_notice(
            session,
            session.get(Notice, notice_id),
            glossary=glossary,
            channels={"line": LINE},
            languages=["zh-Hant", "en"],
            now=NOW,
        )
        raise RuntimeError("the process died before the commit")
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert session.get(Notice, notice_id).status == NoticeStatus.APPROVED


def test_only_approved_notices_fan_out_and_only_once(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 10)
        draft = composer.new_notice("heavy_rain", composer.kinds.get("heavy_rain").example_params)
        session.add(draft)
        session.flush()
        approved = approved_notice(session, composer)
        draft_id, approved_id = draft.id, approved.id
    with pytest.raises(NotDue):
        send_now(dispatch, draft_id)
    send_now(dispatch, approved_id)
    with pytest.raises(NotDue):
        send_now(dispatch, approved_id)  # an officer and the scheduler racing: the second finds nothing
    with session_factory() as session:
        line = [d for d in deliveries(session, approved_id) if d.channel == "line"]
        assert sum(d.recipient_count for d in line) == 10 and len(line) == 10  # ten residents, ten languages


def test_training_notices_reach_test_recipients_only(session_factory, composer, glossary, dispatch):
    with session_factory.begin() as session:
        add_residents(session, glossary, 30)
        testers = add_residents(session, glossary, 2, prefix=9, test_recipient=True)
        notice_id = approved_notice(session, composer, training=True).id
    result = send_now(dispatch, notice_id)
    assert sum(result.recipients["line"].values()) == 2
    assert "facebook" not in result.recipients  # live public channels never carry a training notice
    with session_factory() as session:
        assert sorted(u for d in deliveries(session, notice_id) for u in d.recipients) == sorted(testers)


def _mark_sent(session, notice_id, users_sent):
    for delivery in deliveries(session, notice_id):
        if delivery.channel == "line" and set(delivery.recipients) <= set(users_sent):
            delivery.status = DeliveryStatus.SENT


@pytest.mark.parametrize("msg_type", [MsgType.UPDATE, MsgType.CANCEL])
def test_update_and_cancel_go_to_the_originals_recipients(session_factory, composer, glossary, dispatch, msg_type):
    with session_factory.begin() as session:
        sanmin = add_residents(session, glossary, 700, prefix=1, districts=["sanmin"], language="vi")
        add_residents(session, glossary, 50, prefix=2, districts=["meinong"], language="vi")
        original_id = approved_notice(session, composer, "heavy_rain", districts="sanmin").id
    send_now(dispatch, original_id)
    with session_factory.begin() as session:
        # 500 residents got the original; the second batch of 200 is still waiting when the follow-up comes
        first_batch = next(d.recipients for d in deliveries(session, original_id) if d.recipient_count == 500)
        _mark_sent(session, original_id, first_batch)
        # new residents of Sanmin after the original must not get its follow-up
        add_residents(session, glossary, 20, prefix=3, districts=["sanmin"])
        follow_up = Notice(
            kind="heavy_rain",
            params=session.get(Notice, original_id).params,
            districts=["sanmin"],
            topic="disaster",
            msg_type=msg_type,
            references_id=original_id,
            status=NoticeStatus.APPROVED,
            author="a",
            approver="b",
        )
        session.add(follow_up)
        session.flush()
        follow_up_id = follow_up.id
    send_now(dispatch, follow_up_id)
    with session_factory() as session:
        got = sorted(u for d in deliveries(session, follow_up_id) if d.channel == "line" for u in d.recipients)
        expected = sorted(first_batch) if msg_type == MsgType.CANCEL else sorted(sanmin)
        assert got == expected
        original = session.get(Notice, original_id)
        assert original.status == (NoticeStatus.CANCELLED if msg_type == MsgType.CANCEL else NoticeStatus.SUPERSEDED)
        unsent = [d for d in deliveries(session, original_id) if d.recipient_count == 200]
        assert unsent[0].status == DeliveryStatus.DEAD  # withdrawn: it will not go out after the follow-up
