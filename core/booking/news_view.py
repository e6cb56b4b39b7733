"""What a notification about a booking needs, loaded in one go for the renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.db.tables import Booking, Provider, Service, User
from core.payments.links import PendingLink, pending_checkout
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class BookingNews:
    """The recipient's language and the booking as it is now (news may be old by the time
    it is sent: the renderer says nothing that is no longer true)."""

    locale: str
    booking: Booking
    provider: Provider | None
    service: Service | None
    checkout: PendingLink | None  # the pending link of the payment kind asked for, if any


async def booking_news(
    uow: UnitOfWork, *, user_id: int, booking_id: Any, payment_kind: str | None = None
) -> BookingNews | None:
    """None when the recipient or the booking is gone; ``booking_id`` comes from a stored
    payload, so anything that names no booking is simply not found."""
    session = uow.session
    user = await session.get(User, user_id)
    booking = await session.get(Booking, booking_id)
    if user is None or booking is None:
        return None
    provider = await session.get(Provider, booking.provider_id)
    service = await session.get(Service, booking.service_id)
    link = await pending_checkout(uow, booking.id, payment_kind) if payment_kind else None
    return BookingNews(user.locale, booking, provider, service, link)
