"""What a notification about a booking needs, loaded in one go for the renderer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.booking.contacts import PartyContact, client_contact, provider_contact
from core.booking.contacts import contact_in as party_contact
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
    contact: str | None = None  # the other party's phone or email, when asked for
    party: PartyContact | None = None  # the other party's name and phone, once shared


async def booking_news(
    uow: UnitOfWork,
    *,
    user_id: int,
    booking_id: Any,
    payment_kind: str | None = None,
    contact_for: str | None = None,
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
    contact = await _contact(uow, booking, provider, contact_for) if contact_for else None
    party = await party_contact(uow.session, booking, contact_for) if contact_for else None
    return BookingNews(user.locale, booking, provider, service, link, contact, party)


async def _contact(
    uow: UnitOfWork, booking: Booking, provider: Provider | None, audience: str
) -> str | None:
    """The other party's phone, or else email, for ``audience``: the client's as given with
    the booking, the provider's as their account has it; each phone as the contact card
    after the deposit reads it (core/booking/contacts.py), a typed one included."""
    session = uow.session
    if audience == "provider":
        client = await session.get(User, booking.client_id)
        phone = (await client_contact(session, booking)).phone
        return phone or booking.contact_email or (client.email if client else None)
    owner = await session.get(User, provider.user_id) if provider else None
    phone = (await provider_contact(session, booking)).phone
    return phone or (owner.email if owner else None)
