"""A fake Telegram Bot API server on loopback that aiogram talks to over real HTTP.

Point a bot at it with
`Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))`.
Users are played by the test (`user_sends_text`, `user_presses`, ...); updates reach the bot
through its webhook or getUpdates, as with Telegram.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from core.clock import Clock, SystemClock
from tests.fakes.telegram_files import FILE_ROUTE, UserFiles
from tests.fakes.telegram_methods import BotApiMethods, _Described, _scope_key
from tests.fakes.telegram_objects import (
    JSON,
    UPLOAD_LIMIT,
    ApiError,
    CallbackAnswer,
    Delivery,
    FakeUser,
    FilePart,
    MessageEdit,
    RecordedCall,
    StoredMessage,
    UploadedFile,
    command_entities,
    member_update,
    update_chat_id,
    update_type,
)
from tests.fakes.telegram_state import TELEGRAM_LIMITS, _Chat, _File, _Query
from tests.fakes.telegram_state import FakeBot as FakeBot  # re-exported
from tests.fakes.telegram_state import RateLimits as RateLimits  # re-exported
from tests.fakes.telegram_wire import Params, decode_params, read_method_call, read_request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
BAD_GATEWAY = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
_PATH = re.compile(r"/bot([^/]+)/([^/]*)")
_TOKEN = re.compile(r"(\d+):(\S+)")
_DEFAULT_UPDATES = frozenset({"message", "callback_query", "my_chat_member", "edited_message"})


class _HasToken(Protocol):
    @property
    def token(self) -> str: ...


BotRef = str | _HasToken  # a token, an aiogram Bot or a FakeBot


Handler = Callable[[FakeBot, Params], Awaitable[Any]]


class FakeTelegramAPI(BotApiMethods, UserFiles):
    """The fake server: `async with FakeTelegramAPI() as fake:` or `await fake.start()`."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        rate_limits: RateLimits | None = TELEGRAM_LIMITS,
        require_known_chat: bool = True,
        max_poll_timeout: float = 2.0,
        callback_answer_timeout: float | None = 15.0,
        webhook_timeout: float = 10.0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.rate_limits = rate_limits  # None: unthrottled (benchmarks)
        self.require_known_chat = require_known_chat
        self.max_poll_timeout = max_poll_timeout
        self.callback_answer_timeout = callback_answer_timeout
        self.webhook_timeout = webhook_timeout
        self._host, self._port = host, port
        self._bots: dict[str, FakeBot] = {}
        self._calls: list[RecordedCall] = []
        self._sent: list[StoredMessage] = []
        self._edits: list[MessageEdit] = []
        self._answers: list[CallbackAnswer] = []
        self._uploads: list[UploadedFile] = []
        self._files: dict[str, _File] = {}
        self._file_paths: dict[str, str] = {}
        self.remote_files: dict[str, tuple[str, int]] = {}
        self._counter = 0
        self._closing = False
        self._gateway_errors: list[str] = []  # methods whose next call meets a proxy's 502
        self._stalls: dict[str, float] = {}  # method (lower case) -> seconds held on the way
        # A load balancer in front of several web processes (``spread_over``): base URLs,
        # how many posts each chat has had, and where each update went (update_id, base).
        self._backends: list[str] = []
        self._posts_per_chat: Counter[tuple[int, int | None]] = Counter()
        self.routed: list[tuple[str, int, int | None, str]] = []
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        self.base_url = ""
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in [
                ("getMe", self._get_me),
                ("setWebhook", self._set_webhook),
                ("deleteWebhook", self._delete_webhook),
                ("getWebhookInfo", self._get_webhook_info),
                ("getUpdates", self._get_updates),
                ("sendMessage", self._send_message),
                ("editMessageText", self._edit_message_text),
                ("editMessageCaption", self._edit_message_caption),
                ("editMessageReplyMarkup", self._edit_message_reply_markup),
                ("answerCallbackQuery", self._answer_callback_query),
                ("sendPhoto", self._send_photo),
                ("sendDocument", self._send_document),
                ("sendMediaGroup", self._send_media_group),
                ("setMyCommands", self._set_my_commands),
                ("getMyCommands", self._get_my_commands),
                ("deleteMyCommands", self._delete_my_commands),
                ("deleteMessage", self._delete_message),
                ("sendChatAction", self._send_chat_action),
                ("getFile", self._get_file),
            ]
        }

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        self.base_url = f"http://{self._host}:{site.port}"
        self._client = aiohttp.ClientSession()

    async def stop(self) -> None:
        self._closing = True
        for bot in self._bots.values():
            self._notify(bot)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # ---- set-up helpers ------------------------------------------------------------------------

    def add_bot(
        self, token: str, *, username: str | None = None, first_name: str | None = None
    ) -> FakeBot:
        """Register a bot (any `digits:text` token also registers itself on first use)."""
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ValueError(f"not a bot token: {token!r}")
        bot_id = int(match[1])
        bot = self._bots.get(token)
        if bot is None:
            bot = self._bots[token] = FakeBot(token, bot_id, f"bot{bot_id}", f"Bot {bot_id}")
        bot.username = username or bot.username
        bot.first_name = first_name or bot.first_name
        return bot

    def bot(self, ref: BotRef) -> FakeBot:
        return self.add_bot(ref if isinstance(ref, str) else ref.token)

    def open_chat(self, bot: BotRef, user: FakeUser) -> None:
        """Let the bot write to `user` as if the user had talked to it before."""
        self._chat_of(self.bot(bot), user)

    # ---- reading what happened -----------------------------------------------------------------

    def calls(self, method: str | None = None, *, bot: BotRef | None = None) -> list[RecordedCall]:
        bot_id = None if bot is None else self.bot(bot).id
        return [
            c
            for c in self._calls
            if (method is None or c.method.lower() == method.lower())
            and (bot_id is None or c.bot_id == bot_id)
        ]

    def sent_to(
        self, chat_id: int, *, bot: BotRef | None = None, include_deleted: bool = False
    ) -> list[StoredMessage]:
        """Messages bots sent to a chat, oldest first, in their current (edited) state."""
        bot_id = None if bot is None else self.bot(bot).id
        return [
            m
            for m in self._sent
            if m.chat_id == chat_id
            and (bot_id is None or m.sender["id"] == bot_id)
            and (include_deleted or not m.deleted)
        ]

    def last_message(self, chat_id: int, *, bot: BotRef | None = None) -> StoredMessage:
        sent = self.sent_to(chat_id, bot=bot)
        if not sent:
            raise LookupError(f"no message was sent to chat {chat_id}")
        return sent[-1]

    def reply_keyboard(self, chat_id: int, *, bot: BotRef) -> JSON | None:
        """The custom keyboard the user's app shows in this chat now (None: the letters)."""
        chat = self.bot(bot).chats.get(chat_id)
        return None if chat is None else chat.reply_keyboard

    def message(self, bot: BotRef, chat_id: int, message_id: int) -> StoredMessage:
        """Any message of a chat, the user's included."""
        return self.bot(bot).chats[chat_id].messages[message_id]

    def edits(self, chat_id: int | None = None, *, bot: BotRef | None = None) -> list[MessageEdit]:
        bot_id = None if bot is None else self.bot(bot).id
        return [
            e
            for e in self._edits
            if (chat_id is None or e.chat_id == chat_id) and (bot_id is None or e.bot_id == bot_id)
        ]

    def callback_answers(self, *, bot: BotRef | None = None) -> list[CallbackAnswer]:
        bot_id = None if bot is None else self.bot(bot).id
        return [a for a in self._answers if bot_id is None or a.bot_id == bot_id]

    def uploads(self, *, bot: BotRef | None = None) -> list[UploadedFile]:
        bot_id = None if bot is None else self.bot(bot).id
        return [u for u in self._uploads if bot_id is None or u.bot_id == bot_id]

    def commands(
        self, bot: BotRef, *, language_code: str = "", scope: JSON | None = None
    ) -> list[JSON]:
        key = (_scope_key(scope), language_code)
        return list(self.bot(bot).commands.get(key, []))

    def pending_updates(self, bot: BotRef) -> list[JSON]:
        """Updates not yet confirmed (getUpdates) or not yet accepted (webhook)."""
        return list(self.bot(bot).backlog)

    # ---- playing the users ---------------------------------------------------------------------

    async def user_sends_text(
        self, bot: BotRef, user: FakeUser, text: str, *, straight_to: str | None = None
    ) -> Delivery:
        """``straight_to`` (one of ``spread_over``'s backends) posts it there at once, not
        waiting for the chat's previous update to be answered: Telegram never does, but two
        updates of one chat handled at once by two processes look like that."""
        b = self.bot(bot)
        chat = await self._chat_for_user(b, user)
        msg = self._user_message(chat, text=text, entities=command_entities(text))
        if straight_to is not None:
            update = {"update_id": b.next_update_id, "message": msg.to_json()}
            b.next_update_id += 1
            return await self._post(b, update, backend=straight_to)
        return await self._emit(b, {"message": msg.to_json()})

    async def user_shares_contact(
        self, bot: BotRef, user: FakeUser, phone: str, *, first_name: str | None = None
    ) -> Delivery:
        """The user shares their own contact (as the request_contact button does)."""
        b = self.bot(bot)
        chat = await self._chat_for_user(b, user)
        contact = {"phone_number": phone, "first_name": first_name or user.first_name}
        if user.last_name:
            contact["last_name"] = user.last_name
        msg = self._user_message(chat, media={"contact": {**contact, "user_id": user.id}})
        return await self._emit(b, {"message": msg.to_json()})

    async def user_sends_photo(
        self, bot: BotRef, user: FakeUser, content: bytes, *, caption: str | None = None
    ) -> Delivery:
        """The user sends a picture as a photo (Telegram re-encodes it, telegram_files.py)."""
        b = self.bot(bot)
        chat = await self._chat_for_user(b, user)
        msg = self._user_message(chat, media={"photo": self._photo_json(content)}, caption=caption)
        return await self._emit(b, {"message": msg.to_json()})

    async def user_sends_document(
        self, bot: BotRef, user: FakeUser, content: bytes, *, filename: str, mime_type: str
    ) -> Delivery:
        """The user sends a file (a picture "without compression" is one too)."""
        b = self.bot(bot)
        chat = await self._chat_for_user(b, user)
        document = self._document_json(content, filename, mime_type)
        msg = self._user_message(chat, media={"document": document})
        return await self._emit(b, {"message": msg.to_json()})

    async def user_presses(
        self, bot: BotRef, user: FakeUser, message_id: int, data: str
    ) -> Delivery:
        """Press an inline button; LookupError if the bot's message has no such button."""
        b = self.bot(bot)
        chat = b.chats.get(user.id)
        msg = None if chat is None else chat.messages.get(message_id)
        if msg is None or msg.deleted or not msg.from_bot or data not in msg.callback_data():
            raise LookupError(
                f"chat {user.id} shows no message {message_id} with a button {data!r}"
            )
        self._counter += 1
        query_id = str(b.id * 1_000_000 + self._counter)
        b.queries[query_id] = _Query(user.id, self._now())
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": msg.to_json(),
            "chat_instance": str((b.id * 1_000_003 + user.id) % 2**62),
            "data": data,
        }
        return await self._emit(b, {"callback_query": query})

    async def user_blocks(
        self, bot: BotRef, user: FakeUser, *, notify: bool = True
    ) -> Delivery | None:
        """Sends to the user now fail with 403; the bot gets my_chat_member (kicked)."""
        return await self._set_blocked(self.bot(bot), user, True, notify)

    async def user_unblocks(
        self, bot: BotRef, user: FakeUser, *, notify: bool = True
    ) -> Delivery | None:
        """The user restarts the bot; the bot gets my_chat_member (member)."""
        return await self._set_blocked(self.bot(bot), user, False, notify)

    async def inject(self, bot: BotRef, body: JSON) -> Delivery:
        """Deliver any update body (without update_id) like the helpers above."""
        return await self._emit(self.bot(bot), body)

    async def redeliver(self, bot: BotRef, *, chat: int | None = None) -> list[Delivery]:
        """Retry pending webhook updates in order (``chat``'s only, when given), as
        Telegram's retries would."""
        b = self.bot(bot)
        if not b.webhook_url:
            return []
        results, failed = [], set()
        for update in list(b.backlog):
            chat_id = update_chat_id(update)
            if chat is not None and chat_id != chat:
                continue
            if chat_id in failed:
                results.append(Delivery(update, "pending"))
                continue
            async with b.chat_locks[chat_id], b.connections:
                if update not in b.backlog:
                    continue  # another retry delivered it meanwhile
                delivery = await self._post(b, update)
            if delivery.state == "delivered":
                b.backlog.remove(update)
            else:
                failed.add(chat_id)
            results.append(delivery)
        return results

    async def _chat_for_user(self, bot: FakeBot, user: FakeUser) -> _Chat:
        chat = self._chat_of(bot, user)
        if chat.blocked:  # writing to a blocked bot means restarting it first
            await self._set_blocked(bot, user, False, True)
        return chat

    def _chat_of(self, bot: FakeBot, user: FakeUser) -> _Chat:
        chat = bot.chats.get(user.id)
        if chat is None:
            chat = bot.chats[user.id] = _Chat(user)
        chat.user = user
        return chat

    def _user_message(self, chat: _Chat, **fields: Any) -> StoredMessage:
        msg = StoredMessage(
            chat=chat.user.chat_json(),
            sender=chat.user.to_json(),
            message_id=chat.take_id(),
            date=self._date(),
            **fields,
        )
        chat.messages[msg.message_id] = msg
        return msg

    async def _set_blocked(
        self, bot: FakeBot, user: FakeUser, blocked: bool, notify: bool
    ) -> Delivery | None:
        chat = self._chat_of(bot, user)
        if chat.blocked == blocked:
            return None
        chat.blocked = blocked
        if not notify:
            return None
        status = "kicked" if blocked else "member"
        return await self._emit(bot, member_update(user, bot.user_json(), self._date(), status))

    # ---- update delivery -----------------------------------------------------------------------

    async def _emit(self, bot: FakeBot, body: JSON) -> Delivery:
        update = {"update_id": bot.next_update_id, **body}
        bot.next_update_id += 1
        allowed = set(bot.allowed_updates) or _DEFAULT_UPDATES
        if update_type(update) not in allowed:
            return Delivery(update, "filtered")
        if not bot.webhook_url:
            bot.backlog.append(update)
            self._notify(bot)
            return Delivery(update, "queued")
        chat_id = update_chat_id(update)
        async with bot.chat_locks[chat_id], bot.connections:
            if any(update_chat_id(u) == chat_id for u in bot.backlog):
                bot.backlog.append(update)  # order holds within a chat
                return Delivery(update, "pending")
            delivery = await self._post(bot, update)
        if delivery.state != "delivered":
            bot.backlog.append(update)
        return delivery

    def spread_over(self, backends: Sequence[str]) -> None:
        """Post webhooks through a load balancer to ``backends`` (base URLs, each at the
        webhook's own path): a chat's successive posts go to the next backend in turn, so
        two updates of one chat in a row never reach the same process. Empty: no balancer."""
        self._backends = [b.rstrip("/") for b in backends]
        self._posts_per_chat.clear()

    def _webhook_target(self, bot: FakeBot, update: JSON, backend: str | None) -> str:
        if not self._backends:
            return bot.webhook_url
        chat = (bot.id, update_chat_id(update))
        if backend is None:
            backend = self._backends[self._posts_per_chat[chat] % len(self._backends)]
            self._posts_per_chat[chat] += 1
        self.routed.append((bot.token, int(update["update_id"]), chat[1], backend))
        parts = urlsplit(bot.webhook_url)
        return backend + parts.path + (f"?{parts.query}" if parts.query else "")

    async def _post(self, bot: FakeBot, update: JSON, *, backend: str | None = None) -> Delivery:
        assert self._client is not None, "start() the fake first"
        headers = {SECRET_HEADER: bot.secret_token} if bot.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        url = self._webhook_target(bot, update, backend)
        try:
            post = self._client.post(url, json=update, headers=headers, timeout=timeout)
            async with post as resp:
                status, reason = resp.status, resp.reason
                reply = await read_method_call(resp) if 200 <= status < 300 else None
        except (aiohttp.ClientError, TimeoutError) as e:
            return self._webhook_failed(bot, update, None, f"Connection failed: {e!r}")
        if not 200 <= status < 300:
            message = f"Wrong response from the webhook: {status} {reason}"
            return self._webhook_failed(bot, update, status, message)
        if reply is not None:
            params, files = reply
            method = str(params.pop("method"))
            if not method.lower().startswith("get"):
                await self._call(bot.token, method, params, files, source="webhook-reply")
        return Delivery(update, "delivered", status)

    def _webhook_failed(
        self, bot: FakeBot, update: JSON, status: int | None, message: str
    ) -> Delivery:
        bot.last_error_date, bot.last_error_message = self._date(), message
        return Delivery(update, "pending", status, message)

    def bad_gateway_once(self, method: str) -> None:
        """The next call of ``method`` gets what a proxy in front of Telegram answers when
        it is down: 502 with an HTML page, not the Bot API's JSON."""
        self._gateway_errors.append(method)

    def stall(self, method: str, seconds: float | None) -> None:
        """Calls of ``method`` are held ``seconds`` on the way to Telegram (None: no more).
        One whose caller hangs up meanwhile (a process killed) never reaches Telegram."""
        if seconds is None:
            self._stalls.pop(method.lower(), None)
        else:
            self._stalls[method.lower()] = seconds

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        download = FILE_ROUTE.fullmatch(request.path)
        if download is not None and request.method == "GET":
            return self._download(download[2])
        match = _PATH.fullmatch(request.path)
        if match is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        token, method = match.groups()
        if _TOKEN.fullmatch(token) is None:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
        if method in self._gateway_errors:
            self._gateway_errors.remove(method)
            await request.read()
            return web.Response(status=502, text=BAD_GATEWAY, content_type="text/html")
        stalled = self._stalls.get(method.lower())
        if stalled is not None:
            await asyncio.sleep(stalled)
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # nobody to answer: it never arrived
        try:
            params, files = await read_request(request)
        except ApiError as e:
            return web.json_response(e.body(), status=e.error_code)
        status, body = await self._call(token, method, params, files, source="http")
        return web.json_response(body, status=status)

    async def _call(
        self, token: str, name: str, raw: JSON, files: dict[str, FilePart], *, source: str
    ) -> tuple[int, JSON]:
        bot = self.add_bot(token)
        method, handler = self._methods.get(name.lower(), (name, None))
        params = decode_params(raw, files)
        try:
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(bot, params)
            status, body = 200, {"ok": True, "result": result}
            if isinstance(result, _Described):
                body = {"ok": True, "result": result.result, "description": result.description}
        except ApiError as e:
            status, body = e.error_code, e.body()
        self._calls.append(
            RecordedCall(bot.id, token, method, params, files, self._at(), status, body, source)
        )
        return status, body
