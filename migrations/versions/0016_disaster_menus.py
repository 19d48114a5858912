"""disaster mode: rich menus per kind and language, each LINE resident's menu kind, and the menu switches queued

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def _menus_table(name: str, *, with_kind: bool) -> None:
    columns = [sa.Column('kind', sa.String(length=16), nullable=False)] if with_kind else []
    keys = ['kind', 'language'] if with_kind else ['language']
    op.create_table(name, *columns,
                    sa.Column('language', sa.String(length=16), nullable=False),
                    sa.Column('rich_menu_id', sa.String(length=64), nullable=False),
                    sa.Column('created_at', messages.db.UTCDateTime(), nullable=False),
                    sa.PrimaryKeyConstraint(*keys, name=op.f(f'pk_{name}')))


def _rebuild_menus(*, with_kind: bool) -> None:
    # The primary key changes: the dozen rows are copied through a new table (portable to SQLite and PostgreSQL).
    op.rename_table('line_rich_menus', 'line_rich_menus_old')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE line_rich_menus_old RENAME CONSTRAINT pk_line_rich_menus TO pk_line_rich_menus_old')
    _menus_table('line_rich_menus', with_kind=with_kind)
    if with_kind:
        op.execute("INSERT INTO line_rich_menus (kind, language, rich_menu_id, created_at) "
                   "SELECT 'normal', language, rich_menu_id, created_at FROM line_rich_menus_old")
    else:
        op.execute("INSERT INTO line_rich_menus (language, rich_menu_id, created_at) "
                   "SELECT language, rich_menu_id, created_at FROM line_rich_menus_old WHERE kind = 'normal'")
    op.drop_table('line_rich_menus_old')


def upgrade() -> None:
    _rebuild_menus(with_kind=True)
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rich_menu_kind', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('rich_menu_target', sa.String(length=16), nullable=True))
        batch_op.create_index('ix_subscribers_rich_menu', ['rich_menu_target'], unique=False)
    op.create_table('menu_switches',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('rich_menu_id', sa.String(length=64), nullable=False),
    sa.Column('user_ids', sa.Text(), nullable=False),
    sa.Column('user_count', sa.Integer(), nullable=False),
    sa.Column('linked_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('lease_expires_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('sent_at', messages.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_menu_switches_notice_id_notices'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_menu_switches'))
    )
    op.create_index('ix_menu_switches_claim', 'menu_switches', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_menu_switches_notice', 'menu_switches', ['notice_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_menu_switches_notice', table_name='menu_switches')
    op.drop_index('ix_menu_switches_claim', table_name='menu_switches')
    op.drop_table('menu_switches')
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_index('ix_subscribers_rich_menu')
        batch_op.drop_column('rich_menu_target')
        batch_op.drop_column('rich_menu_kind')
    _rebuild_menus(with_kind=False)
