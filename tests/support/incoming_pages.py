"""Helpers of the console's incoming-alert and ingest-rule page tests: a viewer, the rules' audit rows, the rules."""

from __future__ import annotations

from sqlalchemy import select

from bot.office.accounts import create_officer
from bot.office.models import AuditEntry
from ingest.rules import rule_rows
from tests.support.console_pages import Officer

VIEWER_PASSWORD = "viewer-password-2026"


def sign_in_viewer(app, services) -> Officer:
    with services.session_factory.begin() as session:
        create_officer(session, "vw-ho", "viewer", display_name="Ho", password=VIEWER_PASSWORD)
    return Officer(app, "vw-ho", password=VIEWER_PASSWORD)


def ingest_audit(services) -> list[tuple[str, str, str]]:
    with services.session_factory() as session:
        return [
            (e.action, e.subject_id, e.summary or "")
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.subject_type == "ingest_rule").order_by(AuditEntry.id)
            )
        ]


def rules_of(services) -> list[tuple[str, str, str]]:
    with services.session_factory() as session:
        return [(row.name, row.kind, row.action) for row in rule_rows(session)]
