"""notices can ask recipients to check in; their answers ("I'm safe" / "I need help")

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ask_checkin', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'checkins',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=True),
        sa.Column('training', sa.Boolean(), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=True),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.Column('district', sa.String(length=32), nullable=False),
        sa.Column('answer', sa.String(length=8), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('created_at', messages.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', messages.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel', 'user_id', 'notice_id', name='uq_checkins_resident_notice'),
    )
    op.create_index('ix_checkins_notice', 'checkins', ['notice_id', 'district'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_checkins_notice', table_name='checkins')
    op.drop_table('checkins')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_column('ask_checkin')
