"""Turns booking events into outbox messages for the people concerned."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Booking, Provider
from core.events import (
    BookingRequested,
    BookingStateChanged,
    DomainEvent,
    ProposalMade,
    ProposalRefused,
)
from core.notifications.outbox import enqueue

# Who hears of each event; the actor's own screen already shows the result.
AUDIENCES: dict[str, tuple[str, ...]] = {
    "booking_requested": ("provider",),
    "booking_accepted": ("client",),
    "booking_declined": ("client",),
    "booking_expired": ("client", "provider"),
    "booking_cancelled": ("client", "provider"),
    "deposit_paid": ("client", "provider"),
    "booking_delivered": ("client",),
    "balance_paid": ("client", "provider"),
    "balance_failed": ("client",),
    "booking_disputed": ("client", "provider"),
    "dispute_resolved": ("client", "provider"),
    "proposal_made": ("client",),
    "proposal_accepted": ("provider",),
    "proposal_refused": ("provider",),
}


async def notify_parties(session: AsyncSession, event: DomainEvent) -> None:
    """UnitOfWork event handler: one outbox message per party that should hear of it."""
    booking = await session.get(Booking, event.booking_id)
    if booking is None:
        return
    provider = await session.get(Provider, booking.provider_id)
    recipients = {"client": booking.client_id, "provider": provider.user_id if provider else None}
    payload: dict[str, object] = {"booking_id": booking.id}
    if isinstance(event, BookingStateChanged):
        payload |= {
            "reason": event.reason,
            "amount_minor": event.amount_minor,
            "by": event.role.value,
        }
    if isinstance(event, ProposalMade | ProposalRefused):
        payload["proposal_id"] = event.proposal_id
    now = booking.created_at if isinstance(event, BookingRequested) else booking.updated_at
    for audience in AUDIENCES.get(event.name, ()):
        user_id = recipients[audience]
        if user_id is None:
            continue
        enqueue(
            session,
            kind=event.name,
            user_id=user_id,
            now=now,
            payload=payload | {"audience": audience},
        )


__all__ = ["AUDIENCES", "BookingRequested", "notify_parties"]
