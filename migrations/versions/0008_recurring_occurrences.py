"""each occurrence of a recurring notice is recorded once: its time, unique per recurring notice

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('occurrence_at', messages.db.UTCDateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_notices_occurrence', ['recurrence_of', 'occurrence_at'])


def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_notices_occurrence', type_='unique')
        batch_op.drop_column('occurrence_at')
