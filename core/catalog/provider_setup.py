"""Put a whole provider in the catalog at once: its owner, profile, services, hours and
calendar, as an import or the demo does; and find such providers again by slug."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.quote import PricingModel
from core.catalog.vocabulary import DEFAULT_CURRENCY, MARKET_TIMEZONE
from core.db.tables import (
    Blackout,
    BusyInterval,
    Provider,
    ProviderCategory,
    ProviderCity,
    ProviderStatus,
    Service,
    User,
    UserRole,
    WeeklyRule,
)
from core.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class NewService:
    category: str
    title: Mapping[str, str]  # per language
    description: Mapping[str, str]
    pricing: PricingModel
    price_minor: int
    deposit_bp: int
    duration_minutes: int | None  # None: full day
    days: int
    daily_capacity: int
    min_notice_hours: int
    buffer_minutes: int
    min_guests: int | None
    max_guests: int | None
    style: str | None = None  # a kind within the category ("dakka" for a band)


@dataclass(frozen=True, slots=True)
class OpeningWindow:
    weekday: int  # 0 = Monday
    start: time
    end: time  # not after start: runs past midnight


@dataclass(frozen=True, slots=True)
class NewProvider:
    slug: str
    owner_name: str
    owner_locale: str
    owner_email: str
    name: Mapping[str, str]
    description: Mapping[str, str]
    categories: tuple[str, ...]
    cities: tuple[str, ...]
    languages: tuple[str, ...]
    photos: tuple[str, ...]
    status: str  # a ProviderStatus value
    services: tuple[NewService, ...]
    hours: tuple[OpeningWindow, ...]
    joined_at: datetime
    source: str  # where the owner came from, as users.source
    cancellation_policy: tuple[tuple[int, int], ...] | None = None  # (min_days_before, bp)
    rating_sum: int = 0
    rating_count: int = 0
    days_off: tuple[date, ...] = ()
    busy: tuple[tuple[datetime, datetime], ...] = ()  # time taken elsewhere
    owner_phone: str | None = None  # E.164; a contact for clients, not a login (not proven)


@dataclass(frozen=True, slots=True)
class ProviderIds:
    provider_id: int
    owner_id: int
    service_ids: tuple[int, ...]  # in creation order


async def create_provider(uow: UnitOfWork, new: NewProvider) -> ProviderIds:
    """Add ``new`` to the unit of work (the caller commits); services keep their order."""
    session = uow.session
    owner = User(
        role=UserRole.PROVIDER.value,
        display_name=new.owner_name,
        locale=new.owner_locale,
        email=new.owner_email,
        contact_phone=new.owner_phone,
        source=new.source,
        created_at=new.joined_at,
    )
    session.add(owner)
    await session.flush()
    provider = Provider(
        user_id=owner.id,
        slug=new.slug,
        name=dict(new.name),
        description=dict(new.description),
        languages=list(new.languages),
        photos=list(new.photos),
        status=ProviderStatus(new.status).value,
        timezone=MARKET_TIMEZONE,
        cancellation_policy=(
            [{"min_days_before": d, "refund_bp": bp} for d, bp in new.cancellation_policy]
            if new.cancellation_policy
            else None
        ),
        rating_sum=new.rating_sum,
        rating_count=new.rating_count,
        rating_x100=round(100 * new.rating_sum / new.rating_count) if new.rating_count else 0,
        calendar_token=secrets.token_hex(20),
        created_at=new.joined_at,
    )
    session.add(provider)
    await session.flush()
    session.add_all(ProviderCategory(provider_id=provider.id, category=c) for c in new.categories)
    session.add_all(ProviderCity(provider_id=provider.id, city=c) for c in new.cities)
    service_ids: list[int] = []
    for spec in new.services:
        service = _service(provider.id, spec)
        session.add(service)
        await session.flush()  # one at a time: ids follow the order given
        service_ids.append(service.id)
    session.add_all(
        WeeklyRule(provider_id=provider.id, weekday=w.weekday, start=w.start, end=w.end)
        for w in new.hours
    )
    session.add_all(Blackout(provider_id=provider.id, day=d) for d in new.days_off)
    session.add_all(
        BusyInterval(provider_id=provider.id, starts_at=s, ends_at=e, source=new.source)
        for s, e in new.busy
    )
    await session.flush()
    return ProviderIds(provider.id, owner.id, tuple(service_ids))


async def providers_by_slug(session: AsyncSession, slugs: list[str]) -> dict[str, ProviderIds]:
    """The providers with these slugs, with their services' ids in creation order."""
    rows = (
        await session.execute(
            select(Provider.slug, Provider.id, Provider.user_id, Service.id)
            .outerjoin(Service, Service.provider_id == Provider.id)
            .where(Provider.slug.in_(slugs))
            .order_by(Provider.slug, Service.id)
        )
    ).all()
    found: dict[str, tuple[int, int, list[int]]] = {}
    for slug, provider_id, owner_id, service_id in rows:
        _, _, ids = found.setdefault(slug, (provider_id, owner_id, []))
        if service_id is not None:
            ids.append(service_id)
    return {slug: ProviderIds(p, o, tuple(ids)) for slug, (p, o, ids) in found.items()}


def _service(provider_id: int, spec: NewService) -> Service:
    return Service(
        provider_id=provider_id,
        category=spec.category,
        title=dict(spec.title),
        description=dict(spec.description),
        pricing_model=spec.pricing.value,
        price_minor=spec.price_minor,
        currency=DEFAULT_CURRENCY,
        deposit_bp=spec.deposit_bp,
        duration_minutes=spec.duration_minutes,
        days=spec.days,
        daily_capacity=spec.daily_capacity,
        min_notice_hours=spec.min_notice_hours,
        buffer_minutes=spec.buffer_minutes,
        min_guests=spec.min_guests,
        max_guests=spec.max_guests,
        style=spec.style,
        active=True,
    )
