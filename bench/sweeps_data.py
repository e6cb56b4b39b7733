"""A backlog of overdue booking requests, as the expiry sweep finds it after an outage.

Each request is what ``request_booking`` writes (the booking, its seat, its first
transition, its news to the provider, already delivered), put in with Core ``insert()``
executemany in slices: building 100,000 through the service would take longer than
expiring them. Used by bench/sweeps.py and by the scheduler's process tests.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from core.db.tables import (
    Booking,
    BookingTransition,
    Provider,
    Service,
    SlotHold,
    User,
)

ZONE = ZoneInfo("Africa/Casablanca")
SLICE = 5_000
DAYS = 365


async def seed_overdue(engine: AsyncEngine, n: int, *, now: datetime) -> tuple[int, int]:
    """``n`` requests whose deadline passed an hour before ``now``: (provider's user, client)."""
    created = now - timedelta(hours=25)
    async with engine.begin() as conn:
        owner = (
            await conn.execute(
                insert(User).values(role="provider", display_name="Bench", created_at=created)
            )
        ).inserted_primary_key
        client = (
            await conn.execute(
                insert(User).values(role="client", display_name="Client", created_at=created)
            )
        ).inserted_primary_key
        assert owner is not None and client is not None
        provider = (
            await conn.execute(
                insert(Provider).values(
                    user_id=owner[0],
                    slug=f"bench-sweeps-{owner[0]}",
                    name={"fr": "Bench"},
                    description={},
                    languages=["fr"],
                    photos=[],
                    status="active",
                    created_at=created,
                )
            )
        ).inserted_primary_key
        assert provider is not None
        service = (
            await conn.execute(
                insert(Service).values(
                    provider_id=provider[0],
                    category="photographer",
                    title={"fr": "Reportage"},
                    description={},
                    pricing_model="fixed",
                    price_minor=500_000,
                    daily_capacity=n // DAYS + 1,
                )
            )
        ).inserted_primary_key
        assert service is not None
        first_day = (now + timedelta(days=30)).astimezone(ZONE).date()
        for start in range(0, n, SLICE):
            rows = [
                _booking(i, client[0], provider[0], service[0], first_day, created, now)
                for i in range(start, min(n, start + SLICE))
            ]
            ids = [
                row[0]
                for row in (await conn.execute(insert(Booking).returning(Booking.id), rows)).all()
            ]
            await conn.execute(
                insert(SlotHold),
                [
                    {
                        "booking_id": booking_id,
                        "provider_id": provider[0],
                        "service_id": service[0],
                        "day": row["event_date"],
                        "seat": (start + k) // DAYS,
                    }
                    for k, (booking_id, row) in enumerate(zip(ids, rows, strict=True))
                ],
            )
            await conn.execute(
                insert(BookingTransition),
                [
                    {
                        "booking_id": booking_id,
                        "source": None,
                        "target": "requested",
                        "action": "request",
                        "actor_role": "client",
                        "actor_user_id": client[0],
                        "at": created,
                    }
                    for booking_id in ids
                ],
            )
    return int(owner[0]), int(client[0])


def _booking(
    i: int,
    client: int,
    provider: int,
    service: int,
    first_day: date,
    created: datetime,
    now: datetime,
) -> dict[str, Any]:
    day = first_day + timedelta(days=i % DAYS)
    starts = datetime.combine(day, time(9), tzinfo=ZONE)
    return {
        "reference": f"BX{i:010d}",
        "client_id": client,
        "provider_id": provider,
        "service_id": service,
        "state": "requested",
        "event_type": "wedding",
        "event_date": day,
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=14),
        "guests": 100,
        "city": "rabat",
        "currency": "MAD",
        "total_minor": 500_000,
        "deposit_minor": 150_000,
        "balance_minor": 350_000,
        "quote": {},
        "expires_at": now - timedelta(hours=1),
        "created_at": created,
        "updated_at": created,
    }
