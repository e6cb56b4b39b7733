"""outbox.released: a release of held news reached this message while it was being sent

A person's message releases the news held for them (`release_held`). A message whose
attempt was under way at that moment was not held yet; if the attempt then found nobody
to reach, its hold was recorded after the release and waited for the next look. The
release now marks such a row, and the attempt's hold becomes a pending message instead.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("released", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("released")
