"""Build the Telegram bots from settings and introduce them to Telegram."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import BotCommand

from bots.telegram.channel import TelegramChannel
from bots.telegram.render import TelegramRenderer
from bots.telegram.sender import TelegramSender
from core.clock import Clock
from core.domain.catalog import LANGUAGES
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from dialogs.engine import DialogEngine
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
        ("help", N_("this help")),
    ],
}


@dataclass
class TelegramBot:
    kind: str
    bot: Bot
    channel: TelegramChannel
    sender: TelegramSender


class PinnedResponseSession(AiohttpSession):
    """aiogram validates every answer as ``Response[<method's result type>]``, a pydantic
    generic that pydantic caches only weakly: once the garbage collector drops it, the next
    call rebuilds its schema (~10 ms of CPU; one call in six under load). Keep them alive."""

    _pinned: ClassVar[dict[Any, type[Response[Any]]]] = {}

    def check_response(
        self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int, content: str
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._pinned:
            self._pinned[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def make_bot(token: str, api_url: str) -> Bot:
    session = PinnedResponseSession(api=TelegramAPIServer.from_base(api_url))
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
