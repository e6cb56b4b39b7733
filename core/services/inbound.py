"""Exactly-once handling of inbound events (Telegram updates, Twilio messages, Stripe events)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.db.tables import ProcessedEvent
from core.uow import UnitOfWork


async def claim_event(uow: UnitOfWork, source: str, external_id: str, *, now: datetime) -> bool:
    """Record the event in this transaction; False if it was handled before.

    The row commits together with the event's effect, so a crash before commit leaves the
    event unclaimed for the retry, and a replay after commit changes nothing.
    """
    session = uow.session
    seen = await session.scalar(
        select(ProcessedEvent.id).where(
            ProcessedEvent.source == source, ProcessedEvent.external_id == external_id
        )
    )
    if seen is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedEvent(source=source, external_id=external_id, processed_at=now))
    except IntegrityError:  # a concurrent delivery of the same event won the race
        return False
    return True
