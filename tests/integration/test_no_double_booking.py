"""No double booking: many clients racing for the same day, on SQLite and PostgreSQL.

Each attempt runs in its own unit of work (its own connection and transaction), all at
once; the database must let exactly ``capacity`` of them through and every other one
must come back as SlotUnavailable, not as a database error.
"""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.booking.actors import Actor
from core.booking.request import request_booking
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Booking, BookingTransition, OutboxMessage, Service, SlotHold
from core.errors import SlotUnavailable
from core.uow import UnitOfWorkFactory
from tests.support.bookings import act, request, request_cmd
from tests.support.factories import make_provider, make_user

ATTEMPTS = 50
DAY = date(2026, 6, 14)


async def _race(
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    service_id: int,
    *,
    start_time: time | None = None,
) -> list[int | BaseException]:
    now = clock.now()
    clients = [await make_user(uows, now, name=f"client {i}") for i in range(ATTEMPTS)]

    async def attempt(client: int) -> int:
        async with uows() as uow:
            cmd = request_cmd(client, service_id, DAY, start_time=start_time)
            booking = await request_booking(uow, cmd, now=now)
            await uow.commit()
            return booking.id

    return await asyncio.gather(*(attempt(c) for c in clients), return_exceptions=True)


def _split(results: list[int | BaseException]) -> tuple[list[int], list[BaseException]]:
    won = [r for r in results if isinstance(r, int)]
    lost = [r for r in results if not isinstance(r, int)]
    leaked = [r for r in lost if not isinstance(r, SlotUnavailable)]
    assert not leaked, f"not a SlotUnavailable: {leaked[:3]!r}"
    return won, lost


@pytest.mark.parametrize("capacity", [1, 3])
async def test_concurrent_requests_fill_exactly_the_capacity(
    uows: UnitOfWorkFactory, clock: FixedClock, capacity: int
) -> None:
    _, _, service_id = await make_provider(uows, clock.now(), capacity=capacity)
    won, lost = _split(await _race(uows, clock, service_id))
    assert len(won) == capacity
    assert len(lost) == ATTEMPTS - capacity
    async with uows() as uow:
        s = uow.session
        bookings = [(b.id, b.state, b.client_id) for b in (await s.scalars(select(Booking)))]
        holds = (await s.execute(select(SlotHold.booking_id, SlotHold.day, SlotHold.seat))).all()
        trail = await s.scalar(select(func.count()).select_from(BookingTransition))
        news = (await s.scalars(select(OutboxMessage.kind))).all()
    assert sorted(b for b, _, _ in bookings) == sorted(won)
    assert {state for _, state, _ in bookings} == {"requested"}
    assert len({client for _, _, client in bookings}) == capacity
    # One seat each, every seat of the day used once, none beyond the capacity.
    assert sorted(seat for _, _, seat in holds) == list(range(capacity))
    assert {day for _, day, _ in holds} == {DAY}
    assert sorted(b for b, _, _ in holds) == sorted(won)
    assert trail == capacity
    assert news == ["booking_requested"] * capacity


async def test_concurrent_hourly_requests_for_one_seat(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service_id = await make_provider(
        uows, clock.now(), duration_minutes=120, pricing_model="per_hour", price_minor=60_000
    )
    won, lost = _split(await _race(uows, clock, service_id, start_time=time(18)))
    assert len(won) == 1
    assert len(lost) == ATTEMPTS - 1
    async with uows() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Booking)) == 1
        assert await uow.session.scalar(select(func.count()).select_from(SlotHold)) == 1


async def test_losers_can_book_another_day(uows: UnitOfWorkFactory, clock: FixedClock) -> None:
    """After the race the service still works: the pool and the database are healthy."""
    _, _, service_id = await make_provider(uows, clock.now(), capacity=1)
    _split(await _race(uows, clock, service_id))
    client = await make_user(uows, clock.now(), name="late")
    async with uows() as uow:
        other = await request_booking(
            uow, request_cmd(client, service_id, date(2026, 6, 15)), now=clock.now()
        )
        await uow.commit()
    assert other.event_date == date(2026, 6, 15)
    async with uows() as uow:
        with pytest.raises(SlotUnavailable):
            await request_booking(uow, request_cmd(client, service_id, DAY), now=clock.now())


async def test_the_unique_seat_constraint_has_the_last_word(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A second hold for the same (service, day, seat) is refused by the database itself."""
    now = clock.now()
    _, provider_id, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    async with uows() as uow:
        booking = await request_booking(uow, request_cmd(client, service_id, DAY), now=now)
        await uow.commit()
    async with uows() as uow:
        uow.session.add(
            SlotHold(
                booking_id=booking.id,
                provider_id=provider_id,
                service_id=service_id,
                day=DAY,
                seat=0,
            )
        )
        with pytest.raises(IntegrityError):
            await uow.session.flush()


async def test_a_writer_the_lock_does_not_cover_still_loses_cleanly(
    uows: UnitOfWorkFactory, engine: AsyncEngine, clock: FixedClock
) -> None:
    """Another transaction holds seat 0 but hasn't committed when our request checks.

    On PostgreSQL the request passes its checks (it can't see the uncommitted hold), takes
    seat 0, waits on the unique index, and must come back as SlotUnavailable once the
    other transaction commits. On SQLite the other writer's BEGIN IMMEDIATE makes the
    request wait before it reads anything, so it sees the hold and says the same.
    """
    now = clock.now()
    _, _, service_id = await make_provider(uows, now)
    # The intruding hold belongs to a booking of another provider, so the request's row
    # lock on its own provider doesn't wait for it (as a future admin tool might not).
    _, other_provider, other_service = await make_provider(uows, now, slug="elsewhere")
    client, rival = await make_user(uows, now), await make_user(uows, now)
    async with uows() as uow:
        other = await request_booking(uow, request_cmd(rival, other_service, DAY), now=now)
        await uow.commit()

    async with uows() as writer:
        writer.session.add(
            SlotHold(
                booking_id=other.id,
                provider_id=other_provider,
                service_id=service_id,
                day=DAY,
                seat=0,
            )
        )
        await writer.session.flush()

        async def attempt() -> int:
            async with uows() as uow:
                booking = await request_booking(uow, request_cmd(client, service_id, DAY), now=now)
                await uow.commit()
                return booking.id

        task = asyncio.create_task(attempt())
        if engine.dialect.name == "postgresql":
            await _until_blocked_on_a_lock(engine)
        else:
            await asyncio.sleep(0.3)
        assert not task.done()
        await writer.commit()
    with pytest.raises(SlotUnavailable) as info:
        await task
    if engine.dialect.name == "postgresql":
        assert info.value.key == "slot_taken"  # the constraint said no, not our check
    async with uows() as uow:
        ours = await uow.session.scalar(
            select(func.count()).select_from(Booking).where(Booking.client_id == client)
        )
        holds = (
            await uow.session.execute(
                select(SlotHold.booking_id, SlotHold.seat).where(SlotHold.service_id == service_id)
            )
        ).all()
    assert ours == 0
    assert holds == [(other.id, 0)]


async def _until_blocked_on_a_lock(engine: AsyncEngine) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    for _ in range(200):
        async with engine.connect() as conn:
            if await conn.scalar(query):
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the request never waited on the unique index")


async def test_multi_day_requests_racing_for_an_overlapping_day(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Two-day events on 14-15 and 15-16 June share the 15th: only one may have it."""
    now = clock.now()
    _, _, service_id = await make_provider(uows, now, capacity=1)
    async with uows() as uow:
        await uow.session.execute(update(Service).where(Service.id == service_id).values(days=2))
        await uow.commit()
    clients = [await make_user(uows, now, name=f"c{i}") for i in range(10)]

    async def attempt(client: int, day: date) -> int:
        async with uows() as uow:
            booking = await request_booking(uow, request_cmd(client, service_id, day), now=now)
            await uow.commit()
            return booking.id

    days = [date(2026, 6, 14), date(2026, 6, 15)] * 5
    won, lost = _split(
        await asyncio.gather(
            *(attempt(c, d) for c, d in zip(clients, days, strict=True)),
            return_exceptions=True,
        )
    )
    assert len(won) == 1
    assert len(lost) == 9
    async with uows() as uow:
        booking = await uow.session.get(Booking, won[0])
        assert booking is not None
        first = booking.event_date
        held = (await uow.session.scalars(select(SlotHold.day).order_by(SlotHold.day))).all()
    assert held == [first, first + timedelta(days=1)]
    # The next two days are still free for someone else.
    other = await make_user(uows, now)
    async with uows() as uow:
        later = await request_booking(
            uow, request_cmd(other, service_id, first + timedelta(days=2)), now=now
        )
        await uow.commit()
        assert later.id not in won


async def test_a_request_takes_the_lowest_seat_left_free(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """Seats come from the occupancy the request reads: one given up in the middle of the
    day is the one the next request takes, and a full day is refused."""
    now = clock.now()
    _, _, service_id = await make_provider(uows, now, capacity=3)
    clients = [await make_user(uows, now, name=f"client {i}") for i in range(5)]
    first = [await request(uows, now, c, service_id, DAY) for c in clients[:3]]
    await act(uows, first[1], Action.CANCEL, Actor(Role.CLIENT, clients[1]), now=now)
    again = await request(uows, now, clients[3], service_id, DAY)
    async with uows() as uow:
        seats = dict((await uow.session.execute(select(SlotHold.booking_id, SlotHold.seat))).all())
    assert seats == {first[0]: 0, first[2]: 2, again: 1}
    with pytest.raises(SlotUnavailable) as full:
        await request(uows, now, clients[4], service_id, DAY)
    assert full.value.key == "slot_fully_booked"
