"""RequestBooking: validate, price, and hold the slot — the database has the last word.

The checks and writes are request_write.py's, in one go; this runs them in a step's unit
of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import MAX_DAYS_AHEAD
from core.booking.request_write import (
    RequestBooking,
    new_reference,
    quote_of,
    write_request,
)
from core.booking.states import Action
from core.db.engine import attach_written
from core.db.tables import Booking
from core.deadlines import Deadlines
from core.uow import UnitOfWork

REQUEST_TTL = Deadlines().request_ttl  # the default; settings may change it


async def request_booking(
    uow: UnitOfWork, cmd: RequestBooking, *, now: datetime, max_days_ahead: int = MAX_DAYS_AHEAD
) -> Booking:
    """Create a ``requested`` booking holding its seats, with the provider's news, and
    leave the form's contact on the account; raise SlotUnavailable if taken (a
    DomainError for any other reason)."""
    ttl, reference = uow.deadlines.request_ttl, new_reference()
    requested = await uow.session.run_sync(
        lambda session: write_request(
            session.connection(),
            cmd,
            reference=reference,
            now=now,
            ttl=ttl,
            max_days_ahead=max_days_ahead,
        )
    )
    uow.note_written(requested.written)
    # What reads it next in this transaction (a payment, a test) finds it as written.
    return attach_written(uow.session, requested.booking)


async def has_booked(session: AsyncSession, client_id: int, service_id: int) -> bool:
    """Whether this client ever requested this service, whatever became of it."""
    found = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.client_id == client_id, Booking.service_id == service_id)
    )
    return bool(found)


__all__ = ["Action", "RequestBooking", "has_booked", "quote_of", "request_booking"]
