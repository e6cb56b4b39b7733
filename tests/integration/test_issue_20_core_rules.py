"""Issue 20: who may confirm a delivery, and only once; the minimum-guests boundary.

Each test names a rule a planted bug slipped past before; they run on SQLite and
PostgreSQL through the real services.
"""

from __future__ import annotations

from datetime import date

import pytest

from core.booking.actions import confirm_delivery
from core.booking.actors import Actor
from core.booking.states import BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, Service
from core.errors import InvalidValue, NotAllowed
from core.uow import UnitOfWorkFactory
from tests.support.bookings import drive_to, request, snapshot
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 13)


async def delivered_booking(uows: UnitOfWorkFactory, clock: FixedClock) -> tuple[int, int, int]:
    """A delivered booking awaiting the client's confirmation: (booking, client, owner)."""
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, DAY)
    await drive_to(uows, booking_id, BookingState.DELIVERED, owner=owner, now=clock.now())
    return booking_id, client, owner


async def confirmed_at(uows: UnitOfWorkFactory, booking_id: int) -> object:
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        return booking.delivery_confirmed_at


async def test_only_the_bookings_own_client_confirms_its_delivery(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    booking_id, client, owner = await delivered_booking(uows, clock)
    stranger = await make_user(uows, clock.now(), name="Stranger")
    other_owner, _, _ = await make_provider(uows, clock.now(), slug="other-studio")
    before = await snapshot(uows, booking_id)
    refused = [
        (Actor(Role.CLIENT, stranger), NotAllowed, "not_your_booking"),
        (Actor(Role.CLIENT, None), NotAllowed, "not_your_booking"),
        (Actor(Role.CLIENT, owner), NotAllowed, "not_your_booking"),  # the provider posing
        (Actor(Role.ADMIN, client), NotAllowed, "not_your_booking"),  # not an admin
        (Actor(Role.PROVIDER, other_owner), NotAllowed, "not_your_booking"),
        # The booking's own provider owns it, yet may not vouch for their own delivery.
        (Actor(Role.PROVIDER, owner), NotAllowed, "action_not_allowed_for_role"),
    ]
    for actor, error, key in refused:
        async with uows() as uow:
            with pytest.raises(error) as caught:
                await confirm_delivery(uow, booking_id, actor, now=clock.now())
            await uow.commit()
        assert caught.value.key == key, actor
    assert await snapshot(uows, booking_id) == before
    assert await confirmed_at(uows, booking_id) is None
    async with uows() as uow:
        await confirm_delivery(uow, booking_id, Actor(Role.CLIENT, client), now=clock.now())
        await uow.commit()
    assert await confirmed_at(uows, booking_id) == clock.now()


async def test_a_delivery_is_confirmed_once(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    # The confirmation charges the balance: a second one, while the first charge is still
    # processing (the booking stays delivered), would charge it again.
    booking_id, client, _ = await delivered_booking(uows, clock)
    async with uows() as uow:
        await confirm_delivery(uow, booking_id, Actor(Role.CLIENT, client), now=clock.now())
        await uow.commit()
    after_first = await snapshot(uows, booking_id)
    for actor in (Actor(Role.CLIENT, client), Actor.system()):
        async with uows() as uow:
            with pytest.raises(InvalidValue) as caught:
                await confirm_delivery(uow, booking_id, actor, now=clock.now())
        assert caught.value.key == "delivery_not_awaiting_confirmation"
    assert await snapshot(uows, booking_id) == after_first


async def test_minimum_guests_is_inclusive(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    _, _, service_id = await make_provider(uows, now, capacity=5)
    async with uows() as uow:
        service = await uow.session.get(Service, service_id)
        assert service is not None
        service.min_guests = 80
        await uow.commit()
    client = await make_user(uows, now)
    with pytest.raises(InvalidValue) as caught:
        await request(uows, now, client, service_id, DAY, guests=79)
    assert caught.value.key == "guests_below_minimum"
    assert caught.value.params == {"guests": 79, "min": 80}
    booking_id = await request(uows, now, client, service_id, DAY, guests=80)
    assert (await snapshot(uows, booking_id)).state == BookingState.REQUESTED.value
