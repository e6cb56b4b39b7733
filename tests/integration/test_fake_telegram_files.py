"""The fake Bot API's files people send (tests/fakes/telegram_files.py), as aiogram sees
them: a photo in Telegram's sizes, getFile, the download, and Telegram's errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest

from tests.fakes import FakeTelegramAPI, FakeUser
from tests.support.pictures import opened, picture

TOKEN = "42:files"
NOUR = FakeUser(id=7, first_name="Nour")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(rate_limits=None) as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))
    bot = Bot(TOKEN, session=session)
    yield bot
    await bot.session.close()


async def test_a_photo_comes_in_sizes_and_downloads_as_jpeg(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    delivery = await fake.user_sends_photo(TOKEN, NOUR, picture("PNG", (1600, 1200)))
    sizes = delivery.update["message"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 68),
        (320, 240),
        (800, 600),
        (1280, 960),
    ]
    found = await bot.get_file(sizes[-1]["file_id"])
    assert found.file_path is not None and found.file_size == sizes[-1]["file_size"]
    downloaded = await bot.download_file(found.file_path)
    assert downloaded is not None
    assert opened(downloaded.read()).size == (1280, 960)  # re-encoded as JPEG, as Telegram does


async def test_a_document_keeps_its_bytes_and_unknown_files_are_refused(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    gif = picture("GIF")
    delivery = await fake.user_sends_document(
        TOKEN, NOUR, gif, filename="a.gif", mime_type="image/gif"
    )
    document = delivery.update["message"]["document"]
    assert (document["mime_type"], document["file_size"]) == ("image/gif", len(gif))
    found = await bot.get_file(document["file_id"])
    assert found.file_path is not None and found.file_path.endswith(".gif")
    downloaded = await bot.download_file(found.file_path)
    assert downloaded is not None and downloaded.read() == gif
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("no-such-file")
