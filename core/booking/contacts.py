"""Who to call once the deposit is paid: each side's name and phone, for the other side.

Before the deposit neither side sees the other's contact (a request is not yet a deal);
from the deposit on, both do (issue 14).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import Booking, Provider, User


@dataclass(frozen=True, slots=True)
class PartyContact:
    """A name (one text, or one per language for a provider) and a phone in E.164."""

    name: str = ""
    names: dict[str, Any] = field(default_factory=dict)
    phone: str | None = None


def contacts_shared(booking: Booking) -> bool:
    """From the deposit on, the two sides may call each other."""
    return booking.paid_minor > 0


async def client_contact(session: AsyncSession, booking: Booking) -> PartyContact:
    """The client as they gave themselves with this booking, else as their account has it."""
    client = await session.get(User, booking.client_id)
    name = booking.contact_name or ((client.full_name or client.display_name) if client else "")
    phone = booking.contact_phone or (
        (client.phone_e164 or client.contact_phone) if client else None
    )
    return PartyContact(name=name or "", phone=phone)


async def provider_contact(session: AsyncSession, booking: Booking) -> PartyContact:
    """The provider's business name and the phone of the account that runs it."""
    provider = await session.get(Provider, booking.provider_id)
    if provider is None:
        return PartyContact()
    owner = await session.get(User, provider.user_id)
    phone = (owner.phone_e164 or owner.contact_phone) if owner else None
    return PartyContact(names=dict(provider.name), phone=phone)


async def contact_in(session: AsyncSession, booking: Booking, audience: str) -> PartyContact | None:
    """The other side's contact for ``audience`` ("client" or "provider"), once shared."""
    if not contacts_shared(booking):
        return None
    if audience == "provider":
        return await client_contact(session, booking)
    return await provider_contact(session, booking)
