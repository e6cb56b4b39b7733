"""The fake Telegram Bot API, driven by a real aiogram Bot over loopback HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MediaUnion,
    Message,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from core.clock import FixedClock
from tests.fakes import ApiError, FakeTelegramAPI, FakeUser, RateLimits, parse_html

TOKEN = "123456:TEST-token_abc"
AMINA = FakeUser(id=1001, first_name="Amina", language_code="ar", username="amina")
YOUSSEF = FakeUser(id=1002, first_name="Youssef", language_code="fr")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 5, 4, 9, 0, tzinfo=UTC))


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(clock=clock, max_poll_timeout=2.0) as api:
        yield api


class LoopbackSession(AiohttpSession):
    """aiogram's session without the 250 ms pause it takes on close for TLS connections."""

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


def make_bot(fake: FakeTelegramAPI, token: str = TOKEN) -> Bot:
    return Bot(token, session=LoopbackSession(api=TelegramAPIServer.from_base(fake.base_url)))


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with make_bot(fake) as b:
        yield b


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=f"#{d}", callback_data=d) for d in data]]
    )


async def test_get_me_answers_the_configured_identity(fake: FakeTelegramAPI, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (123456, "bot123456", True)

    fake.add_bot("777:other", username="mounasabet_bot", first_name="Mounasabet")
    async with make_bot(fake, "777:other") as other:
        me = await other.get_me()
    assert (me.id, me.username, me.first_name) == (777, "mounasabet_bot", "Mounasabet")
    assert [c.method for c in fake.calls()] == ["getMe", "getMe"]


async def test_raw_http_errors_and_json_bodies(fake: FakeTelegramAPI) -> None:
    await fake.user_sends_text(TOKEN, AMINA, "hi")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}/botnot-a-token/getMe") as resp:
            assert resp.status == 401
            assert await resp.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with http.post(f"{fake.base_url}/bot{TOKEN}/sendTelepathy") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found"
        body = {"chat_id": AMINA.id, "text": "json", "reply_markup": {"remove_keyboard": True}}
        async with http.post(f"{fake.base_url}/bot{TOKEN}/sendMessage", json=body) as resp:
            assert resp.status == 200
            answer = await resp.json()
        form = aiohttp.FormData()
        form.add_field("chat_id", str(AMINA.id))
        form.add_field("document", b"plain part", filename="notes.txt", content_type="text/plain")
        async with http.post(f"{fake.base_url}/bot{TOKEN}/SENDDOCUMENT", data=form) as resp:
            assert resp.status == 200  # method names are case-insensitive, as with Telegram
    assert answer["ok"] is True and answer["result"]["text"] == "json"
    assert fake.sent_to(AMINA.id)[0].text == "json"
    assert (fake.uploads()[0].filename, fake.uploads()[0].content) == ("notes.txt", b"plain part")
    assert fake.calls("sendDocument")[0].params["document"] == "attach://document"


async def test_send_message_with_inline_keyboard_is_recorded(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    sent = await bot.send_message(AMINA.id, "Choose", reply_markup=keyboard("a", "b"))

    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "b"
    last = fake.last_message(AMINA.id)
    assert (last.message_id, last.text, last.callback_data()) == (
        sent.message_id,
        "Choose",
        ["a", "b"],
    )
    call = fake.calls("sendMessage")[-1]
    assert call.params["chat_id"] == AMINA.id
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "a"


async def test_unknown_chat_and_blocked_user(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(AMINA.id, "hello?")
    fake.require_known_chat = False  # e.g. benchmarks writing to users they never injected
    await bot.send_message(4242, "hello stranger")
    fake.require_known_chat = True

    await fake.user_sends_text(bot, AMINA, "hi")
    await fake.user_blocks(bot, AMINA)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(AMINA.id, "still there?")
    blocked = fake.pending_updates(bot)[-1]["my_chat_member"]
    assert blocked["new_chat_member"]["status"] == "kicked"

    await fake.user_sends_text(bot, AMINA, "/start")  # restarting the bot unblocks it
    await bot.send_message(AMINA.id, "welcome back")


async def test_edit_message_text(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    sent = await bot.send_message(AMINA.id, "Step 1", reply_markup=keyboard("next"))

    edited = await bot.edit_message_text(
        text="Step 2", chat_id=AMINA.id, message_id=sent.message_id, reply_markup=keyboard("x")
    )
    assert isinstance(edited, Message) and edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Step 2", chat_id=AMINA.id, message_id=sent.message_id, reply_markup=keyboard("x")
        )
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="?", chat_id=AMINA.id, message_id=999)
    await bot.edit_message_reply_markup(chat_id=AMINA.id, message_id=sent.message_id)

    assert fake.last_message(AMINA.id).text == "Step 2"
    assert fake.last_message(AMINA.id).reply_markup is None
    assert [(e.method, e.text) for e in fake.edits(AMINA.id)] == [
        ("editMessageText", "Step 2"),
        ("editMessageReplyMarkup", "Step 2"),
    ]


async def test_callback_query_is_answered_at_most_once(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    sent = await bot.send_message(AMINA.id, "Pick", reply_markup=keyboard("p:1"))
    with pytest.raises(LookupError):
        await fake.user_presses(bot, AMINA, sent.message_id, "p:2")

    pressed = await fake.user_presses(bot, AMINA, sent.message_id, "p:1")
    query_id = pressed.callback_query_id
    assert await bot.answer_callback_query(query_id, text="OK")
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query("42")
    assert [(a.query_id, a.text, a.user_id) for a in fake.callback_answers()] == [
        (query_id, "OK", AMINA.id)
    ]


async def test_callback_answer_limits(fake: FakeTelegramAPI, bot: Bot, clock: FixedClock) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    sent = await bot.send_message(AMINA.id, "Pick", reply_markup=keyboard("p"))
    late = await fake.user_presses(bot, AMINA, sent.message_id, "p")
    clock.advance(timedelta(seconds=16))
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(late.callback_query_id)

    pressed = await fake.user_presses(bot, AMINA, sent.message_id, "p")
    with pytest.raises(TelegramBadRequest, match="MESSAGE_TOO_LONG"):
        await bot.answer_callback_query(pressed.callback_query_id, text="x" * 201)
    assert await bot.answer_callback_query(pressed.callback_query_id, text="x" * 200)


async def test_callback_data_is_limited_in_bytes(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    arabic = "ح" * 33  # 33 characters, 66 bytes
    assert len(arabic) < 64 < len(arabic.encode())
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(AMINA.id, "x", reply_markup=keyboard("a" * 65))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(AMINA.id, "x", reply_markup=keyboard("ok", arabic))
    await bot.send_message(AMINA.id, "x", reply_markup=keyboard("a" * 64, "ح" * 32))


async def test_html_must_be_telegram_html(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(AMINA.id, "<b>unclosed", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "p" at byte offset 0'):
        await bot.send_message(AMINA.id, "<p>para</p>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(AMINA.id, "price < 100", parse_mode="HTML")

    sent = await bot.send_message(
        AMINA.id, "<b>Bold</b> &amp; <a href='https://x.ma'>link</a>", parse_mode="HTML"
    )
    assert sent.text == "Bold & link"
    assert sent.entities is not None
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        ("bold", 0, 4),
        ("text_link", 7, 4),
    ]


@pytest.mark.parametrize(
    ("html", "text", "entities"),
    [
        ("a &lt;b&gt; &#65;&#x42; &nbsp;", "a <b> AB &nbsp;", []),
        ("<i>مرحبا</i> 😀<u>x</u>", "مرحبا 😀x", [("italic", 0, 5), ("underline", 8, 1)]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [("spoiler", 0, 1), ("spoiler", 1, 1)],
        ),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1", [("pre", 0, 5)]),
        (
            "<blockquote>q</blockquote><B>c</B><code>d</code>",
            "qcd",
            [("blockquote", 0, 1), ("bold", 1, 1), ("code", 2, 1)],
        ),
    ],
)
def test_html_parser_accepts_telegram_html(
    html: str, text: str, entities: list[tuple[str, int, int]]
) -> None:
    plain, found = parse_html(html)
    assert plain == text
    assert [(e["type"], e["offset"], e["length"]) for e in found] == entities


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler"'),
        ("é<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
    ],
)
def test_html_parser_refuses_like_telegram(html: str, error: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_html(html)
    assert caught.value.error_code == 400
    assert caught.value.description.startswith("Bad Request: can't parse entities: ")
    assert error in caught.value.description


async def test_text_length_rules(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    fake.rate_limits = None
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(AMINA.id, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(AMINA.id, "  \n ")
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(AMINA.id, "<b></b>", parse_mode="HTML")
    assert (await bot.send_message(AMINA.id, "x" * 4096)).text == "x" * 4096
    assert (await bot.send_message(AMINA.id, "<b>x</b>" * 600, parse_mode="HTML")).text
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(AMINA.id, BufferedInputFile(b"img", "a.jpg"), caption="c" * 1025)


async def test_rate_limits_answer_429_with_retry_after(
    fake: FakeTelegramAPI, bot: Bot, clock: FixedClock
) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    for n in range(3):
        await bot.send_message(AMINA.id, f"burst {n}")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(AMINA.id, "one too many")
    assert caught.value.retry_after == 1
    assert "Too Many Requests: retry after 1" in str(caught.value)
    clock.advance(timedelta(seconds=1))
    await bot.send_message(AMINA.id, "after the wait")

    fake.rate_limits = RateLimits(per_chat=100, per_bot=30)
    clock.advance(timedelta(seconds=1))
    users = [FakeUser(id=5000 + n, first_name=f"U{n}") for n in range(31)]
    for user in users:
        fake.open_chat(bot, user)
    for user in users[:30]:
        await bot.send_message(user.id, "broadcast")
    with pytest.raises(TelegramRetryAfter):
        await bot.send_message(users[30].id, "broadcast")

    fake.rate_limits = None  # benchmarks run unthrottled
    for _ in range(40):
        await bot.send_message(AMINA.id, "flood")


async def test_send_document_records_the_upload(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    pdf = b"%PDF-1.4 quote"
    upload = BufferedInputFile(pdf, filename="quote.pdf")
    sent = await bot.send_document(AMINA.id, upload, caption="<b>Devis</b>", parse_mode="HTML")
    assert sent.document is not None and sent.document.file_name == "quote.pdf"
    assert sent.caption == "Devis"
    recorded = fake.uploads()[-1]
    assert (recorded.filename, recorded.content, recorded.chat_id) == ("quote.pdf", pdf, AMINA.id)

    again = await bot.send_document(AMINA.id, sent.document.file_id)  # by file_id: no upload
    assert again.document is not None and len(fake.uploads()) == 1
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(AMINA.id, "nonsense")


async def test_send_photo_and_media_group(fake: FakeTelegramAPI, bot: Bot) -> None:
    await fake.user_sends_text(bot, AMINA, "/start")
    fake.rate_limits = None
    photo = await bot.send_photo(AMINA.id, BufferedInputFile(b"\x89PNG\r\n\x1a\n..", "hall.png"))
    assert photo.photo is not None

    album: list[MediaUnion] = [
        InputMediaPhoto(media=BufferedInputFile(b"\xff\xd8\xff%d" % n, f"{n}.jpg"))
        for n in range(3)
    ]
    sent = await bot.send_media_group(AMINA.id, album)
    assert len(sent) == 3 and len({m.media_group_id for m in sent}) == 1
    assert [u.filename for u in fake.uploads()] == ["hall.png", "0.jpg", "1.jpg", "2.jpg"]
    with pytest.raises(TelegramBadRequest, match="too many messages to send as an album"):
        await bot.send_media_group(AMINA.id, [InputMediaPhoto(media="https://x.ma/a.jpg")] * 11)
    with pytest.raises(TelegramBadRequest, match="there are no messages to send"):
        await bot.send_media_group(AMINA.id, [])


async def test_photos_telegram_refuses(fake: FakeTelegramAPI, bot: Bot) -> None:
    """Issue 19: an SVG is no photo, by upload or by URL; 5 MB is the most fetched by URL."""
    await fake.user_sends_text(bot, AMINA, "/start")
    svg = BufferedInputFile(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "a.svg")
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(AMINA.id, svg)
    with pytest.raises(TelegramBadRequest, match="wrong type of the web page content"):
        await bot.send_photo(AMINA.id, "https://x.ma/a.svg")
    fake.remote_files["https://x.ma/big.jpg"] = ("image/jpeg", 5 * 1024 * 1024 + 1)
    album: list[MediaUnion] = [
        InputMediaPhoto(media="https://x.ma/a.jpg"),
        InputMediaPhoto(media="https://x.ma/big.jpg"),
    ]
    with pytest.raises(TelegramBadRequest, match="failed to get HTTP URL content"):
        await bot.send_media_group(AMINA.id, album)
    assert await bot.send_document(AMINA.id, svg)  # an SVG goes as a file


async def test_commands_chat_action_and_delete(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands([BotCommand(command="start", description="ابدأ")], language_code="ar")
    assert fake.commands(bot) == [{"command": "start", "description": "Start"}]
    assert fake.commands(bot, language_code="ar") == [{"command": "start", "description": "ابدأ"}]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start Now", description="x")])

    await fake.user_sends_text(bot, AMINA, "/start")
    assert await bot.send_chat_action(AMINA.id, "typing")
    sent = await bot.send_message(AMINA.id, "temporary")
    assert await bot.delete_message(AMINA.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(AMINA.id, sent.message_id)
    assert fake.sent_to(AMINA.id) == []


async def test_updates_parse_in_aiogram(fake: FakeTelegramAPI, bot: Bot) -> None:
    seen: list[Any] = []
    router = Router()

    @router.message(F.text)
    async def on_text(message: Message) -> None:
        seen.append(("text", message.text, message.entities))

    @router.message(F.contact)
    async def on_contact(message: Message) -> None:
        assert message.contact is not None
        seen.append(("contact", message.contact.phone_number, message.contact.user_id))

    @router.callback_query()
    async def on_press(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        seen.append(("press", query.data, query.message.message_id))

    @router.my_chat_member()
    async def on_member(event: ChatMemberUpdated) -> None:
        seen.append(("member", event.new_chat_member.status))

    dp = Dispatcher()
    dp.include_router(router)
    await fake.user_sends_text(bot, YOUSSEF, "/book@bot123456 salle")
    sent = await bot.send_message(YOUSSEF.id, "Confirm?", reply_markup=keyboard("yes"))
    await fake.user_presses(bot, YOUSSEF, sent.message_id, "yes")
    await fake.user_shares_contact(bot, YOUSSEF, "+212600000000")
    await fake.user_blocks(bot, YOUSSEF)
    for update in fake.pending_updates(bot):
        await dp.feed_raw_update(bot, update)

    assert seen[0][:2] == ("text", "/book@bot123456 salle")
    assert [(e.type, e.offset, e.length) for e in seen[0][2]] == [("bot_command", 0, 15)]
    assert seen[1:] == [
        ("press", "yes", sent.message_id),
        ("contact", "+212600000000", YOUSSEF.id),
        ("member", "kicked"),
    ]
    assert [u["update_id"] for u in fake.pending_updates(bot)] == [1, 2, 3, 4]


async def test_get_updates_long_polls_and_confirms_with_offset(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.max_poll_timeout = 5.0
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(timeout=1) == []
    assert 0.9 <= loop.time() - started < 3

    async def later() -> None:
        await asyncio.sleep(0.2)
        await fake.user_sends_text(bot, AMINA, "hello")

    task = asyncio.create_task(later())
    started = loop.time()
    updates = await bot.get_updates(timeout=30)  # waits at most max_poll_timeout (5 s)
    await task
    assert loop.time() - started < 3  # answered when the update came, not at the timeout
    assert [u.message.text for u in updates if u.message] == ["hello"]

    await fake.user_sends_text(bot, AMINA, "again")
    assert len(await bot.get_updates()) == 2  # unconfirmed updates come back
    last = (await bot.get_updates(offset=updates[0].update_id + 1))[-1]
    assert last.message is not None and last.message.text == "again"
    assert await bot.get_updates(offset=last.update_id + 1) == []
    assert fake.pending_updates(bot) == []


async def test_get_updates_conflicts_with_a_webhook(fake: FakeTelegramAPI, bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_dispatcher_echo_bot_with_polling(fake: FakeTelegramAPI) -> None:
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        assert message.text is not None
        await message.answer(message.text)

    bot = make_bot(fake)
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=1))
    await fake.user_sends_text(bot, AMINA, "echo me")
    for _ in range(100):
        if fake.sent_to(AMINA.id):
            break
        await asyncio.sleep(0.02)
    await dp.stop_polling()
    await polling
    assert [m.text for m in fake.sent_to(AMINA.id)] == ["echo me"]


class WebhookReceiver:
    """A tiny webhook endpoint that records what arrives and answers with a chosen status."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, Any], str | None]] = []
        self.status = 200
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        self.received.append((await request.json(), secret))
        return web.json_response({}, status=self.status)

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site.port}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


async def test_webhook_delivery_secret_and_redelivery(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/hook", secret_token="not/base64+")
    async with WebhookReceiver() as hook:
        await bot.set_webhook(hook.url, secret_token="s3cret_-X", allowed_updates=["message"])
        delivered = await fake.user_sends_text(bot, AMINA, "via webhook")
        assert (delivered.state, delivered.status) == ("delivered", 200)
        assert hook.received == [(delivered.update, "s3cret_-X")]

        hook.status = 500
        failed = await fake.user_sends_text(bot, AMINA, "first")
        queued = await fake.user_sends_text(bot, AMINA, "second")  # waits behind "first"
        assert (failed.state, failed.status, queued.state) == ("pending", 500, "pending")
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 2
        error = "Wrong response from the webhook: 500 Internal Server Error"
        assert info.last_error_message == error
        assert info.allowed_updates == ["message"]

        hook.status = 200
        retried = await fake.redeliver(bot)
        assert [d.state for d in retried] == ["delivered", "delivered"]
        texts = [update["message"]["text"] for update, _ in hook.received]
        assert texts == ["via webhook", "first", "first", "second"]
        assert fake.pending_updates(bot) == []


async def test_webhooks_spread_over_backends_in_turn_per_chat(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    """The fake as a load balancer: each chat's successive updates go to the next backend,
    at the webhook's own path; ``straight_to`` picks one without turning the wheel."""
    async with WebhookReceiver() as first, WebhookReceiver() as second:
        await bot.set_webhook("http://127.0.0.1:9/hook")  # the balancer's address
        fake.spread_over([u.removesuffix("/hook") for u in (first.url, second.url)])
        for text in ("a1", "a2", "a3"):
            await fake.user_sends_text(bot, AMINA, text)
        await fake.user_sends_text(bot, YOUSSEF, "y1")
        await fake.user_sends_text(bot, AMINA, "a4", straight_to=second.url.removesuffix("/hook"))
        await fake.user_sends_text(bot, YOUSSEF, "y2")

        def texts(hook: WebhookReceiver) -> list[str]:
            return [update["message"]["text"] for update, _ in hook.received]

        assert texts(first) == ["a1", "a3", "y1"]
        assert texts(second) == ["a2", "a4", "y2"]
        routed = [chat for _, _, chat, _ in fake.routed]
        assert routed == [AMINA.id] * 3 + [YOUSSEF.id, AMINA.id, YOUSSEF.id]


async def test_aiogram_webhook_answer_carries_a_method(fake: FakeTelegramAPI, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(F.text)
    async def reply_in_answer(message: Message) -> Any:
        return message.answer(f"got {message.text}")  # aiogram puts it in the webhook answer

    app = web.Application()
    SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="abc").register(
        app, path="/tg"
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{site.port}/tg", secret_token="abc")
        delivery = await fake.user_sends_text(bot, AMINA, "salam")
    finally:
        await runner.cleanup()
    assert delivery.state == "delivered"
    assert fake.last_message(AMINA.id).text == "got salam"
    assert fake.calls("sendMessage")[-1].source == "webhook-reply"
