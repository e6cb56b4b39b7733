"""booking_proposals.note: the provider's words to the client with other terms

A proposal said only "Total: 82,500 → 85,000 MAD. Do you accept?": the client was asked
to pay more without a reason. The provider may now say why ("20 vegetarian plates are
extra"), shown under the terms on both sides.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_proposals") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_proposals") as batch:
        batch.drop_column("note")
