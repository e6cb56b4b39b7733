"""The client's bookings as "My bookings" lists them: with whom, for what, in which
section (open, past, cancelled) — issue 14 — and the provider's counter-proposal still
waiting for the client's answer, if any (issue 13)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.proposals import ProposalStatus, ProposalTerms, terms_of
from core.booking.states import BookingState
from core.db.tables import Booking, BookingProposal, Provider, Service

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
    # The provider's other date or price, while the request waits for the client's answer.
    proposal: ProposalTerms | None = None

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
    found = rows.all()
    proposals = await _waiting_proposals(session, [b for b, _, _ in found])
    return [
        ClientBookingLine(
            b.id, b.reference, b.event_date, b.state, dict(name), dict(title), proposals.get(b.id)
        )
        for b, name, title in found
    ]


async def _waiting_proposals(
    session: AsyncSession, bookings: list[Booking]
) -> dict[int, ProposalTerms]:
    """Pending proposals on the requests among ``bookings`` (a request that moved on has
    none to answer), by booking id; one query for the whole list."""
    requested = {b.id: b for b in bookings if b.state == BookingState.REQUESTED}
    if not requested:
        return {}
    rows = await session.scalars(
        select(BookingProposal)
        .where(
            BookingProposal.booking_id.in_(requested),
            BookingProposal.status == ProposalStatus.PENDING.value,
        )
        .order_by(BookingProposal.id)
    )
    # Proposing again supersedes the pending one; were two ever pending, the latest wins.
    return {p.booking_id: terms_of(p, requested[p.booking_id]) for p in rows.all()}
