"""Builders for search tests: providers with several services, calendars and ratings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from core.db.tables import (
    Blackout,
    BusyInterval,
    Provider,
    ProviderCategory,
    ProviderCity,
    Service,
    WeeklyRule,
)
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_user


@dataclass(frozen=True)
class ServiceSpec:
    category: str = "photographer"
    pricing_model: str = "fixed"
    price_minor: int = 500_000
    duration_minutes: int | None = None
    days: int = 1
    capacity: int = 1
    min_notice_hours: int = 48
    min_guests: int | None = None
    max_guests: int | None = None
    active: bool = True
    style: str | None = None


@dataclass(frozen=True)
class Built:
    provider_id: int
    service_ids: list[int]

    @property
    def service_id(self) -> int:
        return self.service_ids[0]


async def add_provider(
    uows: UnitOfWorkFactory,
    now: datetime,
    slug: str,
    *,
    services: Sequence[ServiceSpec] = (ServiceSpec(),),
    cities: Iterable[str] = ("rabat",),
    languages: Iterable[str] = ("fr", "ar"),
    status: str = "active",
    rating_x100: int = 0,
    rating_count: int = 0,
    weekdays: Iterable[int] = range(7),
) -> Built:
    """A provider open 09:00-23:00 on ``weekdays`` with the given services."""
    owner = await make_user(uows, now, role="provider", name=slug)
    async with uows() as uow:
        provider = Provider(
            user_id=owner,
            slug=slug,
            name={"fr": slug, "en": slug, "ar": slug},
            description={"fr": "", "en": "", "ar": ""},
            languages=list(languages),
            photos=[],
            status=status,
            timezone="Africa/Casablanca",
            cancellation_policy=None,
            rating_sum=rating_x100 * rating_count // 100,
            rating_count=rating_count,
            rating_x100=rating_x100,
            created_at=now,
        )
        uow.session.add(provider)
        await uow.session.flush()
        for category in sorted({s.category for s in services}):
            uow.session.add(ProviderCategory(provider_id=provider.id, category=category))
        for city in cities:
            uow.session.add(ProviderCity(provider_id=provider.id, city=city))
        rows = [_service(provider.id, spec) for spec in services]
        uow.session.add_all(rows)
        for weekday in weekdays:
            uow.session.add(
                WeeklyRule(provider_id=provider.id, weekday=weekday, start=time(9), end=time(23))
            )
        await uow.commit()
        return Built(provider.id, [s.id for s in rows])


def _service(provider_id: int, spec: ServiceSpec) -> Service:
    return Service(
        provider_id=provider_id,
        category=spec.category,
        title={"fr": "Service", "en": "Service", "ar": "خدمة"},
        description={"fr": "", "en": "", "ar": ""},
        pricing_model=spec.pricing_model,
        price_minor=spec.price_minor,
        currency="MAD",
        deposit_bp=3000,
        duration_minutes=spec.duration_minutes,
        days=spec.days,
        daily_capacity=spec.capacity,
        min_notice_hours=spec.min_notice_hours,
        buffer_minutes=0,
        min_guests=spec.min_guests,
        max_guests=spec.max_guests,
        active=spec.active,
        style=spec.style,
    )


async def add_blackout(uows: UnitOfWorkFactory, provider_id: int, day: date) -> None:
    async with uows() as uow:
        uow.session.add(Blackout(provider_id=provider_id, day=day))
        await uow.commit()


async def add_busy(
    uows: UnitOfWorkFactory, provider_id: int, starts_at: datetime, ends_at: datetime
) -> None:
    async with uows() as uow:
        uow.session.add(
            BusyInterval(
                provider_id=provider_id, starts_at=starts_at, ends_at=ends_at, source="test"
            )
        )
        await uow.commit()
