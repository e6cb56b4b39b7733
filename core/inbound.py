"""Exactly-once handling of inbound events (Telegram updates, Twilio messages, Stripe events)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db.tables import ProcessedEvent
from core.uow import UnitOfWork

# The unique key that makes handling happen once (a second claim of it does nothing).
CLAIM_KEY = ("source", "external_id")


def claim_row(source: str, external_id: str, now: datetime) -> dict[str, Any]:
    """The row that claims an event: written by `claim_event` and, batched, by the chat
    journal (core/conversations/journal.py)."""
    return {"source": source, "external_id": external_id, "processed_at": now}


async def claim_event(uow: UnitOfWork, source: str, external_id: str, *, now: datetime) -> bool:
    """Record the event in this transaction; False if it was handled before.

    The row commits together with the event's effect, so a crash before commit leaves the
    event unclaimed for the retry, and a replay after commit changes nothing.
    """
    session = uow.session
    # One statement: a concurrent claim of the same id waits for ours, then does nothing.
    result = await session.execute(
        _claim(session.get_bind().dialect.name == "postgresql"),
        claim_row(source, external_id, now),
    )
    return bool(getattr(result, "rowcount", 0) == 1)


@cache
def _claim(postgres: bool) -> Insert:
    """Built once per database (every update with a transaction claims its id); on the
    table, not the mapped class: one row of values, not the ORM's bulk insert."""
    insert = pg_insert if postgres else sqlite_insert
    events: Table = ProcessedEvent.__table__  # type: ignore[assignment]
    return insert(events).on_conflict_do_nothing(index_elements=list(CLAIM_KEY))
