"""Occurrences: each due time of a scheduled notice goes out once or is recorded missed, as the database decides."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from messages.i18n import TAIPEI
from messages.models import Notice, NoticeStatus, NoticeTranslation, TranslationOrigin
from scheduler.occurrences import Occurrences, Outcome
from scheduler.outbox import Delivery, DeliveryRecipients
from scheduler.recurrence import cron_times
from scheduler.recurring import copy_of_recurring
from scheduler.sending import schedule
from tests.scheduler.conftest import add_residents, approved_notice

DAY_ONE = datetime(2026, 12, 1, 7, 0, tzinfo=TAIPEI)  # scheduled at 07:00; it recurs at 08:00 every day
EIGHT = DAY_ONE.replace(hour=8)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class AuditRows:
    """The audit hook as ``bot`` wires it, kept in memory: (action, notice id, summary) per row."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, int, str | None]] = []

    def __call__(self, session, action, notice_id, summary) -> None:
        assert session.in_transaction()  # written with the change it records
        self.rows.append((action, notice_id, summary))


@pytest.fixture
def clock():
    return Clock(DAY_ONE)


@pytest.fixture
def audit():
    return AuditRows()


@pytest.fixture
def timed_dispatch(dispatch, clock, audit):
    return replace(dispatch, clock=clock, audit=audit)


@pytest.fixture
def world(session_factory, composer, glossary):
    """Residents, and a daily 08:00 notice scheduled on day one at 07:00."""
    with session_factory.begin() as session:
        users = add_residents(session, glossary, 30, language="en")
        template = approved_notice(session, composer)
        schedule(session, template.id, cron="0 8 * * *", now=DAY_ONE)
        return template.id, users


def occurrences_of(session_factory, template_id):
    with session_factory() as session:
        return {
            row.occurrence_at: (row.id, row.status)
            for row in session.scalars(
                select(Notice).where(Notice.recurrence_of == template_id).order_by(Notice.occurrence_at)
            )
        }


def recipients_of(session_factory, notice_id):
    with session_factory() as session:
        return [
            user
            for users in session.scalars(
                select(DeliveryRecipients.recipients)
                .join(Delivery)
                .where(Delivery.notice_id == notice_id, Delivery.channel == "line")
            )
            for user in users
        ]


def test_cron_times_are_taipei_times_after_the_start(clock):
    times, total = cron_times("0 8 * * *", DAY_ONE, DAY_ONE + timedelta(days=3), keep=2)
    assert total == 3 and times == [EIGHT + timedelta(days=1), EIGHT + timedelta(days=2)]
    assert cron_times("0 8 * * *", EIGHT, EIGHT, keep=5) == ([], 0)  # the start itself is not after it


def test_the_key_refuses_a_second_copy_of_one_occurrence(session_factory, world):
    template_id, _ = world
    with session_factory.begin() as session:
        copy_of_recurring(session, session.get(Notice, template_id), EIGHT)
    with pytest.raises(IntegrityError), session_factory.begin() as session:
        copy_of_recurring(session, session.get(Notice, template_id), EIGHT)
    assert list(occurrences_of(session_factory, template_id)) == [EIGHT]


def test_a_second_scheduler_firing_the_same_occurrence_writes_nothing(
    session_factory, world, timed_dispatch, clock, audit
):
    template_id, users = world
    clock.now = EIGHT + timedelta(seconds=2)
    first = Occurrences(timed_dispatch, misfire_grace_s=60)

    def the_other_leader_fires_first() -> bool:
        # Runs after this scheduler found the occurrence unsent and before its transaction: only the key stops it.
        assert first.fire_occurrence(template_id, EIGHT)[0] == Outcome.SENT
        return True

    second = Occurrences(timed_dispatch, misfire_grace_s=60, is_leading=the_other_leader_fires_first)
    assert second.fire_occurrence(template_id, EIGHT) == (Outcome.DONE_ELSEWHERE, None)
    found = occurrences_of(session_factory, template_id)
    assert list(found) == [EIGHT] and found[EIGHT][1] == NoticeStatus.SENDING
    assert sorted(recipients_of(session_factory, found[EIGHT][0])) == sorted(users)  # each resident once
    assert [row[:2] for row in audit.rows] == [("send", found[EIGHT][0])]
    with session_factory() as session:  # nothing of the refused attempt is left
        assert session.scalar(select(func.count()).select_from(Notice)) == 2


def test_catch_up_sends_the_latest_occurrence_within_the_grace_and_records_the_others_missed(
    session_factory, world, timed_dispatch, clock, audit
):
    template_id, users = world
    clock.now = EIGHT + timedelta(days=2, seconds=30)  # no scheduler ran on days one and two
    done = Occurrences(timed_dispatch, misfire_grace_s=60).catch_up()
    found = occurrences_of(session_factory, template_id)
    assert list(found) == [EIGHT, EIGHT + timedelta(days=1), EIGHT + timedelta(days=2)]
    assert [status for _, status in found.values()] == [NoticeStatus.MISSED, NoticeStatus.MISSED, NoticeStatus.SENDING]
    sent_id = found[EIGHT + timedelta(days=2)][0]
    assert done.sent == [sent_id] and len(done.missed) == 2
    assert sorted(recipients_of(session_factory, sent_id)) == sorted(users)
    assert recipients_of(session_factory, found[EIGHT][0]) == []
    assert sorted(action for action, _, _ in audit.rows) == ["missed", "missed", "send"]
    assert all("grace" in summary for action, _, summary in audit.rows if action == "missed")
    # A second leader, or the next tick, finds nothing left to do.
    again = Occurrences(timed_dispatch, misfire_grace_s=60).catch_up()
    assert again.sent == [] and again.missed == [] and len(occurrences_of(session_factory, template_id)) == 3


def test_an_occurrence_beyond_the_grace_is_missed_and_the_next_one_goes_out(
    session_factory, world, timed_dispatch, clock
):
    template_id, _ = world
    occurrences = Occurrences(timed_dispatch, misfire_grace_s=60)
    clock.now = EIGHT + timedelta(minutes=5)
    assert occurrences.fire(template_id).missed  # APScheduler's job came late, or a leader started late
    clock.now = EIGHT + timedelta(days=1, seconds=1)
    assert occurrences.fire(template_id).sent
    found = occurrences_of(session_factory, template_id)
    assert [status for _, status in found.values()] == [NoticeStatus.MISSED, NoticeStatus.SENDING]


def test_a_leader_that_lost_its_lock_sends_nothing(session_factory, world, timed_dispatch, clock):
    template_id, _ = world
    clock.now = EIGHT + timedelta(seconds=1)
    deposed = Occurrences(timed_dispatch, misfire_grace_s=60, is_leading=lambda: False)
    assert deposed.catch_up().sent == []
    assert deposed.fire_occurrence(template_id, EIGHT) == (Outcome.NOT_LEADING, None)
    assert deposed.fire(template_id).sent == []
    assert occurrences_of(session_factory, template_id) == {}


def test_each_occurrence_carries_the_templates_free_text(session_factory, world, timed_dispatch, clock):
    template_id, _ = world
    with session_factory.begin() as session:
        session.get(Notice, template_id).free_text = "旗山區已開設收容所。"
        session.add_all(
            [
                NoticeTranslation(
                    notice_id=template_id,
                    language="en",
                    text="Shelters are open in Qishan.",
                    origin=TranslationOrigin.REVIEWED.value,
                    reviewed_by="lin",
                ),
                NoticeTranslation(
                    notice_id=template_id, language="vi", text=None, origin=TranslationOrigin.MACHINE.value
                ),
            ]
        )  # held for review
    clock.now = EIGHT + timedelta(seconds=1)
    _, copy_id = Occurrences(timed_dispatch, misfire_grace_s=60).fire_occurrence(template_id, EIGHT)
    with session_factory() as session:
        copied = {
            row.language: (row.text, row.origin, row.reviewed_by)
            for row in session.scalars(select(NoticeTranslation).where(NoticeTranslation.notice_id == copy_id))
        }
    assert copied == {"en": ("Shelters are open in Qishan.", "reviewed", "lin"), "vi": (None, "machine", None)}


def test_a_failing_audit_row_leaves_no_occurrence_behind(session_factory, world, dispatch, clock):
    template_id, _ = world

    def broken_audit(session, action, notice_id, summary):
        raise RuntimeError("the audit log is unavailable")

    clock.now = EIGHT + timedelta(seconds=1)
    occurrences = Occurrences(replace(dispatch, clock=clock, audit=broken_audit), misfire_grace_s=60)
    with pytest.raises(RuntimeError, match="audit"):
        occurrences.fire_occurrence(template_id, EIGHT)
    assert occurrences_of(session_factory, template_id) == {}
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0


def scheduled_once(session_factory, composer, glossary, at):
    """A one-off notice due at ``at`` that is still ``scheduled``: its leader died before the fan-out committed."""
    with session_factory.begin() as session:
        add_residents(session, glossary, 12, prefix=at.minute + 1, language="ja")
        notice = approved_notice(session, composer)
        schedule(session, notice.id, at=at, now=at - timedelta(hours=1))
        return notice.id


def test_a_one_off_left_unsent_is_sent_within_the_grace_or_marked_missed(
    session_factory, composer, glossary, timed_dispatch, clock, audit
):
    on_time = scheduled_once(session_factory, composer, glossary, EIGHT + timedelta(minutes=4))
    too_late = scheduled_once(session_factory, composer, glossary, EIGHT)
    clock.now = EIGHT + timedelta(minutes=4, seconds=50)
    done = Occurrences(timed_dispatch, misfire_grace_s=60).catch_up()
    assert done.sent == [on_time] and done.missed == [too_late]
    with session_factory() as session:
        assert session.get(Notice, on_time).status == NoticeStatus.SENDING
        assert session.get(Notice, too_late).status == NoticeStatus.MISSED
    assert len(recipients_of(session_factory, on_time)) == 24 and recipients_of(session_factory, too_late) == []
    assert sorted((action, notice_id) for action, notice_id, _ in audit.rows) == [
        ("missed", too_late),
        ("send", on_time),
    ]


def test_a_copy_made_but_never_fanned_out_is_completed(session_factory, world, timed_dispatch, clock):
    template_id, users = world
    with session_factory.begin() as session:  # as an earlier version left it when its leader died mid-fan-out
        orphan = Notice(
            kind="typhoon_land_warning",
            params=session.get(Notice, template_id).params,
            topic="disaster",
            status=NoticeStatus.APPROVED,
            recurrence_of=template_id,
            author="a",
            approver="b",
            created_at=EIGHT,
            effective=EIGHT,
        )
        session.add(orphan)
        session.flush()
        orphan_id = orphan.id
    clock.now = EIGHT + timedelta(seconds=20)
    done = Occurrences(timed_dispatch, misfire_grace_s=60).catch_up()
    assert orphan_id in done.sent
    assert sorted(recipients_of(session_factory, orphan_id)) == sorted(users)
    assert list(occurrences_of(session_factory, template_id)) == [None]  # 08:00 counted as sent: no second copy


def test_a_notice_that_cannot_be_planned_does_not_hold_up_the_others(
    session_factory, composer, world, timed_dispatch, clock, caplog
):
    template_id, _ = world
    with session_factory.begin() as session:  # stored before crons were checked
        broken = approved_notice(session, composer)
        broken.status, broken.recurrence, broken.send_at = NoticeStatus.SCHEDULED, "61 25 * * *", DAY_ONE
        broken_id = broken.id
    clock.now = EIGHT + timedelta(seconds=5)
    done = Occurrences(timed_dispatch, misfire_grace_s=60).catch_up()
    assert len(done.sent) == 1 and list(occurrences_of(session_factory, template_id)) == [EIGHT]
    assert [r for r in caplog.records if f"notice {broken_id} failed" in r.getMessage() and r.exc_info]
