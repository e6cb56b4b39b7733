"""invoice parties: who is billed and who bills (names, legal identifiers); credit notes

Revision ID: 0015
Revises: 0010 (written against main's head; re-chain at merge)
Create Date: 2026-12-03 12:30:00

Written by hand to match core/db/tables_people.py, tables_booking.py, tables_catalog.py
and tables_payments.py (tests/integration/test_migrations.py compares the two).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import core.db.base

revision = "0015"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = core.db.base.UTCDateTime(timezone=True)
LEGAL_COLUMNS = ("legal_rc", "legal_if", "legal_ice", "legal_address", "legal_name")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("full_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_name", sa.String(length=200), nullable=True))
    with op.batch_alter_table("providers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("legal_address", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("legal_ice", sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column("legal_if", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("legal_rc", sa.String(length=40), nullable=True))
    op.create_table(
        "credit_note_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_credit_note_counters")),
    )
    op.create_table(
        "credit_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("booking_id", ID, nullable=False),
        sa.Column("invoice_id", ID, nullable=False),
        sa.Column("refund_id", ID, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_credit_notes_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_credit_notes_invoice_id_invoices")
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_credit_notes_refund_id_refunds")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_notes")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_notes_number")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_credit_notes_refund_id")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_credit_notes_year_sequence")),
    )
    op.create_index(op.f("ix_credit_notes_booking_id"), "credit_notes", ["booking_id"])
    op.create_index(op.f("ix_credit_notes_invoice_id"), "credit_notes", ["invoice_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_credit_notes_invoice_id"), table_name="credit_notes")
    op.drop_index(op.f("ix_credit_notes_booking_id"), table_name="credit_notes")
    op.drop_table("credit_notes")
    op.drop_table("credit_note_counters")
    with op.batch_alter_table("providers", schema=None) as batch_op:
        for column in LEGAL_COLUMNS:
            batch_op.drop_column(column)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_column("contact_name")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("full_name")
