"""money columns as 64-bit integers (BIGINT) on every database

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 07:50:00.000000

PostgreSQL's INTEGER ends at 2 147 483 647 minor units (21 474 836,47 MAD), which a
per-guest price times a large party passes; SQLite stored such totals anyway, so the two
databases disagreed. The check constraints on these columns stay as they are (batch mode
copies them on SQLite; PostgreSQL keeps them through ALTER COLUMN TYPE).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MONEY_COLUMNS: dict[str, tuple[tuple[str, bool], ...]] = {
    'services': (('price_minor', False),),
    'bookings': (
        ('total_minor', False),
        ('deposit_minor', False),
        ('balance_minor', False),
        ('paid_minor', False),
        ('refunded_minor', False),
    ),
    'payments': (('amount_minor', False), ('refunded_minor', False)),
    'refunds': (('amount_minor', False),),
    'invoices': (
        ('amount_minor', False),
        ('total_minor', False),
        ('paid_to_date_minor', False),
        ('balance_due_minor', False),
    ),
    'ledger_entries': (('amount_minor', False), ('commission_minor', True)),
}


def _retype(old: sa.types.TypeEngine[int], new: sa.types.TypeEngine[int]) -> None:
    for table, columns in MONEY_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, nullable in columns:
                batch_op.alter_column(
                    name, existing_type=old, type_=new, existing_nullable=nullable
                )


def upgrade() -> None:
    _retype(sa.Integer(), sa.BigInteger())


def downgrade() -> None:
    # Amounts past INTEGER's range make PostgreSQL refuse this, as it should: nothing is
    # silently cut.
    _retype(sa.BigInteger(), sa.Integer())
