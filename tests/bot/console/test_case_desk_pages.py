"""The console's petition agencies and deadlines: the case desk's reminders and overdue list, sending and
transferring a case, the agencies page, and agency officers who see only their agency's cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.conversation.deadlines import PetitionRules
from bot.conversation.models import Case
from bot.office.accounts import create_officer
from bot.office.agencies import seed_agencies
from bot.office.case_deadlines import remind_due_cases
from tests.support.console_pages import Officer, add_case, audit_actions, check_accessible_structure, html, text

WORKS_PASSWORD = "works-password-2026"


def city(services):
    with services.session_factory.begin() as session:
        seed_agencies(session, services.glossary)
        create_officer(session, "works-wang", "agency_officer", agency="public_works_bureau", password=WORKS_PASSWORD)


def overdue(services, number, days=3):
    with services.session_factory.begin() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        case.due_on = datetime.now(UTC).date() - timedelta(days=days)


def test_the_desk_lists_overdue_cases_and_their_reminders_in_both_languages(app, services):
    city(services)
    roads = add_case(services)
    drain = add_case(services, category="drainage", user_id="U" + "2" * 32)
    overdue(services, roads)
    overdue(services, drain, days=1)
    with services.session_factory.begin() as session:
        assert len(remind_due_cases(session, PetitionRules(), now=datetime.now(UTC))) == 2
    admin = Officer(app, "ad-wu")
    for lang in ("en", "zh-Hant"):
        admin.language(lang)
        tree = html(admin.get("/console/cases/desk"))
        check_accessible_structure(tree)
        assert roads in text(tree) and drain in text(tree)
    admin.language("en")
    assert "Public Works Bureau, Kaohsiung City Government" in text(html(admin.get("/console/cases/desk")))

    works = Officer(app, "works-wang", password=WORKS_PASSWORD)
    assert works.get("/console/").headers["Location"].endswith("/console/cases/desk")
    page = text(html(works.get("/console/cases/desk")))
    assert roads in page and drain not in page
    assert works.get(f"/console/cases/{drain}").status_code == 404
    assert works.get("/console/audit").status_code == 403
    listed = text(html(works.get("/console/cases")))
    assert roads in listed and drain not in listed


def test_an_officer_sends_and_transfers_a_case_the_audit_log_keeps_it(app, services):
    city(services)
    number = add_case(services, category="other")
    admin = Officer(app, "ad-wu")
    assert "no agency yet" in text(html(admin.get(f"/console/cases/{number}")))
    sent = admin.post(f"/console/cases/{number}/agency", {"agency": "public_works_bureau"}, follow_redirects=True)
    assert "Sent to Public Works Bureau" in text(html(sent))
    refused = admin.post(f"/console/cases/{number}/agency", {"agency": "water_resources_bureau"}, follow_redirects=True)
    assert "reason" in text(html(refused))
    moved = admin.post(
        f"/console/cases/{number}/agency",
        {"agency": "water_resources_bureau", "reason": "A blocked drain"},
        follow_redirects=True,
    )
    assert "Transferred to Water Resources Bureau" in text(html(moved))
    changes = [action for action in audit_actions(services, "case", number) if action != "read_case"]
    assert changes == ["assign_agency", "transfer_case"]


def test_admins_rename_and_retire_agencies(app, services):
    city(services)
    admin = Officer(app, "ad-wu")
    check_accessible_structure(html(admin.get("/console/agencies")))
    saved = admin.post(
        "/console/agencies/agriculture_bureau",
        {"name-en": "Agriculture Bureau, Kaohsiung", "name-zh-Hant": ""},
        follow_redirects=True,
    )
    assert "The agency is saved." in text(html(saved))
    bad = admin.post("/console/agencies/new", {"key": "Bad Key", "name-en": "x"})
    assert bad.status_code == 422 and "not an agency key" in text(html(bad))
    assert Officer(app, "ed-lin").get("/console/agencies").status_code == 403
    assert add_case(services, category="animals")  # retired: the case waits for an officer
    assert audit_actions(services, "agency", "agriculture_bureau") == ["edit_agency"]
