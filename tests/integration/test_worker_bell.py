"""The worker's bell: WhatsApp's answers are sent by the worker, which looks for due
messages every half second when idle; the webhook rings it so that the answer goes now.

The worker's loop against real SQLite and PostgreSQL (the ``uows`` fixture), and the
WhatsApp webhook through the fake Twilio API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from bots import outbox_listener
from bots.outbox_listener import listens
from bots.worker import OutboxBell, run_outbox
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import ChannelIdentity, OutboxMessage, User
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, enqueue
from core.uow import UnitOfWorkFactory
from tests.integration.test_whatsapp_channel import DAY, Stack, whatsapp_stack
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.telegram_app import eventually

CLIENT = "+212611223344"


class Seen:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.arrived = asyncio.Event()

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.ids.append(envelope.id)
        self.arrived.set()
        return DeliveryResult(DeliveryOutcome.SENT)


async def _queue_elsewhere(engine: AsyncEngine, user: int, now: datetime, status: str) -> int:
    """A message queued as another process would: not through this process's units of
    work, whose commit hook would wake the worker."""
    async with engine.begin() as conn:
        queued = await conn.scalar(
            insert(OutboxMessage)
            .values(
                kind="news",
                user_id=user,
                payload={},
                status=status,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .returning(OutboxMessage.id)
        )
    assert queued is not None
    return int(queued)


async def test_a_rung_bell_starts_a_round_before_the_next_look(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    bell, seen = OutboxBell(), Seen()
    # Looks once a minute: only the bell can make it send within the test's wait.
    worker = asyncio.create_task(run_outbox(uows, seen, clock, interval=60, bell=bell))
    try:
        await asyncio.sleep(0.2)  # its first round found nothing: it waits
        user = await make_user(uows, clock.now())
        # Held and due for its next look: nothing announces it (on PostgreSQL, the
        # trigger announces pending messages only).
        queued = await _queue_elsewhere(engine, user, clock.now(), "held")
        await asyncio.sleep(0.2)
        assert seen.ids == []  # nothing told it
        bell.ring()
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert seen.ids == [queued]
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def test_postgresql_tells_the_worker_of_messages_other_processes_queued(
    engine: AsyncEngine, uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A separate `mounasabet worker` sends a web process's news and WhatsApp answers at
    once: PostgreSQL notifies it when a message is queued or released (migration 0023)."""
    if not listens(engine):
        pytest.skip("NOTIFY is PostgreSQL's; on SQLite the worker shares the web's process")
    seen = Seen()
    worker = asyncio.create_task(run_outbox(uows, seen, clock, interval=60))
    try:
        await asyncio.sleep(0.5)  # listening, and its first round found nothing
        user = await make_user(uows, clock.now())
        queued = await _queue_elsewhere(engine, user, clock.now(), "pending")
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert seen.ids == [queued]
        seen.arrived.clear()
        # Held for the person, then released by another process: heard too.
        held = await _queue_elsewhere(engine, user, clock.now() + timedelta(hours=1), "held")
        async with engine.begin() as conn:
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == held)
                .values(status="pending", next_attempt_at=clock.now())
            )
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert seen.ids == [queued, held]
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    pool = engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0  # the listening connection went back with it


async def test_the_worker_listens_again_after_its_connection_was_cut(
    engine: AsyncEngine,
    uows: UnitOfWorkFactory,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """PostgreSQL restarted, or the connection killed: the worker listens again."""
    if not listens(engine):
        pytest.skip("NOTIFY is PostgreSQL's")
    monkeypatch.setattr(outbox_listener, "RECONNECT_AFTER", 0.1)
    seen = Seen()
    worker = asyncio.create_task(run_outbox(uows, seen, clock, interval=60))
    try:
        listening = text(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )

        async def listener_pid() -> int | None:
            async with engine.connect() as conn:
                pid = await conn.scalar(listening)
            return None if pid is None else int(pid)

        async def listening_at_all() -> bool:
            return (await listener_pid()) is not None

        await eventually(listening_at_all, what="the worker to listen")
        cut = await listener_pid()
        async with engine.connect() as conn:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": cut})

        async def listening_again() -> bool:
            return (await listener_pid()) not in (None, cut)

        await eventually(listening_again, what="the worker to listen again")
        user = await make_user(uows, clock.now())
        queued = await _queue_elsewhere(engine, user, clock.now(), "pending")
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert queued in seen.ids
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def test_a_transaction_that_queues_news_wakes_the_worker(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    """A provider accepts: the client's news goes now, not at the worker's next look."""
    seen = Seen()
    worker = asyncio.create_task(run_outbox(uows, seen, clock, interval=60))
    try:
        await asyncio.sleep(0.2)
        user = await make_user(uows, clock.now())
        seen.arrived.clear()
        async with uows() as uow:  # the commit is what wakes it: nobody rings
            queued = enqueue(uow.session, kind="news", user_id=user, payload={}, now=clock.now())
            await uow.commit()
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert seen.ids == [queued.id]
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    assert not uows.after_commit  # its hook went with it


async def test_a_ring_while_a_round_runs_is_not_lost() -> None:
    bell = OutboxBell()
    bell.ring()  # rung before anyone waits: the next wait returns at once
    await asyncio.wait_for(bell.wait(60), 5)
    with pytest.raises(TimeoutError):  # and only that one
        await asyncio.wait_for(bell.wait(60), 0.1)


@pytest.fixture
async def stack(uows: UnitOfWorkFactory, clock: FixedClock, tmp_path: Path) -> AsyncIterator[Stack]:
    async with whatsapp_stack(uows, clock, tmp_path) as s:
        yield s


async def test_the_whatsapp_webhook_rings_once_its_answer_is_queued(stack: Stack) -> None:
    rings: list[int] = []
    stack.whatsapp.channel.queued = lambda: rings.append(len(stack.fake.messages))
    posted = await stack.fake.user_sends(CLIENT, "Bonjour", sid="SM" + "1" * 32)
    assert posted.status == 200
    assert rings == [0]  # rung once, before the worker sent anything
    assert await stack.flush() == 1  # the answer was queued when it rang
    again = await stack.fake.user_sends(CLIENT, "Bonjour", sid="SM" + "1" * 32)
    assert again.status == 200
    assert rings == [0]  # Twilio's retry of the same message: nothing new to send


async def test_news_held_for_a_whatsapp_number_goes_ahead_of_the_answer_to_its_first_message(
    stack: Stack,
) -> None:
    """A client known by their proven number (say, from Telegram) has news waiting for
    WhatsApp: outside any window, with no template, it is held. Their first message there
    joins that account in a transaction, whose commit wakes the worker: the news goes at
    once, and before the answer. Released after the step, the answer went first, or the
    news was being attempted and stayed held for minutes."""
    now = stack.clock.now()
    client = await make_user(stack.uows, now)
    async with stack.uows() as uow:
        user = await uow.session.get(User, client)
        assert user is not None
        user.phone_e164 = CLIENT
        await uow.commit()
    owner, _, service = await make_provider(stack.uows, now)
    booking = await request(stack.uows, now, client, service, DAY)
    await act(
        stack.uows, booking, Action.DECLINE, Actor(Role.PROVIDER, owner), now=now, reason="complet"
    )
    await stack.flush()
    assert ("booking_declined", "held", None, None) in await stack.outbox()
    bell = OutboxBell()
    stack.whatsapp.channel.queued = bell.ring
    # Looks once a minute: only the commit's wake-up and the webhook's bell make it send.
    worker = asyncio.create_task(
        run_outbox(stack.uows, stack.router, stack.clock, interval=60, bell=bell)
    )
    try:
        await asyncio.sleep(0.2)
        posted = await stack.fake.user_sends(CLIENT, "Bonjour", sid="SM" + "2" * 32)
        assert posted.status == 200
        await eventually(lambda: len(stack.fake.sent_to(CLIENT)) >= 2, what="news and answer")
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)
    news, answer = stack.fake.sent_to(CLIENT)
    assert news.body and "complet" in news.body
    assert answer.body and "Mounasabet" in answer.body


async def test_a_replayed_whatsapp_message_neither_notes_the_contact_nor_releases(
    stack: Stack,
) -> None:
    """The release before the step notes the person's contact and releases their held
    news; Twilio's retry (or a replay) of a message handled already does neither."""
    sid = "SM" + "3" * 32
    assert (await stack.fake.user_sends(CLIENT, "Bonjour", sid=sid)).status == 200
    async with stack.uows() as uow:
        identity = await uow.session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == CLIENT)
        )
        assert identity is not None
        first_contact, user = identity.last_inbound_at, identity.user_id
    held = await _queue_elsewhere(stack.uows.engine, user, stack.clock.now(), "held")
    stack.clock.advance(timedelta(hours=2))
    assert (await stack.fake.user_sends(CLIENT, "Bonjour", sid=sid)).status == 200
    async with stack.uows() as uow:
        identity = await uow.session.scalar(
            select(ChannelIdentity).where(ChannelIdentity.external_id == CLIENT)
        )
        assert identity is not None and identity.last_inbound_at == first_contact
        row = await uow.session.get(OutboxMessage, held)
        assert row is not None and row.status == "held"
    # A new message does both.
    assert (await stack.fake.user_sends(CLIENT, "Bonjour", sid="SM" + "4" * 32)).status == 200
    async with stack.uows() as uow:
        row = await uow.session.get(OutboxMessage, held)
        assert row is not None and row.status == "pending"
