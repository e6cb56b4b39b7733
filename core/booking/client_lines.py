"""The client's bookings as "My bookings" lists them: with whom, for what, and in which
section (open, past, cancelled) — issue 14."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.states import BookingState
from core.db.tables import Booking, Provider, Service

# Where each state is listed: still going on (something may be left to do), done, or not
# happening. Every state is in exactly one section.
SECTION_OF_STATE: dict[str, str] = {
    BookingState.REQUESTED.value: "open",
    BookingState.ACCEPTED.value: "open",
    BookingState.CONFIRMED.value: "open",
    BookingState.DELIVERED.value: "open",
    BookingState.PAYMENT_DUE.value: "open",
    BookingState.DISPUTED.value: "open",
    BookingState.COMPLETED.value: "past",
    BookingState.DECLINED.value: "cancelled",
    BookingState.EXPIRED.value: "cancelled",
    BookingState.CANCELLED.value: "cancelled",
}
SECTIONS = ("open", "past", "cancelled")


@dataclass(frozen=True, slots=True)
class ClientBookingLine:
    id: int
    reference: str
    event_date: date
    state: str
    provider_name: dict[str, Any]  # per locale, as providers name themselves
    service_title: dict[str, Any]

    @property
    def section(self) -> str:
        return SECTION_OF_STATE.get(self.state, "open")


async def client_booking_lines(
    session: AsyncSession, client_id: int, *, limit: int
) -> list[ClientBookingLine]:
    """The client's bookings with their provider and service, the latest event first."""
    rows = await session.execute(
        select(Booking, Provider.name, Service.title)
        .join(Provider, Provider.id == Booking.provider_id)
        .join(Service, Service.id == Booking.service_id)
        .where(Booking.client_id == client_id)
        .order_by(Booking.event_date.desc(), Booking.id.desc())
        .limit(limit)
    )
    return [
        ClientBookingLine(b.id, b.reference, b.event_date, b.state, dict(name), dict(title))
        for b, name, title in rows.all()
    ]
