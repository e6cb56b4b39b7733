"""services: a cancellation policy of their own, and deletion that keeps the row

Revision ID: 0012
Revises: 0010 (written against main's head; re-chain at merge)
Create Date: 2026-12-03 12:30:00

The provider bot's services editor (issue 13) picks a cancellation policy per service
from presets (``cancellation_policy``, tiers as ``providers.cancellation_policy``; NULL:
the provider's) and deletes a service by stamping ``deleted_at``: bookings, past ones
included, still name it, so the row stays.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0012"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancellation_policy", sa.JSON(), nullable=True))
        batch_op.add_column(
            sa.Column("deleted_at", core.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("cancellation_policy")
