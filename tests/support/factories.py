"""Small builders for test data: a provider with one service and open weekly hours."""

from __future__ import annotations

from datetime import datetime, time

from core.db.tables import Provider, ProviderCategory, ProviderCity, Service, User, WeeklyRule
from core.uow import UnitOfWorkFactory


async def make_user(
    uows: UnitOfWorkFactory, now: datetime, *, role: str = "client", name: str = "Client"
) -> int:
    async with uows() as uow:
        user = User(role=role, display_name=name, locale="fr", created_at=now)
        uow.session.add(user)
        await uow.commit()
        return user.id


async def make_provider(
    uows: UnitOfWorkFactory,
    now: datetime,
    *,
    slug: str = "studio-atlas",
    category: str = "photographer",
    city: str = "rabat",
    capacity: int = 1,
    duration_minutes: int | None = None,
    pricing_model: str = "fixed",
    price_minor: int = 500_000,
    deposit_bp: int = 3000,
    min_notice_hours: int = 48,
    buffer_minutes: int = 0,
    hours: tuple[time, time] = (time(9), time(23)),
) -> tuple[int, int, int]:
    """Returns (provider_user_id, provider_id, service_id)."""
    owner = await make_user(uows, now, role="provider", name=slug)
    async with uows() as uow:
        provider = Provider(
            user_id=owner,
            slug=slug,
            name={"fr": slug, "en": slug, "ar": slug},
            description={"fr": "", "en": "", "ar": ""},
            languages=["fr", "ar"],
            photos=[],
            status="active",
            timezone="Africa/Casablanca",
            cancellation_policy=None,
            created_at=now,
        )
        uow.session.add(provider)
        await uow.session.flush()
        uow.session.add(ProviderCategory(provider_id=provider.id, category=category))
        uow.session.add(ProviderCity(provider_id=provider.id, city=city))
        service = Service(
            provider_id=provider.id,
            category=category,
            title={"fr": "Reportage", "en": "Coverage", "ar": "تغطية"},
            description={"fr": "", "en": "", "ar": ""},
            pricing_model=pricing_model,
            price_minor=price_minor,
            currency="MAD",
            deposit_bp=deposit_bp,
            duration_minutes=duration_minutes,
            days=1,
            daily_capacity=capacity,
            min_notice_hours=min_notice_hours,
            buffer_minutes=buffer_minutes,
            active=True,
        )
        uow.session.add(service)
        for weekday in range(7):
            uow.session.add(
                WeeklyRule(provider_id=provider.id, weekday=weekday, start=hours[0], end=hours[1])
            )
        await uow.commit()
        return owner, provider.id, service.id
