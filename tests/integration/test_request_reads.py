"""A booking request reads its provider once, under the lock that serialises requests, and
checks the provider's status there (core/booking/request.py)."""

from __future__ import annotations

from datetime import timedelta

from core.booking.states import BookingState
from core.clock import FixedClock
from core.db.tables import Booking
from core.uow import UnitOfWorkFactory
from tests.support.bookings import request
from tests.support.factories import make_provider, make_user
from tests.support.statements import selects, statements_on


async def test_a_request_reads_its_provider_once(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    _, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    day = (clock.now() + timedelta(days=20)).date()
    with statements_on(uows.engine) as sent:
        booking_id = await request(uows, clock.now(), client, service, day)
    assert booking_id
    providers = [s for s in selects(sent) if "FROM providers" in s]
    assert len(providers) == 1, providers
    if uows.engine.dialect.name == "postgresql":
        assert "FOR UPDATE" in providers[0]


async def test_a_request_and_its_news_read_no_booking_back(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """The booking goes in with a plain INSERT, and the news handler at commit finds it in
    the session as written: no SELECT of the booking, and one INSERT of each row."""
    _, _, service = await make_provider(uows, clock.now())
    client = await make_user(uows, clock.now())
    day = (clock.now() + timedelta(days=20)).date()
    with statements_on(uows.engine) as sent:
        booking_id = await request(uows, clock.now(), client, service, day)
    assert not [s for s in selects(sent) if "bookings.id = " in s], sent
    inserts = [s.split("(")[0].split()[-1] for s in sent if s.lstrip().startswith("INSERT")]
    assert sorted(inserts) == ["booking_transitions", "bookings", "outbox", "slot_holds"]
    async with uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None and booking.state == BookingState.REQUESTED
        assert booking.paid_minor == 0 and booking.decline_reason is None
