"""`mounasabet poll`: the Telegram bots by long polling, with the outbox worker beside them.

Payment links work here too; their confirmations arrive through `serve`'s webhooks.
"""

from __future__ import annotations

import asyncio

from bots.calendar_fetcher import AiohttpCalendarFetcher
from bots.programs.outbound import build_outbound
from bots.telegram import setup as telegram
from bots.worker import run_outbox
from core.bootstrap import Core
from core.notifications.outbox import Leases
from dialogs.bootstrap import build_dialogs
from dialogs.i18n.translator import translator
from payments.setup import build_payments


async def run_polling(core: Core) -> None:
    settings, uows, clock = core.settings, core.uows, core.clock
    pay = build_payments(settings, uows, clock, translator)
    calendars = AiohttpCalendarFetcher.from_settings(settings)
    dialogs = build_dialogs(settings, uows, clock, payments=pay.payments, calendars=calendars)
    bots = telegram.build_bots(settings, dialogs.engines, uows, clock)
    outbound = build_outbound(core, pay, bots)
    leases = Leases.of(settings.send_lease_seconds)
    worker = asyncio.ensure_future(run_outbox(uows, outbound.router, clock, leases=leases))
    counting = asyncio.ensure_future(dialogs.count_searches())
    try:
        for tb in bots.values():
            await tb.bot.delete_webhook()
        local = settings.model_copy(update={"public_url": None})
        await telegram.introduce(bots, local)
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
        counting.cancel()
        await outbound.close()
        await dialogs.close()
        await core.close()
