"""Wording a notice only reads: on SQLite it takes no write lock, so a chat's write that
holds the lock (this process's or another's) never waits for the worker's wording. And a
notice is worded only once someone can read it: held, it costs one read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from bots.outbox_router import ChannelRouter
from core.clock import FixedClock
from core.db.tables import ChannelIdentity, User
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, claim_next
from core.uow import UnitOfWorkFactory
from dialogs.framework.replies import Reply
from tests.support.bookings import request
from tests.support.chat import link_provider
from tests.support.factories import make_provider, make_user


async def nobody_is_called(*_: object) -> DeliveryResult:
    raise AssertionError("the provider has no chat: nothing is sent")


async def a_request_s_notice(uows: UnitOfWorkFactory, clock: FixedClock, *, chat: bool) -> Envelope:
    now = clock.now()
    owner, _, service = await make_provider(uows, now)
    if chat:
        await link_provider(uows, owner, "p:studio-atlas", now)
    client = await make_user(uows, now)
    await request(uows, now, client, service, (now + timedelta(days=30)).date())
    envelope = await claim_next(uows, now=now, lease=timedelta(minutes=1))
    assert envelope is not None and envelope.kind == "booking_requested"
    return envelope


async def test_a_notice_is_worded_while_a_writer_holds_the_lock(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    if uows.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    envelope = await a_request_s_notice(uows, clock, chat=True)
    sent: list[list[Reply]] = []

    async def record(identity: ChannelIdentity, replies: list[Reply]) -> DeliveryResult:
        sent.append(replies)
        return DeliveryResult(DeliveryOutcome.SENT, external_id="m1")

    router = ChannelRouter(uows, {"sandbox": record})
    async with uows() as writer:  # a chat's transaction, its write lock taken
        await writer.session.execute(update(User).where(User.id > 0).values(locale="fr"))
        async with asyncio.timeout(5):  # before: waited for the lock this task holds
            result = await router.deliver(envelope)
    assert result.outcome == DeliveryOutcome.SENT
    assert len(sent) == 1 and sent[0][0].text  # worded, then handed to the provider's chat


async def test_a_notice_nobody_can_read_is_held_unworded(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    envelope = await a_request_s_notice(uows, clock, chat=False)
    tables: list[str] = []

    def seen(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if statement.startswith("SELECT"):
            tables.append(" ".join(statement.split()).split(" FROM ", 1)[1].split()[0])

    event.listen(uows.engine.sync_engine, "before_cursor_execute", seen)
    try:
        result = await ChannelRouter(uows, {"telegram_provider": nobody_is_called}).deliver(
            envelope
        )
    finally:
        event.remove(uows.engine.sync_engine, "before_cursor_execute", seen)
    # The provider never opened the bot: it waits for them, after one look for a chat.
    assert (result.outcome, result.error) == (DeliveryOutcome.HOLD, "no reachable identity")
    assert tables == ["channel_identities"]
