"""The first baseline of the Telegram webhook benchmark: a bare aiogram echo bot (one
Dispatcher, echo texts, answer presses, nothing else) behind aiogram's
``SimpleRequestHandler``. Run in a child process by bench/telegram_webhook.py.
"""

from __future__ import annotations

import logging


def serve_echo(port: int, api_url: str, token: str, secret: str) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler
    from aiohttp import web

    # The same logging as `mounasabet serve` (aiogram logs every update at INFO).
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    @dp.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    async def introduce(_: web.Application) -> None:
        await bot.set_webhook(
            f"http://127.0.0.1:{port}/webhook",
            secret_token=secret,
            allowed_updates=["message", "callback_query"],
        )

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token=secret).register(
        app, path="/webhook"
    )

    async def close(_: web.Application) -> None:
        await bot.session.close()

    app.on_startup.append(introduce)
    app.on_cleanup.append(close)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
