"""petitions: agencies, each case's agency and due date, the agency of each step, agency officers, reminders

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", messages.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_agencies")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_agency"), ["agency"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_cases_agency_agencies"), "agencies", ["agency"], ["key"])
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency", sa.String(length=64), nullable=True))
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agency", sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_officers_agency_agencies"), "agencies", ["agency"], ["key"])
    op.create_table(
        "case_reminders",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", messages.db.UTCDateTime(), nullable=False),
        sa.Column("seen_at", messages.db.UTCDateTime(), nullable=True),
        sa.Column("seen_by", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_reminders_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_reminders")),
        sa.UniqueConstraint("case_id", "kind", "due_on", name="uq_case_reminders_case_kind_due"),
    )
    op.create_index("ix_case_reminders_agency", "case_reminders", ["agency", "seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_case_reminders_agency", table_name="case_reminders")
    op.drop_table("case_reminders")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_officers_agency_agencies"), type_="foreignkey")
        batch_op.drop_column("agency")
    with op.batch_alter_table("case_events", schema=None) as batch_op:
        batch_op.drop_column("agency")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_cases_agency_agencies"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cases_agency"))
        batch_op.drop_column("due_on")
        batch_op.drop_column("agency")
