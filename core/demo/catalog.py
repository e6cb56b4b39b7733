"""Write one demo provider: its owner, profile, services, hours and calendar."""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.tables import (
    Blackout,
    BusyInterval,
    Provider,
    ProviderCategory,
    ProviderCity,
    Service,
    User,
    UserRole,
    WeeklyRule,
)
from core.demo.data import DEMO_DOMAIN
from core.demo.images import photo_paths
from core.demo.model import HOURS, ProviderSpec, ServiceSpec
from core.domain.availability import local_instant
from core.domain.catalog import DEFAULT_CURRENCY, MARKET_TIMEZONE, MARKET_TZ
from core.uow import UnitOfWorkFactory

TZ = MARKET_TZ


def rating(rng: random.Random) -> tuple[int, int, int]:
    """(sum of stars, count, average x 100): a few newcomers have no rating yet."""
    if rng.random() < 0.12:
        return 0, 0, 0
    count = rng.randint(4, 160)
    stars = min(5 * count, max(count, round(rng.uniform(3.8, 4.95) * count)))
    return stars, count, round(100 * stars / count)


async def add_provider(
    uows: UnitOfWorkFactory, spec: ProviderSpec, *, now: datetime, seed: int
) -> int:
    """Create ``spec`` in one transaction; returns how many services it got."""
    rng = random.Random(f"{seed}:{spec.slug}")
    joined = now - timedelta(days=rng.randint(30, 900))
    async with uows() as uow:
        session = uow.session
        owner = User(
            role=UserRole.PROVIDER.value,
            display_name=spec.owner,
            locale=spec.locale,
            email=f"{spec.slug}@{DEMO_DOMAIN}",
            source="demo",
            created_at=joined,
        )
        session.add(owner)
        await session.flush()
        stars, count, x100 = rating(rng)
        provider = Provider(
            user_id=owner.id,
            slug=spec.slug,
            name=spec.name.as_dict(),
            description=spec.description.as_dict(),
            languages=list(spec.languages),
            photos=photo_paths(spec),
            status=spec.status,
            timezone=MARKET_TIMEZONE,
            cancellation_policy=(
                [{"min_days_before": d, "refund_bp": bp} for d, bp in spec.policy]
                if spec.policy
                else None
            ),
            rating_sum=stars,
            rating_count=count,
            rating_x100=x100,
            calendar_token=secrets.token_hex(20),
            created_at=joined,
        )
        session.add(provider)
        await session.flush()
        session.add_all(
            ProviderCategory(provider_id=provider.id, category=c) for c in spec.categories
        )
        session.add_all(ProviderCity(provider_id=provider.id, city=c) for c in spec.cities)
        # One flush per service keeps ids in spec order: the bookings find them by index.
        for service_spec in spec.services:
            session.add(_service(provider.id, service_spec))
            await session.flush()
        for weekdays, start, end in HOURS[spec.hours]:
            session.add_all(
                WeeklyRule(provider_id=provider.id, weekday=d, start=start, end=end)
                for d in weekdays
            )
        _add_calendar(session, provider.id, rng, now.astimezone(TZ).date())
        await uow.commit()
    return len(spec.services)


def _service(provider_id: int, spec: ServiceSpec) -> Service:
    return Service(
        provider_id=provider_id,
        category=spec.category,
        title=spec.title.as_dict(),
        description=spec.description.as_dict(),
        pricing_model=spec.pricing.value,
        price_minor=spec.price_minor,
        currency=DEFAULT_CURRENCY,
        deposit_bp=spec.deposit_bp,
        duration_minutes=spec.duration_minutes,
        days=spec.days,
        daily_capacity=spec.capacity,
        min_notice_hours=spec.notice_hours,
        buffer_minutes=spec.buffer_minutes,
        min_guests=spec.min_guests,
        max_guests=spec.max_guests,
        active=True,
    )


def _add_calendar(session: AsyncSession, provider_id: int, rng: random.Random, today: date) -> None:
    """Some days off and some time already taken elsewhere, all in the future."""
    if rng.random() < 0.45:
        days = {today + timedelta(days=rng.randint(5, 150)) for _ in range(rng.randint(1, 3))}
        session.add_all(Blackout(provider_id=provider_id, day=d) for d in sorted(days))
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 2)):
            day = today + timedelta(days=rng.randint(3, 90))
            start = local_instant(day, time(rng.choice((10, 14, 17))), TZ)
            session.add(
                BusyInterval(
                    provider_id=provider_id,
                    starts_at=start,
                    ends_at=start + timedelta(hours=rng.choice((2, 3, 4))),
                    source="demo",
                )
            )
