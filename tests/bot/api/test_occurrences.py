"""Missed occurrences of a recurring notice, as the API shows them: listed by status, counted in the report."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.office.models import AuditEntry
from tests.bot.api.conftest import auth
from tests.support.occurrences import FIRST, daily_notice_with_missed_occurrences


def test_missed_occurrences_are_listed_and_reported(world):
    world.residents(50)
    officer = auth(world.key("approver", "approver"))
    template_id, copies = daily_notice_with_missed_occurrences(world.services, world.services.composer)
    missed = [copies[FIRST], copies[FIRST + timedelta(days=1)]]
    sent = copies[FIRST + timedelta(days=2)]

    listed = world.client.get("/api/v1/notices?status=missed", headers=officer)
    assert listed.status_code == 200
    items = listed.get_json()["items"]
    assert sorted(item["id"] for item in items) == sorted(missed)
    assert {item["recurrence_of"] for item in items} == {template_id}
    assert sorted(item["occurrence_at"] for item in items) == ["2026-12-01T00:00:00+00:00", "2026-12-02T00:00:00+00:00"]

    report = world.client.get(f"/api/v1/notices/{template_id}/report", headers=officer)
    assert report.status_code == 200
    occurrences = report.get_json()["occurrences"]
    assert occurrences["total"] == 3 and occurrences["missed"] == 2
    assert [(o["notice_id"], o["status"]) for o in occurrences["items"]] == [
        (sent, "sending"),
        (missed[1], "missed"),
        (missed[0], "missed"),
    ]

    one = world.client.get(f"/api/v1/notices/{sent}/report", headers=officer).get_json()
    assert one["occurrence_of"] == template_id and one["occurrence_at"] == "2026-12-03T00:00:00+00:00"
    assert one["occurrences"] is None and one["channels"]["line"]["targeted"] > 0


def test_the_scheduler_s_sends_and_misses_are_in_the_audit_log(world):
    world.residents(20)
    template_id, copies = daily_notice_with_missed_occurrences(world.services, world.services.composer)
    with world.services.session_factory() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.actor == "scheduler")).all()
    by_notice = {int(row.subject_id): row for row in rows}
    assert {row.action for row in rows} == {"send", "missed"} and len(rows) == 3
    assert by_notice[copies[FIRST + timedelta(days=2)]].action == "send"
    assert (
        by_notice[copies[FIRST]].action == "missed"
        and f"recurring notice {template_id}" in by_notice[copies[FIRST]].summary
    )
    assert all(row.via == "system" and row.subject_type == "notice" for row in rows)
