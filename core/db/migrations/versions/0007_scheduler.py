"""scheduler: the sweep lease and each sweep's last run

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-03 08:00:00

Written by hand to match core/db/tables_scheduler.py (tests/integration/test_migrations.py
compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None

WHEN = core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("acquired_at", WHEN, nullable=False),
        sa.Column("renewed_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "scheduler_sweeps",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=True),
        sa.Column("last_started_at", WHEN, nullable=True),
        sa.Column("last_finished_at", WHEN, nullable=True),
        sa.Column("next_run_at", WHEN, nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("last_result", sa.JSON(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", WHEN, nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_sweeps")),
    )


def downgrade() -> None:
    op.drop_table("scheduler_sweeps")
    op.drop_table("scheduler_leases")
