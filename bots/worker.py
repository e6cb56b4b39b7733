"""The background loop: deliver the outbox (the scheduler's sweeps come with their issue).

Run by `serve`, `worker` and `poll` (bots/programs/), each with the senders it built.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from bots.metrics import Metrics
from bots.observed import ObservedSender
from bots.outbox_listener import listen_for_due_messages, listens
from bots.tasks import stop_task
from core.clock import Clock
from core.db.tables import OutboxMessage
from core.notifications.direct_replies import prune_sent
from core.notifications.outbox import DEFAULT_LEASES, Leases, MessageSender, deliver_due
from core.uow import CommitHook, Committed, UnitOfWorkFactory

log = logging.getLogger(__name__)
OUTBOX_TABLE = OutboxMessage.__tablename__
PRUNE_EVERY = 60.0  # seconds between two clean-ups of kept replies sent long ago


class OutboxBell:
    """Rung in this process when it queued messages its worker sends at once (WhatsApp's
    answers: the step keeps them, the worker sends them): the worker's loop then starts
    a round now instead of at its next look, up to ``interval`` later."""

    def __init__(self) -> None:
        self._rung = asyncio.Event()

    def ring(self) -> None:
        self._rung.set()

    async def wait(self, seconds: float) -> None:
        """Until rung (or rung since the last wait), or ``seconds`` at most."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._rung.wait(), seconds)
        self._rung.clear()


def rings_on_news(bell: OutboxBell) -> CommitHook:
    """A commit hook: a transaction that queued news (a request's notice to its provider,
    an acceptance to its client) rings the bell, so the news goes now."""

    def hook(committed: Committed) -> None:
        if OUTBOX_TABLE in committed.tables:
            bell.ring()

    return hook


async def run_outbox(
    uows: UnitOfWorkFactory,
    sender: MessageSender,
    clock: Clock,
    *,
    interval: float = 0.5,
    metrics: Metrics | None = None,
    bell: OutboxBell | None = None,
    leases: Leases = DEFAULT_LEASES,
) -> None:
    """Deliver due messages forever; an error is logged and the loop goes on. Each attempt
    is logged under its trace id and counted in ``metrics`` (bots/observed.py). The loop
    looks for due messages every ``interval`` when idle, and at once when ``bell`` rings,
    a transaction of this process queued news, or (PostgreSQL) any process did."""
    sender = ObservedSender(sender, metrics)
    bell = bell or OutboxBell()
    hook = rings_on_news(bell)
    uows.after_commit.append(hook)
    listener = (
        asyncio.ensure_future(listen_for_due_messages(uows.engine, bell.ring))
        if listens(uows.engine)
        else None
    )
    prune_at = time.monotonic()
    try:
        while True:
            try:
                sent = await deliver_due(uows, sender, now=clock.now(), lease=leases.claim)
                if time.monotonic() >= prune_at:
                    prune_at = time.monotonic() + PRUNE_EVERY
                    await prune(uows, clock)
            except Exception:
                log.exception("outbox delivery round failed")
                sent = 0
            if not sent:
                await bell.wait(interval)
    finally:
        uows.after_commit.remove(hook)
        if listener is not None:
            await stop_task(listener)


async def prune(uows: UnitOfWorkFactory, clock: Clock) -> None:
    """Every step's reply leaves an outbox row: those sent long ago go (a batch a time)."""
    async with uows() as uow:
        if await prune_sent(uow.session, now=clock.now()):
            await uow.commit()
