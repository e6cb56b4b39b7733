"""users.phone_e164 holds only a proven number; a typed one is users.contact_phone

Revision ID: 0005
Revises: 0003 (re-chained onto 0004 at merge)
Create Date: 2026-12-03 07:50:00.000000

A number typed at the booking form's phone step used to become the account's phone, and a
first WhatsApp message from that number then joined the writer to that account: whoever
typed someone's number took over their WhatsApp bookings (issue 12). From here on
``phone_e164`` is set only by a proof of ownership (WhatsApp's sender, Telegram's own
contact share) or by an admin registering a provider, and only it joins accounts.

The numbers already stored cannot tell how they got there. Those still proven are kept:
a provider's registered number, and a number that is the account's own WhatsApp sender.
Every other one moves to ``contact_phone`` (prefilled at the next booking, joining
nothing): a person who shared their contact on Telegram writes on WhatsApp as a new
account, which is harmless, where keeping a typed number would keep the takeover open.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))
    # Both right-hand sides read the row as it was (standard SQL, SQLite and PostgreSQL).
    op.execute(
        """
        UPDATE users SET contact_phone = phone_e164, phone_e164 = NULL
        WHERE phone_e164 IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM providers WHERE providers.user_id = users.id)
          AND NOT EXISTS (
            SELECT 1 FROM channel_identities
            WHERE channel_identities.user_id = users.id
              AND channel_identities.channel = 'whatsapp'
              AND channel_identities.external_id = users.phone_e164
          )
        """
    )


def downgrade() -> None:
    # The typed numbers stay on the bookings they were given for (bookings.contact_phone).
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
