"""CAP alerts received from the national platform, their keys, polled feeds and ingest rules

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cap_feeds',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('polled_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('retry_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cap_feeds'))
    )
    op.create_table('cap_rules',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('min_severity', sa.String(length=16), nullable=True),
    sa.Column('min_level', sa.String(length=32), nullable=True),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('notify_duty', sa.Boolean(), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.Column('updated_at', messages.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cap_rules')),
    sa.UniqueConstraint('name', name=op.f('uq_cap_rules_name'))
    )
    op.create_table('incoming_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('received_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=300), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('sender', sa.String(length=200), nullable=True),
    sa.Column('identifier', sa.String(length=200), nullable=True),
    sa.Column('sent', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=True),
    sa.Column('msg_type', sa.String(length=16), nullable=True),
    sa.Column('event_code', sa.String(length=64), nullable=True),
    sa.Column('headline', sa.Text(), nullable=True),
    sa.Column('kind', sa.String(length=64), nullable=True),
    sa.Column('districts', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('rule', sa.String(length=120), nullable=True),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of', sa.Integer(), nullable=True),
    sa.Column('claimed_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('decided_at', messages.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['duplicate_of'], ['incoming_alerts.id'], name=op.f('fk_incoming_alerts_duplicate_of_incoming_alerts')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_incoming_alerts_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incoming_alerts'))
    )
    with op.batch_alter_table('incoming_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incoming_alerts_digest'), ['digest'], unique=False)
        batch_op.create_index('ix_incoming_alerts_outcome', ['outcome', 'received_at'], unique=False)

    op.create_table('cap_alert_keys',
    sa.Column('sender', sa.String(length=200), nullable=False),
    sa.Column('identifier', sa.String(length=200), nullable=False),
    sa.Column('sent', sa.String(length=40), nullable=False),
    sa.Column('incoming_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incoming_id'], ['incoming_alerts.id'], name=op.f('fk_cap_alert_keys_incoming_id_incoming_alerts')),
    sa.PrimaryKeyConstraint('sender', 'identifier', 'sent', name=op.f('pk_cap_alert_keys'))
    )
    op.create_table('cap_feed_entries',
    sa.Column('feed', sa.String(length=64), nullable=False),
    sa.Column('entry_id', sa.String(length=300), nullable=False),
    sa.Column('fetched_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('incoming_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['incoming_id'], ['incoming_alerts.id'], name=op.f('fk_cap_feed_entries_incoming_id_incoming_alerts')),
    sa.PrimaryKeyConstraint('feed', 'entry_id', name=op.f('pk_cap_feed_entries'))
    )


def downgrade() -> None:
    op.drop_table('cap_feed_entries')
    op.drop_table('cap_alert_keys')
    with op.batch_alter_table('incoming_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_incoming_alerts_outcome')
        batch_op.drop_index(batch_op.f('ix_incoming_alerts_digest'))

    op.drop_table('incoming_alerts')
    op.drop_table('cap_rules')
    op.drop_table('cap_feeds')
