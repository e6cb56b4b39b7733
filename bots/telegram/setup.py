"""Build the Telegram bots from settings and introduce them to Telegram."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand

from bots.telegram.channel import TelegramChannel
from bots.telegram.render import TelegramRenderer
from bots.telegram.sender import TelegramSender
from bots.telegram.session import BotApiSession
from core.catalog.vocabulary import LANGUAGES
from core.clock import Clock
from core.notifications.outbox import Leases
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.framework.engine import DialogEngine
from dialogs.i18n.translator import N_, translator

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = {
    "client": [
        ("start", N_("main menu")),
        ("mybookings", N_("your bookings")),
        ("language", N_("change language")),
        ("support", N_("talk to our team")),
        ("help", N_("this help")),
    ],
    "provider": [
        ("start", N_("your requests")),
        ("services", N_("your services and prices")),
        ("availability", N_("your opening hours and closed days")),
        ("calendar", N_("your calendars: import, export")),
        ("bookings", N_("your bookings, paged")),
        ("earnings", N_("your earnings")),
        ("profile", N_("your profile and photos")),
        ("register", N_("become a provider")),
        ("language", N_("change language")),
        ("support", N_("talk to our team")),
        ("help", N_("this help")),
    ],
}


@dataclass
class TelegramSending:
    """One bot's outbound side: all `mounasabet worker` needs of it."""

    kind: str
    bot: Bot
    renderer: TelegramRenderer
    sender: TelegramSender

    @property
    def identity_channel(self) -> str:
        """The channel its users' identities (and so the outbox's messages) are kept under."""
        return f"telegram_{self.kind}"


@dataclass
class TelegramBot(TelegramSending):
    """One bot whole: its outbound side and the channel that answers its updates."""

    channel: TelegramChannel


def make_bot(token: str, api_url: str) -> Bot:
    session = BotApiSession(api=TelegramAPIServer.from_base(api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_senders(
    settings: Settings, uows: UnitOfWorkFactory, clock: Clock
) -> dict[str, TelegramSending]:
    """The bots whose token is set, able to send (no dialog engine: nothing answers)."""
    tokens = {
        "client": settings.telegram_client_token,
        "provider": settings.telegram_provider_token,
    }
    sending: dict[str, TelegramSending] = {}
    for kind, token in tokens.items():
        if token is None:
            continue
        bot = make_bot(token.get_secret_value(), settings.telegram_api_url)
        renderer = TelegramRenderer(bot, settings.base_url)
        sending[kind] = TelegramSending(kind, bot, renderer, TelegramSender(renderer, uows, clock))
    return sending


def build_bots(
    settings: Settings,
    engines: Mapping[str, DialogEngine],
    uows: UnitOfWorkFactory,
    clock: Clock,
) -> dict[str, TelegramBot]:
    """The bots whose token is set, each answering its updates with its engine."""
    leases = Leases.of(settings.send_lease_seconds)
    return {
        kind: TelegramBot(
            kind,
            out.bot,
            out.renderer,
            out.sender,
            TelegramChannel(kind, out.bot, engines[kind], out.renderer, uows, clock, leases),
        )
        for kind, out in build_senders(settings, uows, clock).items()
    }


async def introduce(bots: dict[str, TelegramBot], settings: Settings) -> None:
    """Commands per language, and the webhook when we have a public URL."""
    for kind, tb in bots.items():
        # None: the list Telegram shows users whose language has no list of its own.
        for code in (*LANGUAGES, None):
            t = translator(code or settings.default_locale)
            commands = [BotCommand(command=c, description=t(d)) for c, d in COMMANDS[kind]]
            await tb.bot.set_my_commands(commands, language_code=code)
        if settings.public_url and settings.telegram_webhook_secret:
            url = settings.public_url.rstrip("/") + f"/webhooks/telegram/{kind}"
            await tb.bot.set_webhook(
                url,
                secret_token=settings.telegram_webhook_secret.get_secret_value(),
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram %s bot: webhook set to %s", kind, url)


async def close(bots: Mapping[str, TelegramSending]) -> None:
    # Together: aiogram's close waits 250 ms per session for TLS connections to wind down.
    await asyncio.gather(*(tb.bot.session.close() for tb in bots.values()))
