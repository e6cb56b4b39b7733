"""booking_proposals and delivery_proofs: the provider's counter-proposals and proofs

Revision ID: 0014
Revises: 0010 (written against main's head; re-chained at merge)
Create Date: 2026-12-03 12:30:00

Written by hand to match core/db/tables_proposals.py (tests/integration/test_migrations.py
compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "booking_proposals",
        sa.Column("id", ID, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("proposed_by", ID, nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=False),
        sa.Column("from_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("to_total_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("answered_at", WHEN, nullable=True),
        sa.CheckConstraint(
            "to_date <> from_date OR to_total_minor <> from_total_minor",
            name=op.f("ck_booking_proposals_proposes_something"),
        ),
        sa.CheckConstraint(
            "to_total_minor > 0",
            name=op.f("ck_booking_proposals_total_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_booking_proposals_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_booking_proposals_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_booking_proposals")),
    )
    op.create_index(
        "ix_booking_proposals_booking", "booking_proposals", ["booking_id", "status"], unique=False
    )
    op.create_table(
        "delivery_proofs",
        sa.Column("id", ID, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_delivery_proofs_booking_id_bookings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_proofs")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_delivery_proofs_booking_id")),
    )


def downgrade() -> None:
    op.drop_table("delivery_proofs")
    op.drop_index("ix_booking_proposals_booking", table_name="booking_proposals")
    op.drop_table("booking_proposals")
