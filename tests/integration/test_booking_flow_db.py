"""Request and accept a booking against the real databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, text

from core.booking.actions import apply_action
from core.booking.actors import Actor
from core.booking.request import RequestBooking, request_booking
from core.booking.states import Action, BookingState, Role
from core.clock import FixedClock
from core.db.tables import Booking, OutboxMessage, SlotHold
from core.errors import SlotUnavailable
from core.uow import UnitOfWorkFactory
from tests.support.factories import make_provider, make_user


async def test_request_then_accept(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    cmd = RequestBooking(
        client_id=client,
        service_id=service_id,
        event_type="wedding",
        day=date(2026, 6, 14),
        guests=200,
        city="rabat",
    )
    async with uows() as uow:
        booking = await request_booking(uow, cmd, now=now)
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(SlotUnavailable):
            await request_booking(uow, cmd, now=now)
    async with uows() as uow:
        accepted = await apply_action(
            uow, booking.id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now
        )
        await uow.commit()
    assert accepted.state == "accepted"
    async with uows() as uow:
        kinds = (
            await uow.session.scalars(select(OutboxMessage.kind).order_by(OutboxMessage.id))
        ).all()
        holds = await uow.session.scalar(select(func.count()).select_from(SlotHold))
    assert kinds == ["booking_requested", "booking_accepted"]
    assert holds == 1


async def test_the_state_column_reads_as_the_enum_and_stores_its_value(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    cmd = RequestBooking(
        client_id=client,
        service_id=service_id,
        event_type="wedding",
        day=date(2026, 6, 14),
        guests=200,
        city="rabat",
    )
    async with uows() as uow:
        booking_id = (await request_booking(uow, cmd, now=now)).id
        await uow.commit()
    async with uows() as uow:
        await apply_action(uow, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
        await uow.commit()
    async with uows() as uow:
        loaded = await uow.session.get(Booking, booking_id)
        assert loaded is not None and loaded.state is BookingState.ACCEPTED
        stored = await uow.session.scalar(
            text("SELECT state FROM bookings WHERE id = :id"), {"id": booking_id}
        )
        found = await uow.session.scalar(
            select(Booking.id).where(Booking.state == BookingState.ACCEPTED)
        )
    # The same plain string as before the column was typed: old rows read, no migration.
    assert type(stored) is str and stored == "accepted"
    assert found == booking_id
