"""Questions the chats ask about bookings, named by what they answer.

Lists come back as `BookingLine`s (frozen, no ORM row); a single booking a step goes on
to act on comes back as its row, already checked against the actor asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.states import BookingState
from core.db.tables import Booking, Provider, Service
from core.uow import UnitOfWork

# The bookings a provider still has something to do about.
OPEN_STATES = (
    BookingState.REQUESTED.value,
    BookingState.ACCEPTED.value,
    BookingState.CONFIRMED.value,
)


@dataclass(frozen=True, slots=True)
class BookingLine:
    """One booking as a list shows it."""

    id: int
    reference: str
    event_date: date
    state: str


async def _lines(session: AsyncSession, statement: Select[Booking]) -> list[BookingLine]:
    rows = (await session.scalars(statement)).all()
    return [BookingLine(b.id, b.reference, b.event_date, b.state) for b in rows]


async def bookings_of_client(uow: UnitOfWork, client_id: int, *, limit: int) -> list[BookingLine]:
    """The client's bookings, the latest event first."""
    return await client_bookings(uow.session, client_id, limit=limit)


async def client_bookings(
    session: AsyncSession, client_id: int, *, limit: int
) -> list[BookingLine]:
    """`bookings_of_client` on any session: a read-only one serves the read-only path."""
    return await _lines(
        session,
        select(Booking)
        .where(Booking.client_id == client_id)
        .order_by(Booking.event_date.desc(), Booking.id.desc())
        .limit(limit),
    )


async def recent_bookings_of_client(
    uow: UnitOfWork, client_id: int, *, limit: int
) -> list[BookingLine]:
    """The client's bookings, the last one made first (what a support question is about)."""
    return await recent_client_bookings(uow.session, client_id, limit=limit)


async def recent_client_bookings(
    session: AsyncSession, client_id: int, *, limit: int
) -> list[BookingLine]:
    """`recent_bookings_of_client` on any session."""
    return await _lines(
        session,
        select(Booking)
        .where(Booking.client_id == client_id)
        .order_by(Booking.id.desc())
        .limit(limit),
    )


async def provider_open_lines(
    session: AsyncSession, provider_id: int, *, limit: int
) -> list[BookingLine]:
    """A provider's requests and bookings still to answer, pay or deliver, soonest first."""
    return await _lines(
        session,
        select(Booking)
        .where(Booking.provider_id == provider_id, Booking.state.in_(OPEN_STATES))
        .order_by(Booking.event_date, Booking.id)
        .limit(limit),
    )


async def client_owns_booking(uow: UnitOfWork, client_id: int, booking_id: int) -> bool:
    booking = await uow.session.get(Booking, booking_id)
    return booking is not None and booking.client_id == client_id


async def owned_booking(uow: UnitOfWork, actor: Actor, booking_id: int) -> Booking:
    """The booking, if this actor may see it: NotFound or NotAllowed otherwise (a button
    can be forged to name any booking)."""
    booking = await get_booking(uow.session, booking_id)
    await check_owns_booking(uow.session, actor, booking)
    return booking


async def booking_by_id(uow: UnitOfWork, booking_id: int) -> Booking:
    """NotFound if there is none; for a booking the caller has already checked."""
    return await get_booking(uow.session, booking_id)


async def provider_of_booking(uow: UnitOfWork, booking: Booking) -> Provider | None:
    return await uow.session.get(Provider, booking.provider_id)


async def service_of_booking(uow: UnitOfWork, booking: Booking) -> Service | None:
    return await uow.session.get(Service, booking.service_id)


async def booking_reference(uow: UnitOfWork, booking_id: int) -> str | None:
    """The reference a person reads for this booking (to name it in a question), if any."""
    return await uow.session.scalar(select(Booking.reference).where(Booking.id == booking_id))
