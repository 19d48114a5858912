"""Petitions are residents' data: no test key reads or changes them or tells a resident anything, internal notes
reach only officers who handle cases, and every read through the API is in the audit log with the key."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.conversation.models import Case, CaseEvent
from bot.conversation.petitions import open_case
from bot.office.accounts import Actor
from bot.office.cases import add_note
from bot.office.models import AuditEntry, Role
from tests.bot.api.conftest import auth, problem
from tests.support.recording_line import record_line_pushes

RULE = "test keys never touch residents' petitions"


@pytest.fixture
def case(world):
    now = datetime.now(UTC)
    with world.services.session_factory.begin() as session:
        number = open_case(
            session,
            channel="line",
            user_id="U" + "1" * 32,
            language="vi",
            category="roads",
            district="lingya",
            description="Ổ gà lớn.",
            location=None,
            photo=None,
            now=now,
        ).number
        add_note(session, Actor("editor", Role.EDITOR), number, "The resident called twice; be patient.", now=now)
    line = record_line_pushes(world.services)
    return number, line


def events(world):
    with world.services.session_factory() as session:
        return session.scalar(select(func.count()).select_from(CaseEvent)), session.scalar(select(Case.status))


def test_a_test_key_can_neither_read_nor_change_a_petition_nor_tell_its_resident(world, case):
    number, line = case
    key = auth(world.key("editor", "editor", mode="test"))
    before = events(world)
    for response in (
        world.client.get("/api/v1/cases", headers=key),
        world.client.get(f"/api/v1/cases/{number}", headers=key),
        world.client.post(f"/api/v1/cases/{number}/status", headers=key, json={"status": "resolved", "note": "fixed"}),
    ):
        assert problem(response, 403)["rule"] == RULE
    assert events(world) == before and line.pushes == []


def test_internal_notes_reach_only_officers_who_handle_cases(world, case):
    number, line = case
    editor, viewer = auth(world.key("editor", "editor")), auth(world.key("viewer", "viewer"))
    seen_by_editor = world.client.get(f"/api/v1/cases/{number}", headers=editor).get_json()
    assert [e["note"] for e in seen_by_editor["events"] if e["internal"]] == ["The resident called twice; be patient."]
    seen_by_viewer = world.client.get(f"/api/v1/cases/{number}", headers=viewer)
    assert seen_by_viewer.status_code == 200
    assert not [e for e in seen_by_viewer.get_json()["events"] if e["internal"]]
    assert seen_by_viewer.get_json()["description"] == "Ổ gà lớn."
    refused = problem(
        world.client.post(f"/api/v1/cases/{number}/status", headers=viewer, json={"status": "resolved"}), 403
    )
    assert "viewer" in refused["detail"] and line.pushes == []


def test_every_read_of_a_petition_is_in_the_audit_log_with_its_key(world, case):
    number, _line = case
    key = world.key("editor", "editor")
    key_id = key.split("_")[2]
    world.client.get(f"/api/v1/cases/{number}", headers=auth(key))
    world.client.get("/api/v1/cases", headers=auth(key))
    world.client.get("/api/v1/cases?status=closed", headers=auth(key))  # nothing shown: nothing read
    with world.services.session_factory() as session:
        reads = session.execute(
            select(AuditEntry.action, AuditEntry.actor, AuditEntry.key_id, AuditEntry.detail)
            .where(AuditEntry.action.in_(("read_case", "read_cases")))
            .order_by(AuditEntry.id)
        ).all()
    assert [(r.action, r.actor, r.key_id) for r in reads] == [
        ("read_case", "editor", key_id),
        ("read_cases", "editor", key_id),
    ]
    assert reads[1].detail["numbers"] == [number]
    assert reads[1].detail["said"]["params"] == {"numbers": number}
