"""The worker's bell: WhatsApp's answers are sent by the worker, which looks for due
messages every half second when idle; the webhook rings it so that the answer goes now.

The worker's loop against real SQLite and PostgreSQL (the ``uows`` fixture), and the
WhatsApp webhook through the fake Twilio API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.worker import OutboxBell, run_outbox
from core.clock import FixedClock
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, Envelope, enqueue
from core.uow import UnitOfWorkFactory
from tests.integration.test_whatsapp_channel import Stack, whatsapp_stack
from tests.support.factories import make_user

CLIENT = "+212611223344"


class Seen:
    def __init__(self) -> None:
        self.ids: list[int] = []
        self.arrived = asyncio.Event()

    async def deliver(self, envelope: Envelope) -> DeliveryResult:
        self.ids.append(envelope.id)
        self.arrived.set()
        return DeliveryResult(DeliveryOutcome.SENT)


async def test_a_rung_bell_starts_a_round_before_the_next_look(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    bell, seen = OutboxBell(), Seen()
    # Looks once a minute: only the bell can make it send within the test's wait.
    worker = asyncio.create_task(run_outbox(uows, seen, clock, interval=60, bell=bell))
    try:
        await asyncio.sleep(0.2)  # its first round found nothing: it waits
        user = await make_user(uows, clock.now())
        async with uows() as uow:
            queued = enqueue(uow.session, kind="news", user_id=user, payload={}, now=clock.now())
            await uow.commit()
        bell.ring()
        await asyncio.wait_for(seen.arrived.wait(), 10)
        assert seen.ids == [queued.id]
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


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
