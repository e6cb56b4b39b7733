"""tickets.category (what a ticket is about) and search_counts (the dashboard's searches)

Revision ID: 0019
Revises: 0010 (re-chained at merge)
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("category", sa.String(16), nullable=False, server_default="other")
        )
    op.create_table(
        "search_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", name=op.f("pk_search_counts")),
    )


def downgrade() -> None:
    op.drop_table("search_counts")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("category")
