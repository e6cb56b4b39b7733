"""ledger_entries.attempt: which idempotency key a payout transfer is sent under

Stripe keeps the answer it gave under an idempotency key and gives it again to every
retry with that key: a transfer it refused (say, the platform's balance was short) would
be refused forever. After such an answer the next try takes a new key (attempt + 1).

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-03 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.add_column(
            sa.Column("attempt", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entries") as batch:
        batch.drop_column("attempt")
