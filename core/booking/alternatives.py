"""What a declined client can turn to: similar providers free that day, and the date the
provider had proposed for the request, if they had proposed one (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from core.catalog.search import ProviderHit, SearchQuery, search_providers
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, BookingProposal, Provider, ProviderStatus, Service
from core.uow import UnitOfWork

SIMILAR_OFFERED = 3


@dataclass(frozen=True, slots=True)
class Alternatives:
    similar: list[ProviderHit]  # same category and city, free on the booking's day
    proposed_day: date | None  # the declining provider's own proposed date, still ahead


async def alternatives_to(
    uow: UnitOfWork, booking: Booking, *, now: datetime, limit: int = SIMILAR_OFFERED
) -> Alternatives:
    """Alternatives for ``booking``; the provider who declined is not among the similar."""
    service = await uow.session.get(Service, booking.service_id)
    similar: list[ProviderHit] = []
    if service is not None:
        query = SearchQuery(
            category=service.category,
            city=booking.city,
            day=booking.event_date,
            page_size=limit + 1,  # the one who declined may be among them
        )
        page = await search_providers(uow.session, query, now=now)
        similar = [hit for hit in page.hits if hit.provider_id != booking.provider_id][:limit]
    return Alternatives(
        similar, await _proposed_day(uow, booking, now.astimezone(MARKET_TZ).date())
    )


async def _proposed_day(uow: UnitOfWork, booking: Booking, today: date) -> date | None:
    """The last other date the provider proposed, if it is still ahead and they still take
    bookings (a declined request ends its proposal, but the date may well be free)."""
    provider = await uow.session.get(Provider, booking.provider_id)
    if provider is None or provider.status != ProviderStatus.ACTIVE:
        return None
    day = await uow.session.scalar(
        select(BookingProposal.to_date)
        .where(
            BookingProposal.booking_id == booking.id,
            BookingProposal.to_date != BookingProposal.from_date,
        )
        .order_by(BookingProposal.id.desc())
        .limit(1)
    )
    return day if day is not None and day > today else None
