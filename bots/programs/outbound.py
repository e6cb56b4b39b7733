"""What delivers the outbox, shared by `worker` and `poll`: channel senders and the router."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bots.outbox_router import ChannelRouter, ChannelSend
from bots.telegram import setup as telegram
from bots.whatsapp.setup import WhatsAppSending, build_whatsapp_sender
from core.bootstrap import Core
from payments.setup import PaymentParts


@dataclass
class Outbound:
    pay: PaymentParts  # email and the gateway's calls (expiring links) go out here too
    bots: Mapping[str, telegram.TelegramSending]
    whatsapp: WhatsAppSending | None
    router: ChannelRouter

    async def close(self) -> None:
        await telegram.close(self.bots)
        if self.whatsapp is not None:
            await self.whatsapp.close()
        await self.pay.close()


def build_outbound(
    core: Core, pay: PaymentParts, bots: Mapping[str, telegram.TelegramSending]
) -> Outbound:
    """The router over ``bots``, WhatsApp when it is on, email and the payment gateway."""
    senders: dict[str, ChannelSend] = {
        tb.identity_channel: tb.sender.deliver for tb in bots.values()
    }
    whatsapp = None
    if core.settings.whatsapp_enabled:
        whatsapp = build_whatsapp_sender(core.settings, core.uows, core.clock)
        senders["whatsapp"] = whatsapp.sender.deliver
    router = ChannelRouter(
        core.uows, senders, email=pay.email, gateway=pay.gateway_tasks, links=pay.news_links
    )
    return Outbound(pay, bots, whatsapp, router)
