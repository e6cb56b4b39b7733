"""Turns booking events into outbox messages for the people concerned."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Booking, Provider
from core.events import (
    BookingRequested,
    BookingStateChanged,
    DomainEvent,
    ProposalMade,
    ProposalRefused,
    RefusalExplained,
)
from core.notifications.outbox import Notice, enqueue_many

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
    "proposal_refusal_explained": ("provider",),
}


async def notify_parties(session: AsyncSession, events: Sequence[DomainEvent]) -> None:
    """UnitOfWork event handler: one outbox message per party that should hear of each
    event, in the events' order, queued together (a sweep's batch in one INSERT)."""
    notices: list[Notice] = []
    provider_users: dict[int, int | None] = {}  # read once per provider in the batch
    for event in events:
        booking = await session.get(Booking, event.booking_id)
        if booking is None:
            continue
        if booking.provider_id not in provider_users:
            provider = await session.get(Provider, booking.provider_id)
            provider_users[booking.provider_id] = provider.user_id if provider else None
        notices.extend(notices_of(event, booking, provider_users[booking.provider_id]))
    await enqueue_many(session, notices)


def notices_of(event: DomainEvent, booking: Booking, provider_user: int | None) -> list[Notice]:
    """The messages ``event`` sends, one per party that hears of it."""
    recipients = {"client": booking.client_id, "provider": provider_user}
    payload: dict[str, object] = {"booking_id": booking.id}
    actor = None
    if isinstance(event, BookingStateChanged):
        # The party who acted saw the result on their own screen (a client's cancellation:
        # "Booking … is cancelled", with the refund): no news of it for them.
        actor = event.role.value
        payload |= {
            "reason": event.reason,
            "amount_minor": event.amount_minor,
            "by": event.role.value,
        }
    if isinstance(event, ProposalMade | ProposalRefused | RefusalExplained):
        payload["proposal_id"] = event.proposal_id
    now = booking.created_at if isinstance(event, BookingRequested) else booking.updated_at
    return [
        Notice(kind=event.name, user_id=user_id, now=now, payload=payload | {"audience": audience})
        for audience in AUDIENCES.get(event.name, ())
        if audience != actor and (user_id := recipients[audience]) is not None
    ]


__all__ = ["AUDIENCES", "BookingRequested", "notices_of", "notify_parties"]
