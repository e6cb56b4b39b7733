"""Write one demo provider through core: its owner, profile, services, hours and calendar,
with a rating, a joining date and some busy days drawn from the seed."""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, time, timedelta

from core.booking.availability import local_instant
from core.catalog.provider_setup import (
    NewProvider,
    NewService,
    OpeningWindow,
    create_provider,
)
from core.catalog.vocabulary import MARKET_TZ
from core.uow import UnitOfWorkFactory
from demo.images import photo_paths
from demo.model import ProviderSpec, ServiceSpec

TZ = MARKET_TZ
SOURCE = "demo"


def demo_phone(slug: str) -> str:
    """A provider's number for the demo, the same on every seed: in +212 500, a range
    libphonenumber knows as unassigned, so that the demo never shows a real person's."""
    return f"+212500{zlib.crc32(slug.encode()) % 1_000_000:06d}"


def rating(rng: random.Random) -> tuple[int, int]:
    """(sum of stars, count): a few newcomers have no rating yet."""
    if rng.random() < 0.12:
        return 0, 0
    count = rng.randint(4, 160)
    stars = min(5 * count, max(count, round(rng.uniform(3.8, 4.95) * count)))
    return stars, count


async def add_provider(
    uows: UnitOfWorkFactory, spec: ProviderSpec, *, domain: str, now: datetime, seed: int
) -> int:
    """Create ``spec`` in one transaction; returns how many services it got."""
    rng = random.Random(f"{seed}:{spec.slug}")
    joined = now - timedelta(days=rng.randint(30, 900))
    stars, count = rating(rng)
    days_off, busy = _calendar(rng, now.astimezone(TZ).date())
    new = NewProvider(
        slug=spec.slug,
        owner_name=spec.owner,
        owner_locale=spec.locale,
        owner_email=f"{spec.slug}@{domain}",
        owner_phone=demo_phone(spec.slug),
        name=spec.name.as_dict(),
        description=spec.description.as_dict(),
        categories=spec.categories,
        cities=spec.cities,
        languages=spec.languages,
        photos=tuple(photo_paths(spec)),
        status=spec.status,
        services=tuple(_service(s) for s in spec.services),
        hours=tuple(
            OpeningWindow(day, start, end)
            for weekdays, start, end in spec.windows
            for day in weekdays
        ),
        joined_at=joined,
        source=SOURCE,
        cancellation_policy=spec.policy,
        rating_sum=stars,
        rating_count=count,
        days_off=days_off,
        busy=busy,
    )
    async with uows() as uow:
        await create_provider(uow, new)
        await uow.commit()
    return len(spec.services)


def _service(spec: ServiceSpec) -> NewService:
    return NewService(
        category=spec.category,
        title=spec.title.as_dict(),
        description=spec.description.as_dict(),
        pricing=spec.pricing,
        price_minor=spec.price_minor,
        deposit_bp=spec.deposit_bp,
        duration_minutes=spec.duration_minutes,
        days=spec.days,
        daily_capacity=spec.capacity,
        min_notice_hours=spec.notice_hours,
        buffer_minutes=spec.buffer_minutes,
        min_guests=spec.min_guests,
        max_guests=spec.max_guests,
        style=spec.style,
    )


def _calendar(
    rng: random.Random, today: date
) -> tuple[tuple[date, ...], tuple[tuple[datetime, datetime], ...]]:
    """Some days off and some time already taken elsewhere, all in the future."""
    days_off: set[date] = set()
    busy: list[tuple[datetime, datetime]] = []
    if rng.random() < 0.45:
        days_off = {today + timedelta(days=rng.randint(5, 150)) for _ in range(rng.randint(1, 3))}
    if rng.random() < 0.35:
        for _ in range(rng.randint(1, 2)):
            day = today + timedelta(days=rng.randint(3, 90))
            start = local_instant(day, time(rng.choice((10, 14, 17))), TZ)
            busy.append((start, start + timedelta(hours=rng.choice((2, 3, 4)))))
    return tuple(sorted(days_off)), tuple(busy)
