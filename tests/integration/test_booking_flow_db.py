"""Request and accept a booking against the real databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.db.tables import OutboxMessage, SlotHold
from core.domain.booking_states import Action, Role
from core.errors import SlotUnavailable
from core.services.actors import Actor
from core.services.booking_actions import apply_action
from core.services.booking_request import RequestBooking, request_booking
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
