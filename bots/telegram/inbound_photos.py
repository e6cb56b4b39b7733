"""A photo sent to the provider bot, fetched from Telegram: `getFile`, then the file from
the Bot API's file address (the base URL setting: a local fake in tests).

Telegram sends a photo in several sizes; the largest we take is fetched. A picture sent
"as a file" (uncompressed) is a document with an image type and is fetched too; the
checks in core (type, bytes, pixels) decide about both. Nothing past the size limit is
read, whatever Telegram said the size would be.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import AiogramError
from aiohttp import ClientError

from bots.photos import Fetched
from bots.telegram.updates import TgMessage
from core.catalog.photo_checks import MAX_PHOTO_BYTES
from dialogs.framework.flow import (
    ATTACHMENT_NOT_PHOTO,
    ATTACHMENT_TOO_BIG,
    ATTACHMENT_UNAVAILABLE,
)

log = logging.getLogger(__name__)
FETCH_SECONDS = 20


async def fetch_photo(bot: Bot, message: TgMessage) -> Fetched:
    """The message's picture, or why there is none; nothing for a message without one."""
    if message.photo:
        fitting = [p for p in message.photo if (p.file_size or 0) <= MAX_PHOTO_BYTES]
        if not fitting:
            return Fetched(attachment=ATTACHMENT_TOO_BIG)
        file_id = max(fitting, key=lambda p: p.width * p.height).file_id
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        if (message.document.file_size or 0) > MAX_PHOTO_BYTES:
            return Fetched(attachment=ATTACHMENT_TOO_BIG)
        file_id = message.document.file_id
    elif message.has_attachment:
        return Fetched(attachment=ATTACHMENT_NOT_PHOTO)
    else:
        return Fetched()
    try:
        return await _download(bot, file_id)
    except (AiogramError, ClientError, TimeoutError) as exc:
        log.warning("could not fetch Telegram file %s: %r", file_id, exc)
        return Fetched(attachment=ATTACHMENT_UNAVAILABLE)


async def _download(bot: Bot, file_id: str) -> Fetched:
    found = await bot.get_file(file_id)
    if found.file_path is None:  # Telegram keeps no file past 20 MB for bots
        return Fetched(attachment=ATTACHMENT_TOO_BIG)
    url = bot.session.api.file_url(bot.token, found.file_path)
    chunks, size = [], 0
    async for chunk in bot.session.stream_content(url, timeout=FETCH_SECONDS):
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            return Fetched(attachment=ATTACHMENT_TOO_BIG)
        chunks.append(chunk)
    return Fetched(photo=b"".join(chunks))
