"""Reminders sent once: each has a dedupe key, looked up per batch and again per item."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from core.db.engine import read_only
from core.db.tables import Booking, OutboxMessage, Provider
from core.notifications.outbox import enqueue
from core.scheduling.model import SweepContext


async def sent_keys(ctx: SweepContext, keys: Iterable[str]) -> set[str]:
    """Which of ``keys`` already went into the outbox (one query for a whole batch)."""
    async with ctx.uows() as uow:
        session = await read_only(uow.session)
        found = await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(keys)))
        )
        return {key for key in found if key}


async def remind_once(
    ctx: SweepContext,
    *,
    booking_id: int,
    state: str,
    kind: str,
    audience: str,
    key: str,
    extra: dict[str, Any] | None = None,
) -> int:
    """Queue one reminder about a booking still in ``state``; 1 if queued, 0 if not needed.

    The booking row is locked first, so a twin run (or a state change) waits, then sees the
    reminder or the new state; the outbox's unique dedupe key is the last word.
    """
    async with ctx.uows() as uow:
        session = uow.session
        booking = await session.get(Booking, booking_id, with_for_update=True)
        if booking is None or booking.state != state:
            return 0  # answered, paid or cancelled since the batch was read
        if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            return 0
        user_id = booking.client_id
        if audience == "provider":
            provider = await session.get(Provider, booking.provider_id)
            if provider is None:
                return 0
            user_id = provider.user_id
        enqueue(
            session,
            kind=kind,
            user_id=user_id,
            now=ctx.now,
            payload={"booking_id": booking_id, "audience": audience} | (extra or {}),
            dedupe_key=key,
        )
        await uow.commit()
        return 1
