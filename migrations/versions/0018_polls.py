"""polls: a notice of kind poll, its options and when it closes; residents' votes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "polls",
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("closes_at", messages.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("notice_id"),
    )
    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phrase_key", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("origins", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "position", name="uq_poll_options_position"),
    )
    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("created_at", messages.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "user_id", "notice_id", name="uq_poll_votes_resident_notice"),
    )
    op.create_index("ix_poll_votes_notice", "poll_votes", ["notice_id", "district"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_poll_votes_notice", table_name="poll_votes")
    op.drop_table("poll_votes")
    op.drop_table("poll_options")
    op.drop_table("polls")
