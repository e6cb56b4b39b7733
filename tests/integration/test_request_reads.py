"""A booking request reads its provider once, under the lock that serialises requests, and
checks the provider's status there (core/booking/request.py)."""

from __future__ import annotations

from datetime import timedelta

from core.clock import FixedClock
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
