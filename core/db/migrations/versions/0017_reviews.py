"""reviews: a client's stars and comment on a completed booking, and the provider's reply

Revision ID: 0017
Revises: 0010 (written against main's head; re-chain at merge)
Create Date: 2026-12-03 12:30:00

Written by hand to match core/db/tables_reviews.py (tests/integration/test_migrations.py
compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0017"
down_revision = "0019"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "reviews",
        sa.Column("id", ID, nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("provider_id", ID, nullable=False),
        sa.Column("client_id", ID, nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("comment", sa.String(length=500), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("reply", sa.String(length=500), nullable=True),
        sa.Column("replied_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.CheckConstraint("stars BETWEEN 1 AND 5", name=op.f("ck_reviews_stars_range")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_reviews_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["client_id"], ["users.id"], name=op.f("fk_reviews_client_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["provider_id"], ["providers.id"], name=op.f("fk_reviews_provider_id_providers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_reviews_booking_id")),
    )
    op.create_index(
        "ix_reviews_provider_created", "reviews", ["provider_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_provider_created", table_name="reviews")
    op.drop_table("reviews")
