"""The provider's bookings dashboard: what waits for an answer, then what is coming.

One list in a fixed order, paged: requests to answer (the soonest to expire first), past
events still open (to mark delivered, or waiting for the client's money), then today,
the rest of this week and later. Lines are frozen read models; a booking's history is
its audit trail (core/db/tables_booking.py) with the proposals made on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from core.booking.actors import Actor
from core.booking.proposals import ProposalTerms, has_pending_proposal, proposals_of
from core.booking.queries import owned_booking
from core.booking.states import BookingState
from core.db.tables import Booking, BookingTransition
from core.uow import UnitOfWork

S = BookingState
# Booked (not just asked for) and not over yet: what the provider's calendar holds.
SCHEDULED_STATES = (S.ACCEPTED, S.CONFIRMED, S.DELIVERED, S.PAYMENT_DUE, S.DISPUTED)
# Past events that still need something: a delivery to mark, money to come in.
UNSETTLED_STATES = (S.CONFIRMED, S.DELIVERED, S.PAYMENT_DUE, S.DISPUTED)


class Section(IntEnum):
    """The dashboard's parts, in the order it shows them."""

    PENDING = 0
    UNSETTLED = 1
    TODAY = 2
    THIS_WEEK = 3
    UPCOMING = 4


@dataclass(frozen=True, slots=True)
class DashboardLine:
    id: int
    reference: str
    section: Section
    state: str
    event_date: date
    event_type: str
    total_minor: int
    currency: str
    expires_at: datetime | None
    proposal_pending: bool  # a counter-proposal waits for the client


@dataclass(frozen=True, slots=True)
class DashboardPage:
    lines: tuple[DashboardLine, ...]
    counts: dict[Section, int]
    page: int  # from 0
    pages: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    action: str  # request, accept, propose, refuse_proposal, confirm_delivery...
    source: str | None
    target: str
    actor_role: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class BookingHistory:
    entries: tuple[HistoryEntry, ...]
    proposals: tuple[ProposalTerms, ...]


def _section(today: date) -> ColumnElement[int]:
    week_end = today + timedelta(days=6 - today.weekday())  # Sunday
    return case(
        (Booking.state == S.REQUESTED, int(Section.PENDING)),
        (Booking.event_date < today, int(Section.UNSETTLED)),
        (Booking.event_date == today, int(Section.TODAY)),
        (Booking.event_date <= week_end, int(Section.THIS_WEEK)),
        else_=int(Section.UPCOMING),
    )


def _shown(provider_id: int, today: date) -> ColumnElement[bool]:
    return and_(
        Booking.provider_id == provider_id,
        or_(
            Booking.state == S.REQUESTED,
            and_(Booking.state.in_(SCHEDULED_STATES), Booking.event_date >= today),
            and_(Booking.state.in_(UNSETTLED_STATES), Booking.event_date < today),
        ),
    )


async def dashboard_page(
    uow: UnitOfWork, provider_id: int, *, today: date, page: int, size: int
) -> DashboardPage:
    """Page ``page`` (from 0; past the end, the last one) of the provider's dashboard."""
    section = _section(today)
    where = _shown(provider_id, today)
    counted = (
        await uow.session.execute(select(section, func.count()).where(where).group_by(section))
    ).all()
    counts = {Section(int(s)): int(n) for s, n in counted}
    total = sum(counts.values())
    pages = max(1, -(-total // size))
    page = min(max(page, 0), pages - 1)
    waiting = has_pending_proposal(Booking.id)
    rows = (
        await uow.session.execute(
            select(Booking, section, waiting)
            .where(where)
            # Requests by their deadline; bookings by their day.
            .order_by(
                section,
                case((Booking.state == S.REQUESTED, Booking.expires_at)),
                Booking.event_date,
                Booking.id,
            )
            .limit(size)
            .offset(page * size)
        )
    ).all()
    lines = tuple(
        DashboardLine(
            id=b.id,
            reference=b.reference,
            section=Section(int(s)),
            state=b.state,
            event_date=b.event_date,
            event_type=b.event_type,
            total_minor=b.total_minor,
            currency=b.currency,
            expires_at=b.expires_at,
            proposal_pending=bool(w) and b.state == S.REQUESTED,
        )
        for b, s, w in rows
    )
    return DashboardPage(lines, counts, page, pages)


async def booking_history(uow: UnitOfWork, actor: Actor, booking_id: int) -> BookingHistory:
    """What happened to a booking, oldest first, for whoever may see it."""
    booking = await owned_booking(uow, actor, booking_id)
    trail = await uow.session.scalars(
        select(BookingTransition)
        .where(BookingTransition.booking_id == booking.id)
        .order_by(BookingTransition.at, BookingTransition.id)
    )
    entries = tuple(
        HistoryEntry(t.at, t.action, t.source, t.target, t.actor_role, t.reason)
        for t in trail.all()
    )
    return BookingHistory(entries, tuple(await proposals_of(uow, booking)))
