"""admin: the audit trail of admin actions; tickets and flags an admin can work on

Revision ID: 0008
Revises: 0005 (written against main's head; re-chain at merge)
Create Date: 2026-12-03 08:25:00

Written by hand to match core/db/tables_admin.py, tables_ops.py and tables_booking.py
(tests/integration/test_migrations.py compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = core.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "admin_audit",
        sa.Column("id", ID, nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=48), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_audit")),
    )
    op.create_index(op.f("ix_admin_audit_at"), "admin_audit", ["at"], unique=False)
    op.create_index(
        "ix_admin_audit_subject", "admin_audit", ["subject_type", "subject_id"], unique=False
    )
    op.create_index("ix_bookings_created_at", "bookings", ["created_at"], unique=False)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("audience", sa.String(length=16), server_default="client", nullable=False)
        )
        batch_op.add_column(sa.Column("assignee", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", WHEN, nullable=True))
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("occurrences", sa.Integer(), server_default="1", nullable=False)
        )
        batch_op.add_column(sa.Column("updated_at", WHEN, nullable=True))
        batch_op.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_by", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_flags_subject", ["kind", "subject_type", "subject_id"])


def downgrade() -> None:
    with op.batch_alter_table("flags", schema=None) as batch_op:
        batch_op.drop_index("ix_flags_subject")
        for column in ("resolved_by", "note", "updated_at", "occurrences"):
            batch_op.drop_column(column)
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for column in ("closed_at", "rating", "assignee", "audience"):
            batch_op.drop_column(column)
    op.drop_index("ix_bookings_created_at", table_name="bookings")
    op.drop_index("ix_admin_audit_subject", table_name="admin_audit")
    op.drop_index(op.f("ix_admin_audit_at"), table_name="admin_audit")
    op.drop_table("admin_audit")
