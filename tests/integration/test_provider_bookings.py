"""Rules across a provider's bookings: one team, one place at a time; the audit trail."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from core.booking.actions import confirm_delivery
from core.booking.actors import Actor
from core.booking.availability import Interval, Occupancy
from core.booking.calendar_data import load_occupancy
from core.booking.request import RequestBooking, request_booking
from core.booking.states import BookingState, Role
from core.catalog.vocabulary import MARKET_TZ
from core.clock import FixedClock
from core.db.tables import BookingTransition, Service
from core.errors import SlotUnavailable
from core.uow import UnitOfWorkFactory
from tests.support.bookings import drive_to, request
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 13)


async def add_hourly_service(uows: UnitOfWorkFactory, provider_id: int, capacity: int) -> int:
    async with uows() as uow:
        service = Service(
            provider_id=provider_id,
            category="photographer",
            title={"en": "Portrait session"},
            description={"en": ""},
            pricing_model="per_hour",
            price_minor=80_000,
            currency="MAD",
            deposit_bp=3000,
            duration_minutes=120,
            days=1,
            daily_capacity=capacity,
            min_notice_hours=24,
            buffer_minutes=30,
            active=True,
        )
        uow.session.add(service)
        await uow.commit()
        return service.id


async def book(
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    client: int,
    service_id: int,
    start: time | None = None,
    day: date = DAY,
) -> None:
    async with uows() as uow:
        await request_booking(
            uow,
            RequestBooking(
                client_id=client,
                service_id=service_id,
                event_type="wedding",
                day=day,
                start_time=start,
                guests=50,
                city="rabat",
            ),
            now=clock.now(),
        )
        await uow.commit()


async def test_full_day_blocks_the_teams_hourly_service(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider_id, full_day = await make_provider(uows, clock.now())
    hourly = await add_hourly_service(uows, provider_id, capacity=1)
    client = await make_user(uows, clock.now())
    await book(uows, clock, client, full_day)
    with pytest.raises(SlotUnavailable) as caught:
        await book(uows, clock, client, hourly, time(18))
    assert caught.value.key == "slot_overlaps_booking"
    await book(uows, clock, client, hourly, time(18), day=date(2026, 6, 14))


async def test_hourly_blocks_the_teams_full_day_service(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider_id, full_day = await make_provider(uows, clock.now())
    hourly = await add_hourly_service(uows, provider_id, capacity=1)
    client = await make_user(uows, clock.now())
    await book(uows, clock, client, hourly, time(10))
    with pytest.raises(SlotUnavailable):
        await book(uows, clock, client, full_day)


async def test_services_with_several_teams_do_not_block_each_other(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, provider_id, full_day = await make_provider(uows, clock.now(), capacity=3)
    hourly = await add_hourly_service(uows, provider_id, capacity=2)
    client = await make_user(uows, clock.now())
    await book(uows, clock, client, full_day)
    await book(uows, clock, client, hourly, time(18))


async def test_confirming_delivery_is_written_in_the_audit_trail(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    owner, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    booking_id = await request(uows, clock.now(), client, service, DAY)
    await drive_to(uows, booking_id, BookingState.DELIVERED, owner=owner, now=clock.now())
    async with uows() as uow:
        await confirm_delivery(uow, booking_id, Actor(Role.CLIENT, client), now=clock.now())
        await uow.commit()
    async with uows() as uow:
        last = (
            await uow.session.execute(
                select(
                    BookingTransition.action,
                    BookingTransition.actor_role,
                    BookingTransition.actor_user_id,
                    BookingTransition.source,
                    BookingTransition.target,
                )
                .where(BookingTransition.booking_id == booking_id)
                .order_by(BookingTransition.id.desc())
            )
        ).first()
    assert last is not None
    assert tuple(last) == ("confirm_delivery", "client", client, "delivered", "delivered")


async def test_occupancy_reads_the_time_other_bookings_take_from_a_service(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """What load_occupancy gives each service of a one-team provider (capacity 1): its own
    full-day bookings as seats only, the team's other bookings as time taken, and hourly
    bookings of any service as hours taken; a provider of several teams keeps them apart."""
    _, provider_id, full_day = await make_provider(uows, clock.now())
    hourly = await add_hourly_service(uows, provider_id, capacity=1)
    _, big_id, big_full_day = await make_provider(uows, clock.now(), slug="big", capacity=3)
    big_hourly = await add_hourly_service(uows, big_id, capacity=2)
    client = await make_user(uows, clock.now())
    next_day = date(2026, 6, 14)
    await book(uows, clock, client, full_day)
    await book(uows, clock, client, hourly, time(10), day=next_day)
    await book(uows, clock, client, big_full_day)
    await book(uows, clock, client, big_hourly, time(10), day=next_day)

    async def occupancy(service_id: int) -> Occupancy:
        async with uows() as uow:
            service = await uow.session.get(Service, service_id)
            assert service is not None
            return await load_occupancy(uow.session, service, DAY, next_day)

    def days(intervals: tuple[Interval, ...]) -> list[date]:
        return sorted(i.start.astimezone(MARKET_TZ).date() for i in intervals)

    team_day = await occupancy(full_day)
    assert team_day.seats_taken == {DAY: 1}
    assert days(team_day.other_services) == [next_day]  # the team's hourly session
    assert days(team_day.hourly_bookings) == [next_day]
    team_hour = await occupancy(hourly)
    assert team_hour.seats_taken == {next_day: 1}
    assert days(team_hour.other_services) == [DAY]  # the team's wedding, all day
    assert days(team_hour.hourly_bookings) == [next_day]  # its own hours
    big_day = await occupancy(big_full_day)
    assert big_day.seats_taken == {DAY: 1}
    assert big_day.other_services == ()  # several teams: the others' bookings take no time
    assert days(big_day.hourly_bookings) == [next_day]
    big_hour = await occupancy(big_hourly)
    assert big_hour.other_services == ()
    assert days(big_hour.hourly_bookings) == [next_day]
