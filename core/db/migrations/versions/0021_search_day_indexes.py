"""slot_holds and blackouts indexed by day: the catalog search reads a day's holds and
blackouts once per query, as a set, instead of probing them per candidate service

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 23:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_slot_holds_day", "slot_holds", ["day", "service_id", "provider_id"])
    op.create_index("ix_blackouts_day", "blackouts", ["day", "provider_id"])


def downgrade() -> None:
    op.drop_index("ix_blackouts_day", table_name="blackouts")
    op.drop_index("ix_slot_holds_day", table_name="slot_holds")
