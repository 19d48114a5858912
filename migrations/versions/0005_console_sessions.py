"""console sessions kept on the server

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('started_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('ended_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('ended_reason', sa.String(length=32), nullable=True),
    sa.Column('remote_addr', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['officer_id'], ['officers.id'], name=op.f('fk_console_sessions_officer_id_officers'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_sessions_token_hash'))
    )
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_sessions_officer_id'), ['officer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('console_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_sessions_officer_id'))
    op.drop_table('console_sessions')
