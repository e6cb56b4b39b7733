"""The outbound side without a web server: engines, channel senders and the outbox router.

Used by `mounasabet poll` and `mounasabet worker`; `serve` wires the same parts together
with its routes (bots/web_app.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from bots.bootstrap import Container
from bots.outbox_router import ChannelRouter, ChannelSend
from bots.telegram import setup as telegram
from bots.web_app import build_engines
from bots.whatsapp.setup import WhatsApp, build_whatsapp
from dialogs.framework.engine import DialogEngine
from dialogs.i18n.translator import translator
from payments.setup import PaymentParts, build_payments


@dataclass
class Delivery:
    pay: PaymentParts
    engines: dict[str, DialogEngine]
    bots: dict[str, telegram.TelegramBot]
    whatsapp: WhatsApp | None
    router: ChannelRouter

    async def close(self) -> None:
        await telegram.close(self.bots)
        if self.whatsapp is not None:
            await self.whatsapp.close()
        await self.pay.close()


def build_delivery(container: Container) -> Delivery:
    settings = container.settings
    pay = build_payments(settings, container.uows, container.clock, translator)
    engines = build_engines(container, pay.payments)
    bots = telegram.build_bots(
        settings, engines, container.uows, container.clock, settings.base_url
    )
    senders: dict[str, ChannelSend] = {
        tb.channel.channel: tb.sender.deliver for tb in bots.values()
    }
    whatsapp = None
    if settings.whatsapp_enabled:
        whatsapp = build_whatsapp(settings, engines, container.uows, container.clock)
        senders["whatsapp"] = whatsapp.sender.deliver
    router = ChannelRouter(container.uows, senders, email=pay.email, gateway=pay.expiry)
    return Delivery(pay, engines, bots, whatsapp, router)
