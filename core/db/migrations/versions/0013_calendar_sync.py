"""calendar sync: calendar_imports; every provider gets a feed token; providers.calendar_feed_url goes

Revision ID: 0013
Revises: 0010 (written against main's head; re-chain at merge)
Create Date: 2026-12-03 12:40:00

``providers.calendar_feed_url`` was never written: the imported calendar's address now
lives in ``calendar_imports`` with its refresh status, and "calendar_feed_url" in the
admin tool names the exported feed (/calendar/<token>.ics). Written by hand to match
core/db/tables_calendar.py (tests/integration/test_migrations.py compares the two).
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calendar_imports",
        sa.Column("provider_id", ID, nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("connected_at", WHEN, nullable=False),
        sa.Column("refreshed_at", WHEN, nullable=True),
        sa.Column("busy_count", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=64), nullable=True),
        sa.Column("last_error_at", WHEN, nullable=True),
        sa.ForeignKeyConstraint(
            ["provider_id"],
            ["providers.id"],
            name=op.f("fk_calendar_imports_provider_id_providers"),
        ),
        sa.PrimaryKeyConstraint("provider_id", name=op.f("pk_calendar_imports")),
    )
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.drop_column("calendar_feed_url")
    # Providers made before tokens were given at creation get one: every provider has a feed.
    providers = sa.table("providers", sa.column("id"), sa.column("calendar_token"))
    conn = op.get_bind()
    missing = conn.execute(
        sa.select(providers.c.id).where(providers.c.calendar_token.is_(None))
    ).scalars()
    for provider_id in list(missing):
        conn.execute(
            providers.update()
            .where(providers.c.id == provider_id)
            .values(calendar_token=secrets.token_hex(20))
        )


def downgrade() -> None:
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_feed_url", sa.Text(), nullable=True))
    op.drop_table("calendar_imports")
