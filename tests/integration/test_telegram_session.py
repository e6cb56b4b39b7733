"""Our Bot API session sends calls as JSON (files still as multipart), as aiogram means them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.methods import SendMessage
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from bots.telegram.session import BotApiSession
from bots.telegram.setup import make_bot


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bytes]] = []
        message = {"message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "x"}
        self.answer: tuple[int, dict[str, Any]] = (200, {"ok": True, "result": message})

    async def handle(self, request: web.Request) -> web.Response:
        self.calls.append((request.path, request.content_type, await request.read()))
        status, body = self.answer
        return web.json_response(body, status=status)


@pytest.fixture
async def api() -> AsyncIterator[tuple[Recorder, str]]:
    recorder = Recorder()
    app = web.Application()
    app.router.add_post("/{tail:.*}", recorder.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield recorder, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


async def test_calls_go_as_json_with_the_bot_defaults(api: tuple[Recorder, str]) -> None:
    recorder, url = api
    bot = make_bot("111:abc", url)
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Rabat", callback_data="3|city:rabat")]]
    )
    try:
        sent = await bot.send_message(5, "<b>hi</b>", reply_markup=markup)
    finally:
        await bot.session.close()
    assert sent.message_id == 1
    [(path, ctype, body)] = recorder.calls
    assert (path, ctype) == ("/bot111:abc/sendMessage", "application/json")
    params: dict[str, Any] = json.loads(body)
    assert params == {
        "chat_id": 5,
        "text": "<b>hi</b>",
        "parse_mode": "HTML",  # the bot's default, resolved as aiogram does
        "reply_markup": {"inline_keyboard": [[{"text": "Rabat", "callback_data": "3|city:rabat"}]]},
    }


async def test_a_file_upload_goes_as_multipart(api: tuple[Recorder, str]) -> None:
    recorder, url = api
    bot = make_bot("111:abc", url)
    try:
        await bot.send_document(5, BufferedInputFile(b"%PDF-1.4", filename="invoice.pdf"))
    finally:
        await bot.session.close()
    [(path, ctype, body)] = recorder.calls
    assert (path, ctype) == ("/bot111:abc/sendDocument", "multipart/form-data")
    assert b"%PDF-1.4" in body and b'filename="invoice.pdf"' in body


async def test_plain_calls_give_json_and_raise_aiogram_errors(api: tuple[Recorder, str]) -> None:
    recorder, url = api
    bot = make_bot("111:abc", url)
    session = bot.session
    assert isinstance(session, BotApiSession)
    try:
        result = await session.call(bot, SendMessage, {"chat_id": 5, "text": "hi"})
        assert result["message_id"] == 1  # the result as JSON, no model built
        recorder.answer = (
            429,
            {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 7",
                "parameters": {"retry_after": 7},
            },
        )
        with pytest.raises(TelegramRetryAfter) as slow_down:
            await session.call(bot, SendMessage, {"chat_id": 5, "text": "again"})
        assert slow_down.value.retry_after == 7
        recorder.answer = (
            403,
            {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            },
        )
        with pytest.raises(TelegramForbiddenError):
            await session.call(bot, SendMessage, {"chat_id": 5, "text": "again"})
    finally:
        await bot.session.close()
    assert [json.loads(body)["text"] for _, _, body in recorder.calls] == ["hi", "again", "again"]
