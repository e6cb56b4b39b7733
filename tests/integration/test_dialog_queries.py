"""The core queries the dialogs ask (lists, ownership, the facts of a notification),
against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.booking.actors import Actor
from core.booking.news_view import booking_news
from core.booking.queries import (
    bookings_of_client,
    owned_booking,
    provider_open_lines,
)
from core.booking.states import BookingState, Role
from core.catalog.queries import active_provider_by_slug
from core.clock import FixedClock
from core.errors import NotAllowed, NotFound
from core.support.about_booking import owns_booking, recent_bookings
from core.uow import UnitOfWorkFactory
from tests.support.bookings import drive_to, request
from tests.support.factories import make_provider, make_user

DAY = date(2026, 6, 14)


async def test_a_provider_lists_what_is_still_to_answer_pay_or_deliver_soonest_first(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, provider_id, service_id = await make_provider(uows, now, capacity=5)
    _, _, other_service = await make_provider(uows, now, slug="other")
    client = await make_user(uows, now)
    states = {
        20: BookingState.REQUESTED,
        10: BookingState.ACCEPTED,
        30: BookingState.CONFIRMED,
        5: BookingState.DECLINED,
        7: BookingState.CANCELLED,
    }
    ids = {}
    for days, state in states.items():
        ids[days] = await request(uows, now, client, service_id, DAY + timedelta(days=days))
        await drive_to(uows, ids[days], state, owner=owner, now=now)
    await request(uows, now, client, other_service, DAY)  # another provider's

    async with uows() as uow:
        lines = await provider_open_lines(uow.session, provider_id, limit=10)
        first_two = await provider_open_lines(uow.session, provider_id, limit=2)
    assert [(line.id, line.state) for line in lines] == [
        (ids[10], "accepted"),
        (ids[20], "requested"),
        (ids[30], "confirmed"),
    ]
    assert [line.event_date for line in lines] == [DAY + timedelta(days=d) for d in (10, 20, 30)]
    assert first_two == lines[:2]


async def test_a_client_sees_their_bookings_latest_event_first_and_support_latest_made_first(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    _, _, service_id = await make_provider(uows, now, capacity=5)
    client = await make_user(uows, now)
    stranger = await make_user(uows, now, name="Stranger")
    later_event = await request(uows, now, client, service_id, DAY + timedelta(days=30))
    sooner_event = await request(uows, now, client, service_id, DAY)
    await request(uows, now, stranger, service_id, DAY)

    async with uows() as uow:
        by_event = await bookings_of_client(uow, client, limit=10)
        by_recency = await recent_bookings(uow.session, "client", client, limit=10)
        one = await recent_bookings(uow.session, "client", client, limit=1)
    assert [line.id for line in by_event] == [later_event, sooner_event]
    assert [line.id for line in by_recency] == [sooner_event, later_event]
    assert [line.id for line in one] == [sooner_event]


async def test_only_the_client_or_the_provider_of_a_booking_may_open_it(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)
    other_owner, _, _ = await make_provider(uows, now, slug="other")
    client = await make_user(uows, now)
    stranger = await make_user(uows, now, name="Stranger")
    booking_id = await request(uows, now, client, service_id, DAY)

    async with uows() as uow:
        assert await owns_booking(uow, "client", client, booking_id)
        assert not await owns_booking(uow, "client", stranger, booking_id)
        assert not await owns_booking(uow, "client", client, booking_id + 1000)
        assert await owns_booking(uow, "provider", owner, booking_id)
        assert not await owns_booking(uow, "provider", other_owner, booking_id)
        assert not await owns_booking(uow, "provider", client, booking_id)
        assert (await owned_booking(uow, Actor(Role.CLIENT, client), booking_id)).id == booking_id
        assert (await owned_booking(uow, Actor(Role.PROVIDER, owner), booking_id)).id == booking_id
        for actor in (Actor(Role.CLIENT, stranger), Actor(Role.PROVIDER, other_owner)):
            with pytest.raises(NotAllowed):
                await owned_booking(uow, actor, booking_id)
        with pytest.raises(NotFound):
            await owned_booking(uow, Actor(Role.CLIENT, client), booking_id + 1000)


async def test_a_deep_link_finds_only_an_active_provider(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    _, provider_id, _ = await make_provider(uows, now, slug="studio-atlas")
    async with uows() as uow:
        found = await active_provider_by_slug(uow.session, "studio-atlas")
        assert found is not None and found.id == provider_id
        assert await active_provider_by_slug(uow.session, "nobody") is None
        found.status = "suspended"
        assert await active_provider_by_slug(uow.session, "studio-atlas") is None


async def test_the_news_of_a_booking_comes_in_the_recipients_language_or_not_at_all(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    now = clock.now()
    _, provider_id, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service_id, DAY)

    async with uows() as uow:
        news = await booking_news(uow, user_id=client, booking_id=booking_id)
        assert news is not None
        assert (news.locale, news.booking.id, news.checkout) == ("fr", booking_id, None)
        assert news.provider is not None and news.provider.id == provider_id
        assert news.service is not None and news.service.id == service_id
        # No link is pending before the provider accepts.
        linked = await booking_news(
            uow, user_id=client, booking_id=booking_id, payment_kind="deposit"
        )
        assert linked is not None and linked.checkout is None
        assert await booking_news(uow, user_id=client, booking_id=booking_id + 1000) is None
        assert await booking_news(uow, user_id=client + 1000, booking_id=booking_id) is None
