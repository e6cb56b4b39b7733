"""tickets.category (what a ticket is about), search_counts (the dashboard's searches), and
one open flag per cause and subject enforced by a unique partial index; ledger_entries.retried_at
(failed payout transfers sent again)

Revision ID: 0019
Revises: 0010 (re-chained at merge)
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

WHEN = core.db.base.UTCDateTime(timezone=True)

revision = "0019"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(
            sa.Column("category", sa.String(16), nullable=False, server_default="other")
        )
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(sa.Column("retried_at", WHEN, nullable=True))
    op.create_table(
        "search_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", name=op.f("pk_search_counts")),
    )
    # Open duplicates written by the race the index now prevents: the oldest one stays open.
    op.execute(
        "UPDATE flags SET resolved_at = created_at, resolved_by = 'migration', "
        "note = 'duplicate of an older open flag' "
        "WHERE resolved_at IS NULL AND id > (SELECT MIN(f.id) FROM flags f "
        "WHERE f.kind = flags.kind AND f.subject_type = flags.subject_type "
        "AND f.subject_id = flags.subject_id AND f.resolved_at IS NULL)"
    )
    op.create_index(
        "uq_flags_open_subject",
        "flags",
        ["kind", "subject_type", "subject_id"],
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("retried_at")
    op.drop_index("uq_flags_open_subject", table_name="flags")
    op.drop_table("search_counts")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("category")
