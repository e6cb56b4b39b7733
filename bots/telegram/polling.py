"""`mounasabet poll`: the same bots by long polling, with the outbox worker beside them."""

from __future__ import annotations

import asyncio

from bots.bootstrap import Container
from bots.outbox_router import ChannelRouter, ChannelSend
from bots.telegram import setup as telegram
from bots.web_app import build_engines
from bots.worker import run_outbox
from dialogs.i18n.translator import translator
from payments.setup import build_payments


async def run_polling(container: Container) -> None:
    """Payment links work here too; their confirmations arrive through `serve`'s webhooks."""
    pay = build_payments(container.settings, container.uows, container.clock, translator)
    engines = build_engines(container, pay.payments)
    bots = telegram.build_bots(
        container.settings, engines, container.uows, container.clock, container.settings.base_url
    )
    senders: dict[str, ChannelSend] = {
        tb.channel.channel: tb.sender.deliver for tb in bots.values()
    }
    router = ChannelRouter(container.uows, senders, email=pay.email)
    worker = asyncio.ensure_future(run_outbox(container.uows, router, container.clock))
    try:
        for tb in bots.values():
            await tb.bot.delete_webhook()
        await telegram.introduce(bots, container.settings.model_copy(update={"public_url": None}))
        await asyncio.gather(
            *(
                tb.channel.dispatcher.start_polling(
                    tb.bot, handle_signals=False, allowed_updates=telegram.ALLOWED_UPDATES
                )
                for tb in bots.values()
            )
        )
    finally:
        worker.cancel()
        await telegram.close(bots)
        await pay.close()
        await container.close()
