"""What the provider bot's home and a request's card show, read on any session.

The read-only path reads them on a read-only session each time (a booking changes with
the client's payment or a sweep, in any process: these screens are exact, never cached);
a step in a transaction reads them in its own unit of work, and sees its own writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.contacts import PartyContact, contact_in
from core.booking.proposals import has_pending_proposal
from core.booking.queries import OPEN_STATES, BookingLine, provider_open_lines
from core.booking.states import BookingState, Role
from core.db.tables import Booking, Provider, Service, WeeklyRule

# Read on every home: built once, on the table's columns (core/booking/queries.py).
_P = Provider.__table__.c
_B = Booking.__table__.c
_S = Service.__table__.c
_REQUESTED = BookingState.REQUESTED.value


def _counted(*where: Any) -> Any:
    """How many of the provider's bookings match, in the provider's own row (the index
    on provider and state answers it): the list shows the soonest only, the counts are
    of them all."""
    return (
        select(func.count())
        .select_from(Booking.__table__)
        .where(_B.provider_id == _P.id, *where)
        .scalar_subquery()
    )


_PROVIDER_OF = select(
    _P.id,
    _P.name,
    _P.status,
    # Requests to answer: not those whose other terms wait for the client.
    _counted(_B.state == _REQUESTED, ~has_pending_proposal(_B.id)).label("waiting"),
    _counted(_B.state.in_(OPEN_STATES)).label("open_total"),
    select(func.count())
    .select_from(Service.__table__)
    .where(_S.provider_id == _P.id, _S.active.is_(True))
    .scalar_subquery()
    .label("services"),
    # Open on some weekday at all (the index on provider and weekday answers it).
    select(WeeklyRule.__table__.c.id)
    .where(WeeklyRule.__table__.c.provider_id == _P.id)
    .exists()
    .label("opens"),
).where(_P.user_id == bindparam("owner"))


@dataclass(frozen=True, slots=True)
class ProviderHome:
    """The provider an account runs and its bookings still to answer, pay or deliver:
    the soonest of them (``open``), and how many there are in all."""

    provider_id: int
    name: dict[str, Any]  # per locale, as providers name themselves
    status: str
    open: list[BookingLine]
    waiting: int  # requests to accept or decline
    open_total: int  # every booking still to answer, pay or deliver
    services: int = 1  # active services: with none, nobody can book
    opens: bool = True  # open on some weekday: closed all week, nobody can book either

    def after(self, moves: Mapping[int, tuple[str, str]]) -> ProviderHome:
        """The home as it is once ``moves`` (booking id: its state before and after) are
        written: a screen read before its update's answer is (the chat journal writes
        that after: core/booking/provider_answer.py)."""
        waiting, total, lines = self.waiting, self.open_total, []
        proposed = {line.id for line in self.open if line.proposed}
        for booking_id, (before, after) in moves.items():
            # An answer ends a pending proposal: a request with one was not counted.
            counted = before == _REQUESTED and booking_id not in proposed
            waiting += (after == _REQUESTED) - counted
            total += (after in OPEN_STATES) - (before in OPEN_STATES)
        for line in self.open:
            state = moves.get(line.id, (line.state, line.state))[1]
            if state in OPEN_STATES:
                moved = line.id in moves
                lines.append(replace(line, state=state, proposed=line.proposed and not moved))
        # (One answered from a notice and not listed here is not known to have had one:
        # never below nought, and exact at the next read.)
        return replace(self, open=lines, waiting=max(waiting, 0), open_total=total)


@dataclass(frozen=True, slots=True)
class RequestCard:
    """One booking as its provider opens it; the client's contact once the deposit is paid.
    The rows are read on a session the caller may close: only their columns are read."""

    booking: Booking
    service: Service | None
    client: PartyContact | None


async def provider_home(
    session: AsyncSession, owner_id: int | None, *, limit: int
) -> ProviderHome | None:
    """None for an account that runs no provider (or a chat whose user is still to be
    created: a first contact)."""
    if owner_id is None:
        return None
    provider = (await session.execute(_PROVIDER_OF, {"owner": owner_id})).first()
    if provider is None:
        return None
    lines = await provider_open_lines(session, provider.id, limit=limit)
    return ProviderHome(
        provider.id,
        dict(provider.name),
        provider.status,
        lines,
        provider.waiting,
        provider.open_total,
        provider.services,
        bool(provider.opens),
    )


async def read_request_card(session: AsyncSession, owner_id: int, booking_id: int) -> RequestCard:
    """NotFound or NotAllowed unless the account runs the booking's provider (a button can
    be forged to name any booking)."""
    booking = await get_booking(session, booking_id)
    await check_owns_booking(session, Actor(Role.PROVIDER, owner_id), booking)
    service = await session.get(Service, booking.service_id)
    return RequestCard(booking, service, await contact_in(session, booking, "provider"))
