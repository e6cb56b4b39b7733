"""The background loop: deliver the outbox (the scheduler's sweeps come with their issue).

Run by `serve`, `worker` and `poll` (bots/programs/), each with the senders it built.
"""

from __future__ import annotations

import asyncio
import logging

from core.clock import Clock
from core.notifications.outbox import MessageSender, deliver_due
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)


async def run_outbox(
    uows: UnitOfWorkFactory, sender: MessageSender, clock: Clock, *, interval: float = 0.5
) -> None:
    """Deliver due messages forever; an error is logged and the loop goes on."""
    while True:
        try:
            sent = await deliver_due(uows, sender, now=clock.now())
        except Exception:
            log.exception("outbox delivery round failed")
            sent = 0
        if not sent:
            await asyncio.sleep(interval)
