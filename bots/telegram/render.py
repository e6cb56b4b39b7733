"""Dialog replies as Telegram messages: HTML-escaped text, inline keyboards, media."""

from __future__ import annotations

import html

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from dialogs.i18n.translator import translator
from dialogs.replies import Reply

TEXT_LIMIT = 4096


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label[:64], callback_data=b.payload) for b in row]
            for row in reply.buttons
        ]
    )


def as_html(text: str) -> str:
    """Our texts are plain: escape everything, users' words included."""
    escaped = html.escape(text, quote=False)
    return escaped if len(escaped) <= TEXT_LIMIT else escaped[: TEXT_LIMIT - 1] + "…"


def absolute(url: str, public_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else public_url.rstrip("/") + url


class TelegramRenderer:
    """Sends replies to one chat; edits in place when the reply asks for it."""

    def __init__(self, bot: Bot, public_url: str) -> None:
        self.bot, self.public_url = bot, public_url

    async def send(
        self, chat_id: int, replies: list[Reply], *, editable: int | None = None
    ) -> list[int]:
        """Send (or edit the message ``editable``, a message id, in place); the ids sent."""
        sent: list[int] = []
        for reply in replies:
            editing = reply.edit and editable is not None and not reply.photos
            if editing and editable and await self._edit(chat_id, editable, reply):
                sent.append(editable)
                continue
            await self._photos(chat_id, reply)
            message = await self.bot.send_message(
                chat_id, as_html(reply.text), reply_markup=keyboard(reply)
            )
            sent.append(message.message_id)
            if reply.document is not None:
                await self.bot.send_document(chat_id, absolute(reply.document.url, self.public_url))
            if reply.request_contact:
                await self._ask_contact(chat_id, str(reply.meta.get("locale", "fr")))
        return sent

    async def _edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Edit in place; False when the message is gone (then a new one is sent)."""
        try:
            await self.bot.edit_message_text(
                text=as_html(reply.text),
                chat_id=chat_id,
                message_id=message_id,
                reply_markup=keyboard(reply),
            )
        except TelegramBadRequest as exc:
            return "not modified" in str(exc)
        return True

    async def _photos(self, chat_id: int, reply: Reply) -> None:
        urls = [absolute(u, self.public_url) for u in reply.photos[:10]]
        if len(urls) == 1:
            await self.bot.send_photo(chat_id, urls[0])
        elif len(urls) > 1:
            await self.bot.send_media_group(chat_id, [InputMediaPhoto(media=u) for u in urls])

    async def _ask_contact(self, chat_id: int, locale: str) -> None:
        t = translator(locale)
        markup = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text=t("Share my phone number"), request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        await self.bot.send_message(
            chat_id, as_html(t("Or tap the button below.")), reply_markup=markup
        )
