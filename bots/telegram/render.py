"""Dialog replies as Telegram messages: HTML-escaped text, inline keyboards, media.

Sent with `BotApiSession.call` (plain JSON both ways): these calls are made for every
update, and aiogram's models for them cost more than the rest of the step.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from typing import Any, cast

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    EditMessageReplyMarkup,
    EditMessageText,
    SendDocument,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)

from bots.photos import TELEGRAM_PHOTOS, shown_as_photo
from bots.telegram.session import BotApiSession
from bots.text_split import split_text
from dialogs.framework.replies import LINK_ONLY, Button, Reply
from dialogs.i18n.translator import translator
from dialogs.labels import shortened

log = logging.getLogger(__name__)
TEXT_LIMIT = 4096
LABEL_LIMIT = 64  # Telegram shows no more of a button's text
JSON = dict[str, Any]


def keyboard(reply: Reply) -> JSON | None:
    rows = [[key for b in row if (key := _key(b)) is not None] for row in reply.buttons]
    rows = [row for row in rows if row]
    return {"inline_keyboard": rows} if rows else None


def _key(button: Button) -> JSON | None:
    text = shortened(button.label, LABEL_LIMIT)
    # A link button opens the page; Telegram refuses some plain-HTTP (local) addresses:
    # there the button asks for the link instead, or is left out (the text has the link).
    if button.url.startswith("https://"):
        return {"text": text, "url": button.url}
    if button.url and button.payload == LINK_ONLY:
        return None
    return {"text": text, "callback_data": button.payload}


def as_html(text: str) -> str:
    """Our texts are plain: escape everything, users' words included."""
    return html.escape(text, quote=False)


def pieces(text: str) -> list[str]:
    """The text in messages Telegram takes: 4096 characters counted after entity parsing
    (the plain text, in UTF-16 units), cut between lines, so nothing is lost and no cut
    falls inside an escaped entity (each piece is escaped whole)."""
    return split_text(text, TEXT_LIMIT) or [text]


def absolute(url: str, public_url: str) -> str:
    return url if url.startswith(("http://", "https://")) else public_url.rstrip("/") + url


class TelegramRenderer:
    """Sends replies to one chat; edits in place when the reply asks for it."""

    def __init__(self, bot: Bot, public_url: str) -> None:
        self.bot, self.public_url = bot, public_url
        self.session = cast(BotApiSession, bot.session)

    async def _call(self, method: type[TelegramMethod[Any]], params: JSON) -> Any:
        return await self.session.call(self.bot, method, params)

    async def send(
        self, chat_id: int, replies: list[Reply], *, editable: int | None = None
    ) -> list[int]:
        """Send (or edit the message ``editable``, a message id, in place); the ids sent."""
        sent: list[int] = []
        for reply in replies:
            *before, last = pieces(reply.text)
            editing = reply.edit and editable is not None and not reply.photos and not before
            if editing and editable and await self._edit(chat_id, editable, reply):
                sent.append(editable)
                if reply.remove_keyboard:  # an edit can't carry it: a message of its own
                    sent.append(await self._remove_keyboard(chat_id, reply))
                continue
            if reply.remove_keyboard and keyboard(reply) is not None:
                # A message has one markup: the inline buttons stay with the text.
                sent.append(await self._remove_keyboard(chat_id, reply))
                reply = replace(reply, remove_keyboard=False)
            await self._photos(chat_id, reply)
            for piece in before:  # a text too long for one message: its buttons go last
                message = await self._call(SendMessage, self._text(chat_id, Reply(piece)))
                sent.append(int(message["message_id"]))
            message = await self._call(SendMessage, self._text(chat_id, reply, last))
            sent.append(int(message["message_id"]))
            if editable and (reply.edit or reply.close_pressed):
                await self._close(chat_id, editable)  # the pressed screen was replaced below
            if reply.document is not None:
                url = absolute(reply.document.url, self.public_url)
                await self._call(SendDocument, {"chat_id": chat_id, "document": url})
            if reply.request_contact:
                await self._ask_contact(chat_id, str(reply.meta.get("locale", "fr")))
        return sent

    @staticmethod
    def _text(chat_id: int, reply: Reply, text: str | None = None) -> JSON:
        body = as_html(reply.text if text is None else text)
        params: JSON = {"chat_id": chat_id, "text": body, "parse_mode": "HTML"}
        markup = keyboard(reply)
        if markup is not None:
            params["reply_markup"] = markup
        elif reply.remove_keyboard:
            params["reply_markup"] = {"remove_keyboard": True}
        return params

    async def _edit(self, chat_id: int, message_id: int, reply: Reply) -> bool:
        """Edit in place; False when the message is gone (then a new one is sent)."""
        try:
            await self._call(
                EditMessageText, {**self._text(chat_id, reply), "message_id": message_id}
            )
        except TelegramBadRequest as exc:
            return "not modified" in str(exc)
        return True

    async def _close(self, chat_id: int, message_id: int) -> None:
        """Take the buttons off a message that was answered (best effort: a message gone or
        too old keeps them, and its buttons are refused as stale when pressed)."""
        try:
            await self._call(EditMessageReplyMarkup, {"chat_id": chat_id, "message_id": message_id})
        except TelegramBadRequest as exc:
            log.info("could not take the buttons off %s in chat %s: %s", message_id, chat_id, exc)

    async def _remove_keyboard(self, chat_id: int, reply: Reply) -> int:
        """A short message that takes the contact keyboard away (Telegram removes a reply
        keyboard only with a new message, and one without inline buttons)."""
        t = translator(str(reply.meta.get("locale", "fr")))
        message = await self._call(
            SendMessage,
            {
                "chat_id": chat_id,
                "text": as_html(t("OK.")),
                "parse_mode": "HTML",
                "reply_markup": {"remove_keyboard": True},
            },
        )
        return int(message["message_id"])

    async def _photos(self, chat_id: int, reply: Reply) -> None:
        photos = [u for u in reply.photos if shown_as_photo(u, TELEGRAM_PHOTOS)]
        urls = [absolute(u, self.public_url) for u in photos[:10]]
        try:
            if len(urls) == 1:
                await self._call(SendPhoto, {"chat_id": chat_id, "photo": urls[0]})
            elif len(urls) > 1:
                media = [{"type": "photo", "media": u} for u in urls]
                await self._call(SendMediaGroup, {"chat_id": chat_id, "media": media})
        except TelegramBadRequest as exc:
            # The photos are an extra: the profile's text and buttons still go (issue 19).
            log.warning("Telegram refused the photos %s for chat %s: %s", urls, chat_id, exc)

    async def _ask_contact(self, chat_id: int, locale: str) -> None:
        t = translator(locale)
        markup = {
            "keyboard": [[{"text": t("Share my phone number"), "request_contact": True}]],
            "resize_keyboard": True,
            "one_time_keyboard": True,
        }
        await self._call(
            SendMessage,
            {
                "chat_id": chat_id,
                "text": as_html(t("Or tap the button below.")),
                "parse_mode": "HTML",
                "reply_markup": markup,
            },
        )
