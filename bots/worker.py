"""The background loop: deliver the outbox (the scheduler's sweeps come with their issue).

Run by `serve`, `worker` and `poll` (bots/programs/), each with the senders it built.
"""

from __future__ import annotations

import asyncio
import logging
import time

from bots.metrics import Metrics
from bots.observed import ObservedSender
from core.clock import Clock
from core.notifications.direct_replies import prune_sent
from core.notifications.outbox import MessageSender, deliver_due
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
PRUNE_EVERY = 60.0  # seconds between two clean-ups of kept replies sent long ago


async def run_outbox(
    uows: UnitOfWorkFactory,
    sender: MessageSender,
    clock: Clock,
    *,
    interval: float = 0.5,
    metrics: Metrics | None = None,
) -> None:
    """Deliver due messages forever; an error is logged and the loop goes on. Each attempt
    is logged under its trace id and counted in ``metrics`` (bots/observed.py)."""
    sender = ObservedSender(sender, metrics)
    prune_at = time.monotonic()
    while True:
        try:
            sent = await deliver_due(uows, sender, now=clock.now())
            if time.monotonic() >= prune_at:
                prune_at = time.monotonic() + PRUNE_EVERY
                await prune(uows, clock)
        except Exception:
            log.exception("outbox delivery round failed")
            sent = 0
        if not sent:
            await asyncio.sleep(interval)


async def prune(uows: UnitOfWorkFactory, clock: Clock) -> None:
    """Every step's reply leaves an outbox row: those sent long ago go (a batch a time)."""
    async with uows() as uow:
        if await prune_sent(uow.session, now=clock.now()):
            await uow.commit()
