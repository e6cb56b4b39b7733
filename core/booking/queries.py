"""Questions the chats ask about bookings, named by what they answer.

Lists come back as `BookingLine`s (frozen, no ORM row); a single booking a step goes on
to act on comes back as its row, already checked against the actor asking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.contacts import PartyContact, contact_in
from core.booking.proposals import has_pending_proposal
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
    proposed: bool = False  # a request whose other terms wait for the client (provider lists)


# The lists are read on every "my bookings" and every provider home: their statements are
# built once, on the table's columns (as core/booking/calendar_data.py's), and only the
# four columns a line shows come back, not whole rows of the ORM's.
_B = Booking.__table__.c
_LINE = (_B.id, _B.reference, _B.event_date, _B.state)
_LIMIT = bindparam("limit", type_=Integer)
_CLIENT_BY_EVENT = (
    select(*_LINE)
    .where(_B.client_id == bindparam("client"))
    .order_by(_B.event_date.desc(), _B.id.desc())
    .limit(_LIMIT)
)
_PROVIDER_OPEN = (
    select(
        *_LINE,
        # A proposal left pending by an Accept on the old terms lapsed: only a request's.
        and_(_B.state == BookingState.REQUESTED.value, has_pending_proposal(_B.id)).label(
            "proposed"
        ),
    )
    .where(_B.provider_id == bindparam("provider"), _B.state.in_(OPEN_STATES))
    .order_by(_B.event_date, _B.id)
    .limit(_LIMIT)
)


async def _lines(
    session: AsyncSession, statement: Select[Any], values: dict[str, int]
) -> list[BookingLine]:
    rows = (await session.execute(statement, values)).all()
    return [
        BookingLine(r.id, r.reference, r.event_date, r.state, bool(r._mapping.get("proposed")))
        for r in rows
    ]


async def bookings_of_client(uow: UnitOfWork, client_id: int, *, limit: int) -> list[BookingLine]:
    """The client's bookings, the latest event first."""
    return await client_bookings(uow.session, client_id, limit=limit)


async def client_bookings(
    session: AsyncSession, client_id: int, *, limit: int
) -> list[BookingLine]:
    """`bookings_of_client` on any session: a read-only one serves the read-only path."""
    return await _lines(session, _CLIENT_BY_EVENT, {"client": client_id, "limit": limit})


async def provider_open_lines(
    session: AsyncSession, provider_id: int, *, limit: int
) -> list[BookingLine]:
    """A provider's requests and bookings still to answer, pay or deliver, soonest first."""
    return await _lines(session, _PROVIDER_OPEN, {"provider": provider_id, "limit": limit})


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


async def contact_for(uow: UnitOfWork, booking: Booking, audience: str) -> PartyContact | None:
    """The other side's name and phone for ``audience``, once the deposit shared them."""
    return await contact_in(uow.session, booking, audience)


async def service_of_booking(uow: UnitOfWork, booking: Booking) -> Service | None:
    return await uow.session.get(Service, booking.service_id)


async def booking_reference(uow: UnitOfWork, booking_id: int) -> str | None:
    """The reference a person reads for this booking (to name it in a question), if any."""
    return await uow.session.scalar(select(Booking.reference).where(Booking.id == booking_id))
