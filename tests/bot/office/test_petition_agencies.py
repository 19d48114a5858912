"""Petitions with agencies and deadlines: the due date across weekends, holidays and declared typhoon days off,
transfers between agencies, the overdue reminder, and agency officers who see only their agency's cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.conversation.deadlines import PetitionRules, declared_days_off, due_date
from bot.conversation.models import Case, CaseReminder
from bot.conversation.petitions import CaseError, open_case
from bot.conversation.replies import EventKind, Incoming
from bot.office.accounts import AccountError, actor_of, create_officer
from bot.office.agencies import AgencyError, edit_agency, seed_agencies
from bot.office.audit import AuditAction
from bot.office.case_agencies import send_to_agency
from bot.office.case_deadlines import (
    REMINDER_JOB,
    ReminderKind,
    mark_reminder_seen,
    overdue_cases,
    remind_due_cases,
    reminders_for,
)
from bot.office.cases import add_note, list_cases, read_case, update_case
from bot.office.models import AuditEntry
from messages.models import NoticeStatus
from tests.bot.office.conftest import APPROVER, EDITOR
from tests.support.factories import saved_notice
from tests.support.recording_line import record_line_pushes

# Thursday 8 October 2026, 10:00 in Taipei. Friday 9 is National Day's day off, then the weekend.
RECEIVED = datetime(2026, 10, 8, 2, 0, tzinfo=UTC)
RULES = PetitionRules()


@pytest.fixture
def city(services):
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
        works = actor_of(create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau")[0])
        water = actor_of(create_officer(session, "water-lee", "agency_officer", agency="water_resources_bureau")[0])
    line = record_line_pushes(services)
    return works, water, line


def file_case(services, *, category="roads", district="lingya", language="zh-Hant", at=RECEIVED, user="U1"):
    with services.session_factory.begin() as session:
        case = open_case(
            session,
            channel="line",
            user_id=user,
            language=language,
            category=category,
            district=district,
            description="路面坑洞",
            location=None,
            photo=None,
            now=at,
        )
        return case.number


def day_off(session, composer, *, day, districts, decision="work_and_school_closed", **fields):
    return saved_notice(
        session, composer, "day_off", decision=decision, date=day, period="all_day", districts=districts, **fields
    )


def case(services, number):
    with services.session_factory() as session:
        return session.scalar(select(Case).where(Case.number == number))


def test_a_case_goes_to_its_category_s_agency_due_in_working_days(services, city):
    roads = case(services, file_case(services))
    assert roads.agency == "public_works_bureau"
    # Six working days from Thursday 8 Oct: 12, 13, 14, 15, 16, 19 (9 is a day off, 10–11 and 17–18 weekends).
    assert roads.due_on == date(2026, 10, 19)
    disaster = case(services, file_case(services, category="disaster", user="U2"))
    assert disaster.agency == "disaster_response_center" and disaster.due_on == date(2026, 10, 12)
    other = case(services, file_case(services, category="other", user="U3"))
    assert other.agency is None and other.due_on == date(2026, 10, 19)  # an officer chooses the agency


def test_a_declared_typhoon_day_off_moves_the_due_date_in_its_district_only(services, city, composer):
    with services.session_factory.begin() as session:
        day_off(session, composer, day="2026-10-12", districts=["lingya"])
        day_off(session, composer, day="2026-10-13", districts=["all"], decision="school_closed")  # work goes on
        day_off(session, composer, day="2026-10-14", districts=["all"], training=True)  # a drill
        day_off(session, composer, day="2026-10-15", districts=["all"], status=NoticeStatus.CANCELLED)
        days = declared_days_off(session, "lingya", start=date(2026, 10, 1), end=date(2026, 10, 31))
        assert days == {date(2026, 10, 12)}
        assert due_date(session, RULES, category="disaster", district="lingya", received=RECEIVED) == date(2026, 10, 13)
        assert due_date(session, RULES, category="disaster", district="cianjhen", received=RECEIVED) == date(
            2026, 10, 12
        )
        day_off(session, composer, day="2026-10-16", districts=["all"])  # the whole city
        assert due_date(session, RULES, category="roads", district="cianjhen", received=RECEIVED) == date(2026, 10, 20)


def test_a_transfer_needs_a_reason_moves_the_case_and_tells_the_resident(services, city):
    works, water, line = city
    number = file_case(services)
    with pytest.raises(CaseError, match="reason"):
        send_to_agency(services, works, number, "water_resources_bureau", reason=None, now=RECEIVED)
    with pytest.raises(CaseError, match="no active agency"):
        send_to_agency(services, works, number, "moon_bureau", reason="wrong place", now=RECEIVED)

    moved_at = datetime(2026, 10, 12, 1, 0, tzinfo=UTC)  # Monday
    change, told = send_to_agency(
        services, works, number, "water_resources_bureau", reason="側溝堵塞，屬水利局權責", now=moved_at
    )
    assert change.transferred and str(told) == "the resident was told on LINE"
    moved = case(services, number)
    assert moved.agency == "water_resources_bureau" and moved.assignee is None
    assert moved.due_on == date(2026, 10, 20)  # counted again from the day the new agency received it
    (user, messages) = line.pushes[-1]
    assert user == "U1" and "已移由高雄市政府水利局處理" in messages[0]["text"]
    assert "側溝堵塞" in messages[0]["text"]
    with services.session_factory() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.TRANSFER_CASE))
        assert entry.actor == "works-wang" and entry.detail["from"] == "public_works_bureau"
        assert entry.detail["to"] == "water_resources_bureau"

    # The old agency no longer sees it; the new one answers it.
    with services.session_factory.begin() as session, pytest.raises(CaseError, match="no case"):
        read_case(session, works, number, now=moved_at)
    update_case(services, water, number, status="in_progress", note="已派員清疏", now=moved_at)
    assert case(services, number).status == "in_progress"


def test_my_cases_shows_the_agency_the_due_date_and_each_step(services, city):
    works, _water, _line = city
    number = file_case(services, language="en")
    send_to_agency(services, works, number, "water_resources_bureau", reason="a drain", now=RECEIVED)
    bot = services.conversation_engine
    bot.handle(Incoming("line", "U1", EventKind.FOLLOW, profile_language="en"))
    for data in ("action=all_topics", "action=district&d=all"):
        bot.handle(Incoming("line", "U1", EventKind.POSTBACK, data=data))
    text = bot.handle(Incoming("line", "U1", EventKind.POSTBACK, data="action=cases"))[0].text
    assert number in text
    assert "Handled by Water Resources Bureau, Kaohsiung City Government, due by" in text
    assert bot.texts("en", "status.received") in text and "transferred to Water Resources Bureau" in text


def test_my_cases_reads_well_for_a_case_with_no_agency_with_or_without_a_due_date(services, city):
    older = file_case(services, category="other", language="en")  # as from before agencies: no due date either
    waiting = file_case(services, category="other", language="en")  # an officer has yet to give it an agency
    with services.session_factory.begin() as session:
        session.scalar(select(Case).where(Case.number == older)).due_on = None
    bot = services.conversation_engine
    bot.handle(Incoming("line", "U1", EventKind.FOLLOW, profile_language="en"))
    for data in ("action=all_topics", "action=district&d=all"):
        bot.handle(Incoming("line", "U1", EventKind.POSTBACK, data=data))
    text = bot.handle(Incoming("line", "U1", EventKind.POSTBACK, data="action=cases"))[0].text
    blocks = {block.split()[0]: block for block in text.split("\n\n")[1:]}
    assert set(blocks) == {older, waiting}, text
    assert "Due by" in blocks[waiting] and "Handled by" not in blocks[waiting]
    assert "Due by" not in blocks[older] and "Handled by" not in blocks[older]
    assert bot.texts("en", "status.received") in blocks[older]
    assert "None" not in text and "{" not in text


def test_an_overdue_case_is_reminded_to_its_agency_once(services, city):
    works, water, _line = city
    roads = file_case(services)
    drain = file_case(services, category="drainage", user="U2")
    done = file_case(services, user="U3")
    with services.session_factory.begin() as session:
        session.scalar(select(Case).where(Case.number == done)).status = "resolved"
    due_soon_at = datetime(2026, 10, 16, 1, 0, tzinfo=UTC)  # Friday: roads and drainage are due Monday 19
    with services.session_factory.begin() as session:
        soon = remind_due_cases(session, RULES, now=due_soon_at)
        assert {(r.case.number, r.kind) for r in soon} == {(roads, ReminderKind.DUE_SOON), (drain, "due_soon")}

    overdue_at = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)
    run = services.case_jobs(clock=lambda: overdue_at)[REMINDER_JOB][0]  # what the leading scheduler runs
    assert run() == 2 and run() == 0  # each case, kind and due date once

    with services.session_factory.begin() as session:
        mine = reminders_for(session, works)
        assert [(r.case.number, r.kind) for r in mine] == [(roads, "due_soon"), (roads, "overdue")]
        assert {r.case.number for r in reminders_for(session, APPROVER)} == {roads, drain}
        assert [c.number for c in overdue_cases(session, water, now=overdue_at)] == [drain]
        with pytest.raises(LookupError):
            mark_reminder_seen(session, water, mine[0].id, now=overdue_at)  # another agency's
        mark_reminder_seen(session, works, mine[0].id, now=overdue_at)
    with services.session_factory() as session:
        seen = session.get(CaseReminder, mine[0].id)
        assert seen.seen_by == "works-wang" and len(reminders_for(session, works)) == 1
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == AuditAction.CASE_REMINDER)) is not None


def test_agency_officers_see_and_answer_only_their_agency_s_cases(services, city):
    works, water, _line = city
    roads = file_case(services)
    drain = file_case(services, category="drainage", user="U2")
    unassigned = file_case(services, category="other", user="U3")
    with services.session_factory.begin() as session:
        assert [c.number for c in list_cases(session, works, now=RECEIVED)[0]] == [roads]
        assert [c.number for c in list_cases(session, water, now=RECEIVED)[0]] == [drain]
        assert list_cases(session, EDITOR, now=RECEIVED)[1] == 3
        with pytest.raises(CaseError, match="no case"):
            add_note(session, works, drain, "not ours", now=RECEIVED)
    with pytest.raises(CaseError, match="no case"):
        update_case(services, works, drain, status="closed", note=None, now=RECEIVED)
    with pytest.raises(CaseError, match="no case"):
        send_to_agency(services, works, unassigned, "public_works_bureau", reason=None, now=RECEIVED)
    # An editor gives the unassigned case to the works bureau; then its officers see it.
    send_to_agency(services, EDITOR, unassigned, "public_works_bureau", reason=None, now=RECEIVED)
    with services.session_factory.begin() as session:
        assert {c.number for c in list_cases(session, works, now=RECEIVED)[0]} == {roads, unassigned}


def test_agencies_are_seeded_once_and_edited_by_admins(services, city):
    from bot.office.accounts import Actor
    from bot.office.models import Role

    admin = Actor("ad-wu", Role.ADMIN)
    with services.session_factory.begin() as session:
        assert seed_agencies(session, services.glossary) == []
        agency = edit_agency(
            session, admin, "agriculture_bureau", names={"en": "Agriculture Bureau"}, active=False, now=RECEIVED
        )
        assert agency.name("en") == "Agriculture Bureau" and agency.name("zh-Hant") == "高雄市政府農業局"
        with pytest.raises(AgencyError, match="name \\(en\\)"):
            edit_agency(session, admin, "fire_bureau", names={"en": "Fire\x07"}, active=True, now=RECEIVED)
    assert case(services, file_case(services, category="animals")).agency is None  # retired: an officer assigns
    with services.session_factory.begin() as session, pytest.raises(AccountError, match="needs an agency"):
        create_officer(session, "nobody", "agency_officer")
