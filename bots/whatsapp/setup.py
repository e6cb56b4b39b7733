"""Build the WhatsApp channel from settings: webhooks, media links and the sender."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp import web

from bots.rate_limit import SendLimiter
from bots.whatsapp.addresses import CHANNEL, chat_key
from bots.whatsapp.channel import WhatsAppChannel
from bots.whatsapp.inbound_media import TwilioMediaFetcher
from bots.whatsapp.media import MediaLinks, media_secret
from bots.whatsapp.render import WhatsAppRenderer
from bots.whatsapp.sender import AiohttpTwilioClient, TwilioWhatsAppSender, make_client
from bots.whatsapp.templates import TemplateBook
from bots.whatsapp.webhook import (
    INBOUND_PATH,
    STATUS_PATH,
    TwilioSignature,
    inbound_handler,
    status_handler,
)
from core.clock import Clock
from core.conversations.chat_memory import KnownConversation
from core.conversations.store import ChatRef
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import DialogEngine

log = logging.getLogger(__name__)


@dataclass
class WhatsAppSending:
    """The outbound side: all `mounasabet worker` needs (media links write the files that
    `serve` hands to Twilio)."""

    sender: TwilioWhatsAppSender
    links: MediaLinks
    http: AiohttpTwilioClient

    async def close(self) -> None:
        await self.http.close()


@dataclass
class WhatsApp:
    """The outbound side and the webhooks that answer with the dialog engines."""

    channel: WhatsAppChannel
    sending: WhatsAppSending
    signature: TwilioSignature
    uows: UnitOfWorkFactory
    clock: Clock

    @property
    def sender(self) -> TwilioWhatsAppSender:
        return self.sending.sender

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(INBOUND_PATH, inbound_handler(self.signature, self.channel)),
            web.post(STATUS_PATH, status_handler(self.signature, self.uows, self.clock)),
            *self.sending.links.routes(),
        ]

    async def close(self) -> None:
        await self.sending.close()
        if self.channel.media is not None:
            await self.channel.media.close()


def build_whatsapp_sender(
    settings: Settings,
    uows: UnitOfWorkFactory,
    clock: Clock,
    *,
    limiter: SendLimiter | None = None,
) -> WhatsAppSending:
    sid, token, from_number = _account(settings)
    if not settings.public_url:
        log.warning("MOUNASABET_PUBLIC_URL is unset: Twilio's signatures will not match")
    secret = settings.twilio_media_secret
    links = MediaLinks(
        media_secret(secret.get_secret_value() if secret else None, token),
        Path(settings.twilio_media_dir),
        settings.base_url,
        timedelta(seconds=settings.twilio_media_ttl_seconds),
        clock,
    )
    renderer = WhatsAppRenderer(
        links, settings.twilio_quick_reply_sids, settings.twilio_list_picker_sids
    )
    http = AiohttpTwilioClient()
    sender = TwilioWhatsAppSender(
        make_client(sid, token, settings.twilio_api_url, http),
        from_number=from_number,
        status_callback=settings.base_url + STATUS_PATH,
        renderer=renderer,
        templates=TemplateBook(settings.twilio_templates),
        uows=uows,
        clock=clock,
        limiter=limiter,
    )
    return WhatsAppSending(sender, links, http)


def build_whatsapp(
    settings: Settings,
    engines: Mapping[str, DialogEngine],
    uows: UnitOfWorkFactory,
    clock: Clock,
    *,
    limiter: SendLimiter | None = None,
    queued: Callable[[], None] | None = None,
) -> WhatsApp:
    """``queued``: told when an answer waits for the worker (its bell, in-process)."""
    sid, token, _ = _account(settings)
    media = TwilioMediaFetcher(sid, token, settings.twilio_api_url)
    sending = build_whatsapp_sender(settings, uows, clock, limiter=limiter)
    sending.sender.on_shown = remember_shown(engines)
    return WhatsApp(
        channel=WhatsAppChannel(engines, uows, clock, media, queued),
        sending=sending,
        signature=TwilioSignature(token, settings.base_url),
        uows=uows,
        clock=clock,
    )


def remember_shown(
    engines: Mapping[str, DialogEngine],
) -> Callable[[str, str, KnownConversation], None]:
    """The screen the sender recorded, given to this process's memory of that chat: the
    chat's next update starts from it on the fast path, not from the screen before (which
    the version check would refuse, running the update again in a transaction)."""

    def told(phone: str, audience: str, conversation: KnownConversation) -> None:
        engine = engines.get(audience)
        if engine is not None:
            chat = ChatRef(CHANNEL, chat_key(phone, audience), phone)
            engine.store.committed(chat, conversation, None)

    return told


def _account(settings: Settings) -> tuple[str, str, str]:
    """The account, its auth token and our number; refused at start-up when one is unset."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if not sid or token is None:
        raise ValueError("WhatsApp needs MOUNASABET_TWILIO_ACCOUNT_SID and _AUTH_TOKEN")
    if not settings.twilio_whatsapp_from:
        raise ValueError("WhatsApp needs MOUNASABET_TWILIO_WHATSAPP_FROM (our WhatsApp number)")
    return sid, token.get_secret_value(), settings.twilio_whatsapp_from
