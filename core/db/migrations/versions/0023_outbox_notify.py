"""PostgreSQL: a message due to the worker is announced on the channel ``mounasabet_outbox``

A separate `mounasabet worker` learnt of the web processes' messages at its next look,
every half second: each WhatsApp answer, and every notice, waited up to that long. A
trigger now calls ``pg_notify`` when a row becomes ``pending`` (queued, released, handed
over by a bot that could not send it), and the worker LISTENs (bots/outbox_listener.py).
PostgreSQL delivers the notification when the transaction commits, and once per
transaction however many rows it queued. Rows queued as ``sending`` (a Telegram answer its
bot sends itself) wake nobody.

SQLite has no NOTIFY and one process at most writes it: there, a commit of the process
that runs the worker wakes it (bots/worker.py).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

CHANNEL = "mounasabet_outbox"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        CREATE FUNCTION mounasabet_outbox_due() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER outbox_queued AFTER INSERT ON outbox
        FOR EACH ROW WHEN (NEW.status = 'pending')
        EXECUTE FUNCTION mounasabet_outbox_due()
        """
    )
    op.execute(
        """
        CREATE TRIGGER outbox_pending_again AFTER UPDATE OF status ON outbox
        FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending')
        EXECUTE FUNCTION mounasabet_outbox_due()
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER outbox_pending_again ON outbox")
    op.execute("DROP TRIGGER outbox_queued ON outbox")
    op.execute("DROP FUNCTION mounasabet_outbox_due()")
