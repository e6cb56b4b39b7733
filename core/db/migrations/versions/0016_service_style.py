"""services.style: a kind within the category that clients ask for by name

Revision ID: 0016
Revises: 0010 (re-chained onto the current head at merge)
Create Date: 2026-12-03 12:40:00.000000

"dakka marrakchia", "issawa", "gnawa", "andalou" and "chaabi" are all bands, and someone
who asks for one does not want another (issue 14). Nullable: most services have no kind.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("style", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("services", schema=None) as batch_op:
        batch_op.drop_column("style")
