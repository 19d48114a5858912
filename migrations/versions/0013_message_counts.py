"""the bot's LINE replies (free) and pushes (paid) counted per channel and month, for the delivery report

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'message_counts',
        sa.Column('channel', sa.String(length=64), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('updated_at', messages.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('channel', 'month', 'kind', name=op.f('pk_message_counts')),
    )


def downgrade() -> None:
    op.drop_table('message_counts')
