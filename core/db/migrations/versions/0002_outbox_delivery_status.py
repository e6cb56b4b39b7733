"""outbox delivery status (WhatsApp status callbacks)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column(
                'delivery_updated_at', core.db.base.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('delivery_updated_at')
        batch_op.drop_column('delivery_status')
