"""Exactly-once handling of inbound events (Telegram updates, Twilio messages, Stripe events)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db.tables import ProcessedEvent
from core.uow import UnitOfWork


async def claim_event(uow: UnitOfWork, source: str, external_id: str, *, now: datetime) -> bool:
    """Record the event in this transaction; False if it was handled before.

    The row commits together with the event's effect, so a crash before commit leaves the
    event unclaimed for the retry, and a replay after commit changes nothing.
    """
    session = uow.session
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    # One statement: a concurrent claim of the same id waits for ours, then does nothing.
    result = await session.execute(
        insert(ProcessedEvent)
        .values(source=source, external_id=external_id, processed_at=now)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
    )
    return bool(getattr(result, "rowcount", 0) == 1)
