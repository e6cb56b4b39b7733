"""bookings.source: where the client came from when they asked for this booking

Revision ID: 0009
Revises: 0005 (written on 0003; re-chained onto the current head at merge)
Create Date: 2026-12-03 08:10:00.000000

``users.source`` keeps the first acquisition source of a person (the first deep link
they opened). A booking needs its own: the link that led to *this* booking (a
provider's page shared on WhatsApp, a campaign) may come long after the first visit,
and counting bookings by source must not credit the first channel with everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("source")
