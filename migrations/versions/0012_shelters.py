"""the national evacuation-shelter list and which shelters are open

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

A branch adding another migration after 0011 at the same time renumbers one of them at merge.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import messages.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('shelters',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('identity', sa.String(length=64), nullable=False),
    sa.Column('serial', sa.String(length=16), nullable=True),
    sa.Column('county', sa.String(length=8), nullable=False),
    sa.Column('town', sa.String(length=16), nullable=False),
    sa.Column('district', sa.String(length=32), nullable=False),
    sa.Column('village', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_key', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('villages_served', sa.Text(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('hazards', sa.JSON(), nullable=False),
    sa.Column('indoor', sa.Boolean(), nullable=True),
    sa.Column('outdoor', sa.Boolean(), nullable=True),
    sa.Column('vulnerable_ok', sa.Boolean(), nullable=True),
    sa.Column('manager_name', sa.String(length=120), nullable=True),
    sa.Column('manager_phone', sa.String(length=64), nullable=True),
    sa.Column('withdrawn_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('open_changed_at', messages.db.UTCDateTime(), nullable=True),
    sa.Column('open_changed_by', sa.String(length=120), nullable=True),
    sa.Column('imported_at', messages.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', messages.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shelters')),
    sa.UniqueConstraint('identity', name=op.f('uq_shelters_identity'))
    )
    with op.batch_alter_table('shelters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shelters_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_shelters_name_key'), ['name_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('shelters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shelters_name_key'))
        batch_op.drop_index(batch_op.f('ix_shelters_district'))

    op.drop_table('shelters')