"""Wording a notice only reads: on SQLite it takes no write lock, so a chat's write that
holds the lock (this process's or another's) never waits for the worker's wording."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from bots.outbox_router import ChannelRouter
from core.clock import FixedClock
from core.db.tables import User
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, claim_next
from core.uow import UnitOfWorkFactory
from tests.support.bookings import request
from tests.support.factories import make_provider, make_user


async def nobody_is_called(*_: object) -> DeliveryResult:
    raise AssertionError("the provider has no chat: nothing is sent")


async def test_a_notice_is_worded_while_a_writer_holds_the_lock(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    if uows.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    now = clock.now()
    _, _, service = await make_provider(uows, now)
    client = await make_user(uows, now)
    await request(uows, now, client, service, (now + timedelta(days=30)).date())
    envelope = await claim_next(uows, now=now, lease=timedelta(minutes=1))
    assert envelope is not None and envelope.kind == "booking_requested"
    router = ChannelRouter(uows, {"telegram_provider": nobody_is_called})
    async with uows() as writer:  # a chat's transaction, its write lock taken
        await writer.session.execute(update(User).where(User.id == client).values(locale="ar"))
        async with asyncio.timeout(5):  # before: waited for the lock this task holds
            result = await router.deliver(envelope)
    # It was read and worded: the provider never opened the bot, so it waits for them.
    assert (result.outcome, result.error) == (DeliveryOutcome.HOLD, "no reachable identity")
