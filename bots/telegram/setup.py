"""Build the Telegram bots from settings and introduce them to Telegram."""

from __future__ import annotations

import asyncio
import logging
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
        ("language", N_("change language")),
        ("support", N_("talk to our team")),
        ("help", N_("this help")),
    ],
}


@dataclass
class TelegramBot:
    kind: str
    bot: Bot
    channel: TelegramChannel
    sender: TelegramSender


def make_bot(token: str, api_url: str) -> Bot:
    session = BotApiSession(api=TelegramAPIServer.from_base(api_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_bots(
    settings: Settings,
    engines: dict[str, DialogEngine],
    uows: UnitOfWorkFactory,
    clock: Clock,
    public_url: str,
) -> dict[str, TelegramBot]:
    tokens = {
        "client": settings.telegram_client_token,
        "provider": settings.telegram_provider_token,
    }
    bots: dict[str, TelegramBot] = {}
    for kind, token in tokens.items():
        if token is None:
            continue
        bot = make_bot(token.get_secret_value(), settings.telegram_api_url)
        renderer = TelegramRenderer(bot, public_url)
        channel = TelegramChannel(kind, bot, engines[kind], renderer, uows, clock)
        bots[kind] = TelegramBot(kind, bot, channel, TelegramSender(renderer, uows, clock))
    return bots


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


async def close(bots: dict[str, TelegramBot]) -> None:
    # Together: aiogram's close waits 250 ms per session for TLS connections to wind down.
    await asyncio.gather(*(tb.bot.session.close() for tb in bots.values()))
