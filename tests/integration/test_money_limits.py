"""Issue 12: large amounts are stored the same on SQLite and PostgreSQL (64-bit money
columns), and amounts past the domain's bounds are refused before anything is written."""

from __future__ import annotations

from datetime import date

import pytest

from core.booking.quote import MAX_GUESTS
from core.clock import FixedClock
from core.db.tables import Booking
from core.errors import InvalidValue
from core.uow import UnitOfWorkFactory
from tests.support.bookings import count, request
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)


async def test_a_total_past_int32_is_stored_on_both_databases(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    # 3 000 MAD a guest, 10 000 guests: 3 000 000 000 minor units (INTEGER ends at 2**31-1).
    _, _, service_id = await make_provider(
        uows, now, pricing_model="per_guest", price_minor=300_000, deposit_bp=3000
    )
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service_id, DAY, guests=MAX_GUESTS)
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        assert (booking.total_minor, booking.deposit_minor, booking.balance_minor) == (
            3_000_000_000,
            900_000_000,
            2_100_000_000,
        )


async def test_guests_past_the_domain_bound_are_refused_before_writing(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    _, _, service_id = await make_provider(uows, now, pricing_model="per_guest")
    client = await make_user(uows, now)
    with pytest.raises(InvalidValue) as info:
        await request(uows, now, client, service_id, DAY, guests=MAX_GUESTS + 1)
    assert info.value.key == "guests_out_of_range"
    assert await count(uows, Booking) == 0
