"""A provider's public profile as plain, read-only data: safe to cache and share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import ProviderCalendar
from core.booking.availability_query import upcoming_free_dates
from core.booking.review_reads import ReviewLine, latest_reviews
from core.db.tables import Provider, ProviderCity, ProviderStatus, Service

FREE_DATES_SHOWN = 5
REVIEWS_SHOWN = 3  # a chat screen: the latest few, the site page shows more


@dataclass(frozen=True, slots=True)
class ProfileService:
    """An active service as the profile shows it."""

    id: int
    title: Mapping[str, str]
    price_minor: int
    currency: str
    pricing_model: str
    description: Mapping[str, str] = field(default_factory=dict)  # what it includes


@dataclass(frozen=True, slots=True)
class ProviderProfile:
    """What a client sees of an active provider; no ORM object inside."""

    id: int
    slug: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    rating_x100: int
    rating_count: int
    languages: tuple[str, ...]
    photos: tuple[str, ...]
    cities: tuple[str, ...]  # sorted
    services: tuple[ProfileService, ...]  # by price, then id
    free_dates: tuple[date, ...]  # the next free dates of the first service
    reviews: tuple[ReviewLine, ...] = ()  # the latest, newest first


async def provider_profile(
    session: AsyncSession,
    provider_id: int,
    *,
    now: datetime,
    any_status: bool = False,
    calendar: ProviderCalendar | None = None,
) -> ProviderProfile | None:
    """The profile of an active provider, or None; 7 statements (5 of them the dates; 2
    with ``calendar``, the provider's kept from an earlier read), and one more for its
    latest reviews when it has any.
    ``any_status``: whatever the status (the provider's own preview of their profile)."""
    # The provider comes with its cities, one row per city (none: one row, city NULL).
    rows = (
        await session.execute(
            select(Provider, ProviderCity.city)
            .outerjoin(ProviderCity, ProviderCity.provider_id == Provider.id)
            .where(Provider.id == provider_id)
        )
    ).all()
    if not rows or (not any_status and rows[0][0].status != ProviderStatus.ACTIVE.value):
        return None
    provider: Provider = rows[0][0]
    services = (
        await session.scalars(
            select(Service)
            .where(Service.provider_id == provider.id, Service.active.is_(True))
            .order_by(Service.price_minor, Service.id)
        )
    ).all()
    # Without a calendar, upcoming_free_dates finds the provider in the session's identity
    # map: no statement.
    dates = (
        await upcoming_free_dates(
            session, services[0], now=now, count=FREE_DATES_SHOWN, calendar=calendar
        )
        if services
        else []
    )
    reviews = (
        await latest_reviews(session, provider.id, limit=REVIEWS_SHOWN)
        if provider.rating_count
        else ()
    )
    return ProviderProfile(
        id=provider.id,
        slug=provider.slug,
        name=_frozen(provider.name),
        description=_frozen(provider.description),
        rating_x100=provider.rating_x100,
        rating_count=provider.rating_count,
        languages=tuple(provider.languages),
        photos=tuple(provider.photos),
        cities=tuple(sorted(city for _, city in rows if city is not None)),
        services=tuple(
            ProfileService(
                id=s.id,
                title=_frozen(s.title),
                price_minor=s.price_minor,
                currency=s.currency,
                pricing_model=s.pricing_model,
                description=_frozen(s.description),
            )
            for s in services
        ),
        free_dates=tuple(dates),
        reviews=reviews,
    )


def _frozen(texts: dict[str, Any]) -> Mapping[str, str]:
    # A copy behind a read-only view: the ORM's dict may change after we return.
    return MappingProxyType(dict(texts))
