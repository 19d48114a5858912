"""Petitions from before agencies: migration 0019 gives them their category's agency, ``civicast db upgrade`` asks
for ``civicast case fill-due-dates``, which gives them the due dates their rules give (each change audited)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.conversation.deadlines import PetitionRules
from bot.conversation.models import Agency, Case
from bot.conversation.petitions import open_case
from bot.conversation.working_days import add_working_days
from bot.office.accounts import actor_of, create_officer
from bot.office.agencies import seed_agencies
from bot.office.audit import AuditAction
from bot.office.case_backfill import FILL_COMMAND, fill_missing_due_dates
from bot.office.models import AuditEntry
from bot.office.services import Services
from bot.settings import load_settings
from tests.support.cli import run

RECEIVED = datetime(2024, 2, 5, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Taipei, three days before Lunar New Year


def older_case(session, category: str, *, keep_due_date: bool = False) -> str:
    """A case as it was before agencies: received on RECEIVED, no agency, no due date."""
    case = open_case(
        session,
        channel=None,
        user_id=None,
        language="zh-Hant",
        category=category,
        district="lingya",
        description="x" * 12,
        location=None,
        photo=None,
        now=RECEIVED,
    )
    case.agency = None
    if not keep_due_date:
        case.due_on = None
    return case.number


def audit(services, number: str) -> list[tuple[str, str]]:
    with services.session_factory() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "case", AuditEntry.subject_id == number)
            .order_by(AuditEntry.id)
        )
        return [(row.action, row.actor) for row in rows]


def cases(services) -> dict[str, tuple[str | None, date | None]]:
    with services.session_factory() as session:
        return {case.number: (case.agency, case.due_on) for case in session.scalars(select(Case))}


@pytest.fixture
def older(capsys, config):
    """A database at 0018 holding agencies (the water resources bureau retired) and cases from before them."""
    assert run(capsys, "db", "upgrade", "--revision", "0018")[0] == 0
    built = Services(load_settings(config, environ={}))
    with built.session_factory.begin() as session:
        seed_agencies(session, built.glossary)
        session.get(Agency, "water_resources_bureau").active = False
        numbers = {
            "roads": older_case(session, "roads"),
            "drainage": older_case(session, "drainage"),
            "other": older_case(session, "other"),
            "sorted": older_case(session, "other", keep_due_date=True),  # an officer's to assign; it has its date
        }
    yield built, numbers
    built.close()


def test_the_migration_gives_older_cases_their_agency_and_the_command_their_due_date(capsys, older):
    services, numbers = older
    sorted_before = cases(services)[numbers["sorted"]]
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"3 petitions have no due date (from before agencies): run `{FILL_COMMAND}`" in out
    after = cases(services)
    assert after[numbers["roads"]] == ("public_works_bureau", None)
    assert after[numbers["drainage"]] == (None, None)  # its agency is retired: nobody to give it to yet
    assert after[numbers["other"]] == (None, None)
    assert after[numbers["sorted"]] == sorted_before
    assert audit(services, numbers["roads"]) == [("assign_agency", "system:migration-0019")]
    assert audit(services, numbers["drainage"]) == []

    with services.session_factory.begin() as session:  # the bureau answers petitions again
        session.get(Agency, "water_resources_bureau").active = True
    code, out, _ = run(capsys, "case", "fill-due-dates")
    assert code == 0 and "3 petitions given a due date" in out
    after = cases(services)
    # Six working days counted from the day after it was received, Lunar New Year's days off skipped.
    six = add_working_days(date(2024, 2, 5), 6)
    assert six > date(2024, 2, 14)
    assert after[numbers["roads"]] == ("public_works_bureau", six)
    assert after[numbers["drainage"]] == ("water_resources_bureau", six)
    assert after[numbers["other"]] == (None, six)
    assert after[numbers["sorted"]] == sorted_before
    assert audit(services, numbers["roads"]) == [
        ("assign_agency", "system:migration-0019"),
        ("fill_due_date", "cli"),
    ]
    assert audit(services, numbers["drainage"]) == [("assign_agency", "cli"), ("fill_due_date", "cli")]

    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0 and "no due date" not in out
    assert "0 petitions given a due date" in run(capsys, "case", "fill-due-dates")[1]


def test_an_agency_officer_fills_only_their_agency_s_cases(capsys, older):
    services, numbers = older
    assert run(capsys, "db", "upgrade")[0] == 0
    with services.session_factory.begin() as session:
        works = actor_of(create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau")[0])
        filled = fill_missing_due_dates(session, works, PetitionRules(), now=datetime.now(UTC))
        assert [case.number for case in filled] == [numbers["roads"]]
        assert session.scalar(select(AuditEntry.action).where(AuditEntry.actor == "works-wang")) == (
            AuditAction.FILL_DUE_DATE
        )
    assert cases(services)[numbers["other"]] == (None, None)
