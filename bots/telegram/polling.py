"""`mounasabet poll`: the same bots by long polling, with the outbox worker beside them."""

from __future__ import annotations

import asyncio

from bots.bootstrap import Container
from bots.delivery import build_delivery
from bots.telegram import setup as telegram
from bots.worker import run_outbox


async def run_polling(container: Container) -> None:
    """Payment links work here too; their confirmations arrive through `serve`'s webhooks."""
    delivery = build_delivery(container)
    worker = asyncio.ensure_future(run_outbox(container.uows, delivery.router, container.clock))
    try:
        for tb in delivery.bots.values():
            await tb.bot.delete_webhook()
        local = container.settings.model_copy(update={"public_url": None})
        await telegram.introduce(delivery.bots, local)
        await asyncio.gather(
            *(
                tb.channel.dispatcher.start_polling(
                    tb.bot, handle_signals=False, allowed_updates=telegram.ALLOWED_UPDATES
                )
                for tb in delivery.bots.values()
            )
        )
    finally:
        worker.cancel()
        await delivery.close()
        await container.close()
