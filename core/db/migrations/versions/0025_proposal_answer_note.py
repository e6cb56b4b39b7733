"""booking_proposals.answer_note: the client's words when refusing other terms

The provider could explain other terms (0024); the client who refused them could not say
why, and the provider proposed again blind. The client may now add a few words, sent to
the provider and kept with the proposal.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("booking_proposals") as batch:
        batch.add_column(sa.Column("answer_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("booking_proposals") as batch:
        batch.drop_column("answer_note")
