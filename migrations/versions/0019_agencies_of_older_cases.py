"""petitions from before agencies: each case with neither agency nor due date gets its category's agency

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07

Only the agency is set here. The due date counts working days on the official calendar (the ``taiwan-holidays``
package, whose tables change from one release to the next) and the typhoon days off declared by live notices: a
migration that gave different dates depending on the installed package would not be repeatable, so the due dates
are filled by ``civicast case fill-due-dates`` (through the office layer, audited), which ``civicast db upgrade``
asks the operator to run while such cases exist.

The category map is the one of revision 0017, written out here so that a later change to the code's defaults does
not change what this migration did. A case whose agency is not in the agencies table (not yet seeded) or retired
keeps no agency: ``civicast case fill-due-dates`` gives it the configured one if there is one by then, else an
officer assigns it, as with a new case.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import messages.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

MIGRATION_ACTOR = "system:migration-0019"
CATEGORY_AGENCIES = {
    "roads": "public_works_bureau",
    "drainage": "water_resources_bureau",
    "lighting": "public_works_bureau",
    "sanitation": "environmental_protection_bureau",
    "noise": "environmental_protection_bureau",
    "traffic": "transportation_bureau",
    "parks": "public_works_bureau",
    "animals": "agriculture_bureau",
    "disaster": "disaster_response_center",
}

cases = sa.table(
    "cases",
    sa.column("id", sa.Integer),
    sa.column("number", sa.String),
    sa.column("category", sa.String),
    sa.column("agency", sa.String),
    sa.column("due_on", sa.Date),
)
agencies = sa.table("agencies", sa.column("key", sa.String), sa.column("active", sa.Boolean))
audit_log = sa.table(
    "audit_log",
    sa.column("at", messages.db.UTCDateTime()),
    sa.column("actor", sa.String),
    sa.column("via", sa.String),
    sa.column("action", sa.String),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.String),
    sa.column("summary", sa.Text),
    sa.column("detail", sa.JSON),
)


def upgrade() -> None:
    connection = op.get_bind()
    active = set(connection.scalars(sa.select(agencies.c.key).where(agencies.c.active.is_(True))))
    older = connection.execute(
        sa.select(cases.c.id, cases.c.number, cases.c.category).where(
            cases.c.agency.is_(None), cases.c.due_on.is_(None)
        )
    ).all()
    now = datetime.now(UTC)
    for case_id, number, category in older:
        key = CATEGORY_AGENCIES.get(category)
        if key not in active:
            continue
        connection.execute(sa.update(cases).where(cases.c.id == case_id).values(agency=key))
        # Who gave the case its agency, as for any other assignment: the audit log keeps it.
        connection.execute(
            sa.insert(audit_log).values(
                at=now,
                actor=MIGRATION_ACTOR,
                via="system",
                action="assign_agency",
                subject_type="case",
                subject_id=number,
                summary=f"{key} (its category's agency; the case is from before agencies)",
                detail={"from": None, "to": key},
            )
        )


def downgrade() -> None:
    # The assignments are kept: they are what the audit log says happened, and 0018's schema holds them as well.
    pass
