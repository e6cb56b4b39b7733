"""The second baseline of the Telegram webhook benchmark: a bare python-telegram-bot echo bot
on PTB's own webhook server (``Application.run_webhook``, tornado), talking to the fake Bot
API through PTB's ``base_url`` setting. Run in a child process by bench/telegram_webhook.py.

PTB's defaults are kept, as a bare bot has them: its webhook server puts the update in the
application's queue and answers 200 at once, and the application handles updates one at
a time (``concurrent_updates`` off). Because the answer comes before the work, the
benchmark counts a PTB run as finished when every update's reply has reached the fake.
"""

from __future__ import annotations

import logging


def serve_ptb(port: int, api_url: str, token: str, secret: str) -> None:
    from telegram import Update
    from telegram.ext import (
        Application,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    # The same logging level as `mounasabet serve` and the aiogram echo bot.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call otherwise
    app = Application.builder().token(token).base_url(f"{api_url}/bot").build()

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is not None:
            await message.reply_text(message.text or "?")

    async def pressed(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()

    app.add_handler(MessageHandler(filters.ALL, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    app.run_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="webhook",
        secret_token=secret,
        webhook_url=f"http://127.0.0.1:{port}/webhook",
        allowed_updates=["message", "callback_query"],
    )
