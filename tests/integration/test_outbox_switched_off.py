"""A message for a channel this deployment has not set up (email without a server, as in
`make run`) is never sent, like a given-up one, but /metrics counts it apart: an alert
on ``give_up`` must not fire on a demo."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from sqlalchemy import select

from bots.metrics import Metrics
from bots.observed import ObservedSender
from bots.outbox_router import ChannelRouter
from core.clock import FixedClock
from core.db.tables import OutboxMessage
from core.notifications.outbox import deliver_due, enqueue
from core.uow import UnitOfWorkFactory
from tests.support.chat import sqlite_uows
from tests.support.factories import make_user


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[UnitOfWorkFactory]:
    async with sqlite_uows(tmp_path / "off.db") as uows:
        yield uows


async def test_email_without_a_server_is_switched_off_not_given_up(
    db: UnitOfWorkFactory, clock: FixedClock
) -> None:
    user_id = await make_user(db, clock.now())
    async with db() as uow:
        enqueue(
            uow.session,
            kind="invoice_email",
            user_id=user_id,
            payload={"to": "salma@example.com"},
            now=clock.now(),
            channel="email",
        )
        await uow.commit()
    metrics = Metrics()
    sender = ObservedSender(ChannelRouter(db, {}, email=None), metrics)

    assert await deliver_due(db, sender, now=clock.now()) == 0

    async with db() as uow:
        [row] = (
            await uow.session.execute(
                select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error)
            )
        ).all()
    assert tuple(row) == ("dead", 1, "email is not configured")
    exposed = generate_latest(metrics.registry).decode()
    assert (
        'mounasabet_outbox_deliveries_total{channel="email",outcome="switched_off"} 1.0' in exposed
    )
    assert 'outcome="give_up"' not in exposed
