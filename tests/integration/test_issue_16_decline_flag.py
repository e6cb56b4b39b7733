"""Issue 16's automatic flag: a provider declining more than half of their last 10 requests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Flag
from core.uow import UnitOfWorkFactory
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user


async def flags(uows: UnitOfWorkFactory) -> list[tuple[str, str, int, dict[str, object]]]:
    async with uows() as uow:
        rows = (await uow.session.scalars(select(Flag).order_by(Flag.id))).all()
        return [(f.kind, f.subject_id, f.occurrences, dict(f.details)) for f in rows]


async def test_sixth_decline_of_ten_raises_one_flag_that_later_declines_update(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, provider_id, service = await make_provider(uows, now, capacity=20)
    client = await make_user(uows, now)
    provider = Actor(Role.PROVIDER, owner)
    day = now.date() + timedelta(days=30)
    answers = [Action.ACCEPT] * 4 + [Action.DECLINE] * 5
    for i, action in enumerate(answers):
        booking = await request(uows, now + timedelta(minutes=i), client, service, day)
        reason = "fully booked" if action is Action.DECLINE else None
        await act(uows, booking, action, provider, now=now + timedelta(minutes=i), reason=reason)
    assert await flags(uows) == []  # 5 of 9: not more than half of 10

    for i in (10, 11):
        booking = await request(uows, now + timedelta(minutes=i), client, service, day)
        await act(uows, booking, Action.DECLINE, provider, now=now, reason="away")
    assert await flags(uows) == [
        ("provider_declines", str(provider_id), 2, {"declined": 7, "of_last": 10})
    ]
    # An admin's declines (a suspension) are not the provider's choice.
    booking = await request(uows, now, client, service, day)
    admin = await make_user(uows, now, role="admin")
    await act(uows, booking, Action.DECLINE, Actor(Role.ADMIN, admin), now=now, reason="x")
    assert [f[2] for f in await flags(uows)] == [2]
