"""Read-only catalog views for the marketing site: the directory's cards, a provider's
public page, what the landing page counts, and the slugs for the sitemap.

The directory's filtering and order stay with ``core.catalog.search`` (the chat's own
search, "free that day" included); this module only adds what a web page shows beyond
a chat line: photos, cities, the services' terms, the cancellation policy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from sqlalchemy import func, literal, select, true, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import ProviderCalendar, next_free_dates
from core.booking.availability_query import HORIZON_DAYS
from core.booking.calendar_data import load_calendar, load_occupancy, service_rules
from core.booking.policy import CancellationPolicy, PolicyTier
from core.booking.review_reads import ReviewLine, latest_reviews
from core.catalog.photo_store import thumbnail_url
from core.db.engine import LONG_READ
from core.db.tables import Provider, ProviderCity, ProviderStatus, Service

FREE_DATES_SHOWN = 6
REVIEWS_SHOWN = 10
# The cards' statement joins each provider's cities with this; no city code has it.
_CITY_SEPARATOR = ","


@dataclass(frozen=True, slots=True)
class ProviderCard:
    """What a directory card shows besides the search hit: a photo, cities, a blurb."""

    provider_id: int
    photo: str | None
    cities: tuple[str, ...]
    description: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ServiceTerms:
    """A service as its public page explains it."""

    id: int
    category: str
    title: Mapping[str, str]
    description: Mapping[str, str]
    pricing_model: str  # fixed | per_guest | per_hour
    price_minor: int
    currency: str
    deposit_bp: int
    duration_minutes: int | None  # None: the whole day
    days: int
    min_guests: int | None
    max_guests: int | None
    min_notice_hours: int
    free_dates: tuple[date, ...]


@dataclass(frozen=True, slots=True)
class ProviderPage:
    id: int
    slug: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    rating_x100: int
    rating_count: int
    languages: tuple[str, ...]
    photos: tuple[str, ...]
    cities: tuple[str, ...]
    services: tuple[ServiceTerms, ...]  # by price, then id
    policy: tuple[PolicyTier, ...]  # most generous tier first
    reviews: tuple[ReviewLine, ...] = ()  # the latest, newest first


@dataclass(frozen=True, slots=True)
class CatalogCounts:
    """Active providers per category and per city, for the landing page's links."""

    categories: Mapping[str, int]
    cities: Mapping[str, int]


async def provider_cards(session: AsyncSession, ids: list[int]) -> dict[int, ProviderCard]:
    """Cards for the providers of a result page, in one statement: each provider's cities
    come joined by a correlated subquery (every statement is a round trip, issue 17)."""
    if not ids:
        return {}
    cities = (
        select(func.aggregate_strings(ProviderCity.city, _CITY_SEPARATOR))
        .where(ProviderCity.provider_id == Provider.id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Provider.id, Provider.photos, Provider.description, cities).where(
            Provider.id.in_(ids)
        )
    )
    return {
        provider_id: ProviderCard(
            provider_id=provider_id,
            photo=thumbnail_url(str(photos[0])) if photos else None,  # a card's size
            cities=tuple(sorted(joined.split(_CITY_SEPARATOR))) if joined else (),
            description=_frozen(description),
        )
        for provider_id, photos, description, joined in rows
    }


async def provider_page(session: AsyncSession, slug: str, *, now: datetime) -> ProviderPage | None:
    """The public page of an active provider, or None (unknown, pending or suspended)."""
    provider = await session.scalar(select(Provider).where(Provider.slug == slug))
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        return None
    services = (
        await session.scalars(
            select(Service)
            .where(Service.provider_id == provider.id, Service.active == true())
            .order_by(Service.price_minor, Service.id)
        )
    ).all()
    cities = (
        await session.scalars(
            select(ProviderCity.city)
            .where(ProviderCity.provider_id == provider.id)
            .order_by(ProviderCity.city)
        )
    ).all()
    # One calendar for all the services (it is the provider's), loaded over the longest
    # span any of them needs: the same inputs as upcoming_free_dates, read once.
    first = now.date() - timedelta(days=1)
    last = first + timedelta(days=HORIZON_DAYS + max((s.days for s in services), default=1) + 1)
    calendar = await load_calendar(session, provider, first, last)
    terms = [await _terms(session, s, calendar, first, last, now) for s in services]
    return ProviderPage(
        id=provider.id,
        slug=provider.slug,
        name=_frozen(provider.name),
        description=_frozen(provider.description),
        rating_x100=provider.rating_x100,
        rating_count=provider.rating_count,
        languages=tuple(str(code) for code in provider.languages),
        photos=tuple(str(url) for url in provider.photos),
        cities=tuple(cities),
        services=tuple(terms),
        policy=CancellationPolicy.from_json(provider.cancellation_policy).tiers,
        reviews=await latest_reviews(session, provider.id, limit=REVIEWS_SHOWN),
    )


async def _terms(
    session: AsyncSession,
    s: Service,
    calendar: ProviderCalendar,
    first: date,
    last: date,
    now: datetime,
) -> ServiceTerms:
    # Each service has its own rules (notice, capacity, hours): its own free dates.
    occupancy = await load_occupancy(session, s, first, last)
    dates = next_free_dates(
        service_rules(s),
        calendar,
        occupancy,
        now=now,
        count=FREE_DATES_SHOWN,
        horizon_days=HORIZON_DAYS,
    )
    return ServiceTerms(
        id=s.id,
        category=s.category,
        title=_frozen(s.title),
        description=_frozen(s.description),
        pricing_model=s.pricing_model,
        price_minor=s.price_minor,
        currency=s.currency,
        deposit_bp=s.deposit_bp,
        duration_minutes=s.duration_minutes,
        days=s.days,
        min_guests=s.min_guests,
        max_guests=s.max_guests,
        min_notice_hours=s.min_notice_hours,
        free_dates=tuple(dates),
    )


async def catalog_counts(session: AsyncSession) -> CatalogCounts:
    """How many active providers offer each category, and serve each city: one statement."""
    offering = select(Service.provider_id).where(Service.active == true())
    by_category = (
        select(
            literal("category").label("kind"),
            Service.category.label("code"),
            func.count(func.distinct(Service.provider_id)).label("n"),
        )
        .join(Provider, Provider.id == Service.provider_id)
        .where(Provider.status == ProviderStatus.ACTIVE.value, Service.active == true())
        .group_by(Service.category)
    )
    by_city = (
        select(
            literal("city").label("kind"),
            ProviderCity.city.label("code"),
            func.count(func.distinct(ProviderCity.provider_id)).label("n"),
        )
        .join(Provider, Provider.id == ProviderCity.provider_id)
        .where(Provider.status == ProviderStatus.ACTIVE.value, Provider.id.in_(offering))
        .group_by(ProviderCity.city)
    )
    found: dict[str, dict[str, int]] = defaultdict(dict)
    # It counts the whole catalog: on SQLite it runs off the event loop.
    counted = await session.execute(
        union_all(by_category, by_city), execution_options={LONG_READ: True}
    )
    for kind, code, n in counted:
        found[str(kind)][str(code)] = int(n)
    return CatalogCounts(
        categories=MappingProxyType(found["category"]),
        cities=MappingProxyType(found["city"]),
    )


async def public_slugs(session: AsyncSession) -> list[str]:
    """Every active provider's slug, for the sitemap."""
    rows = await session.scalars(
        select(Provider.slug)
        .where(Provider.status == ProviderStatus.ACTIVE.value)
        .order_by(Provider.slug)
    )
    return list(rows)


def _frozen(texts: dict[str, Any] | None) -> Mapping[str, str]:
    return MappingProxyType({str(k): str(v) for k, v in (texts or {}).items()})
