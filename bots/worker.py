"""The background work: deliver the outbox, and run the sweeps while holding their lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from bots.bootstrap import Container
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


async def run_worker(container: Container, *, stop: asyncio.Event | None = None) -> None:
    """`mounasabet worker`: the outbox on Telegram, WhatsApp and email, and the sweeps; no HTTP.

    Sandbox chats live in the memory of the `serve` process that shows them, so their
    messages are delivered by that process's own worker, not by this one.
    """
    from bots.delivery import build_delivery
    from bots.scheduler import SweepScheduler

    delivery = build_delivery(container)
    task = asyncio.ensure_future(run_outbox(container.uows, delivery.router, container.clock))
    sweeps = SweepScheduler(
        container.uows,
        container.clock,
        container.settings,
        payments=delivery.pay.payments,
        sender=delivery.router,
    )
    stop = stop or asyncio.Event()
    # SIGTERM (systemd, Docker) stops cleanly: the lease is released at once instead of
    # making the next worker wait for it to expire.
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await sweeps.start()
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        await sweeps.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await delivery.close()
        await container.close()
