"""subscribers, outbox and channel states

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recurrence', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('recurrence_of', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_notices_recurrence_of_notices'), 'notices', ['recurrence_of'],
                                    ['id'])
    op.create_table('channel_states',
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('paused', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('channel', name=op.f('pk_channel_states'))
    )
    op.create_table('subscribers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('platform_user_id', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('topics', sa.Integer(), nullable=False),
    sa.Column('districts', sa.BigInteger(), nullable=False),
    sa.Column('whole_city', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('test_recipient', sa.Boolean(), nullable=False),
    sa.Column('label', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscribers')),
    sa.UniqueConstraint('channel', 'platform_user_id', name=op.f('uq_subscribers_channel'))
    )
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.create_index('ix_subscribers_segment', ['channel', 'status', 'language', 'id', 'topics', 'whole_city', 'districts', 'platform_user_id'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('lease_expires_at', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('platform_request_id', sa.String(length=128), nullable=True),
    sa.Column('duplicate', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_deliveries_notice_id_notices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_claim', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_deliveries_notice', ['notice_id', 'channel', 'language'], unique=False)

    op.create_table('delivery_recipients',
    sa.Column('delivery_id', sa.String(length=36), nullable=False),
    sa.Column('recipients', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], name=op.f('fk_delivery_recipients_delivery_id_deliveries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('delivery_id', name=op.f('pk_delivery_recipients'))
    )
    if op.get_bind().dialect.name == 'postgresql':
        # Lists of user ids barely compress; compressing them only slows every fan-out down.
        op.execute('ALTER TABLE delivery_recipients ALTER COLUMN recipients SET STORAGE EXTERNAL')


def downgrade() -> None:
    op.drop_table('delivery_recipients')
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_notice')
        batch_op.drop_index('ix_deliveries_claim')

    op.drop_table('deliveries')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index('ix_subscribers_segment')

    op.drop_table('subscribers')
    op.drop_table('channel_states')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notices_recurrence_of_notices'), type_='foreignkey')
        batch_op.drop_column('recurrence_of')
        batch_op.drop_column('recurrence')
