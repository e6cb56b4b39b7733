"""A fake Telegram Bot API server on loopback that aiogram talks to over real HTTP.

Point a bot at it with
`Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url)))`.
Users are played by the test (`user_sends_text`, `user_presses`, ...); updates reach the bot
through its webhook or getUpdates, as with Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self

import aiohttp
from aiohttp import web

from core.clock import Clock, SystemClock
from tests.fakes.telegram_objects import (
    CALLBACK_ANSWER_LIMIT,
    CAPTION_LIMIT,
    JSON,
    TEXT_LIMIT,
    UPLOAD_LIMIT,
    ApiError,
    CallbackAnswer,
    Delivery,
    FakeUser,
    FilePart,
    MessageEdit,
    Params,
    RecordedCall,
    StoredMessage,
    UploadedFile,
    bad_request,
    check_reply_markup,
    command_entities,
    decode_params,
    format_text,
    member_update,
    read_method_call,
    read_request,
    update_chat_id,
    update_type,
    utf16_len,
)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_PATH = re.compile(r"/bot([^/]+)/([^/]*)")
_TOKEN = re.compile(r"(\d+):(\S+)")
_SECRET = re.compile(r"[A-Za-z0-9_-]+")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_DEFAULT_UPDATES = frozenset({"message", "callback_query", "my_chat_member", "edited_message"})
_CHAT_ACTIONS = {
    *("typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice"),
    *("upload_document", "choose_sticker", "find_location", "record_video_note"),
    "upload_video_note",
}
TOO_OLD = "query is too old and response timeout expired or query ID is invalid"
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


class _HasToken(Protocol):
    @property
    def token(self) -> str: ...


BotRef = str | _HasToken  # a token, an aiogram Bot or a FakeBot


@dataclass(frozen=True)
class RateLimits:
    """Sends allowed per sliding window: per chat (a short burst) and per bot overall."""

    per_chat: int = 3
    per_chat_window: float = 1.0
    per_bot: int = 30
    per_bot_window: float = 1.0


TELEGRAM_LIMITS = RateLimits()


@dataclass
class _Window:
    hits: deque[float] = field(default_factory=deque)

    def wait(self, now: float, limit: int, span: float) -> int:
        """Whole seconds to wait before one more hit fits (0: it fits now)."""
        while self.hits and self.hits[0] <= now - span:
            self.hits.popleft()
        if len(self.hits) < limit:
            return 0
        return max(1, math.ceil(self.hits[0] + span - now))


@dataclass
class _Chat:
    user: FakeUser
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    window: _Window = field(default_factory=_Window)

    def take_id(self) -> int:
        self.next_message_id += 1
        return self.next_message_id - 1


@dataclass
class _Query:
    user_id: int
    created: float
    answered: bool = False


@dataclass
class _File:
    file_id: str
    unique_id: str
    kind: str
    filename: str
    mime_type: str
    size: int
    part: FilePart | None  # None for files given by URL or file_id


@dataclass
class FakeBot:
    """One bot's state inside the fake."""

    token: str
    id: int
    username: str
    first_name: str
    webhook_url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] = field(default_factory=list)
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    next_update_id: int = 1
    backlog: list[JSON] = field(default_factory=list)  # queued for getUpdates / webhook pending
    chats: dict[int, _Chat] = field(default_factory=dict)
    queries: dict[str, _Query] = field(default_factory=dict)
    commands: dict[tuple[str, str], list[JSON]] = field(default_factory=dict)
    window: _Window = field(default_factory=_Window)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    poller: int = 0
    connections: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(40))
    chat_locks: defaultdict[int | None, asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock)
    )

    def user_json(self) -> JSON:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }


@dataclass(frozen=True)
class _Described:
    """A result that Telegram answers with a description too (setWebhook, deleteWebhook)."""

    result: Any
    description: str


Handler = Callable[[FakeBot, Params], Awaitable[Any]]


class FakeTelegramAPI:
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
        self._counter = 0
        self._closing = False
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

    async def user_sends_text(self, bot: BotRef, user: FakeUser, text: str) -> Delivery:
        b = self.bot(bot)
        chat = await self._chat_for_user(b, user)
        msg = self._user_message(chat, text=text, entities=command_entities(text))
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

    async def redeliver(self, bot: BotRef) -> list[Delivery]:
        """Retry pending webhook updates in order, as Telegram's retries would."""
        b = self.bot(bot)
        if not b.webhook_url:
            return []
        results, failed = [], set()
        for update in list(b.backlog):
            chat_id = update_chat_id(update)
            if chat_id in failed:
                results.append(Delivery(update, "pending"))
                continue
            async with b.chat_locks[chat_id], b.connections:
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

    async def _post(self, bot: FakeBot, update: JSON) -> Delivery:
        assert self._client is not None, "start() the fake first"
        headers = {SECRET_HEADER: bot.secret_token} if bot.secret_token else {}
        timeout = aiohttp.ClientTimeout(total=self.webhook_timeout)
        try:
            async with self._client.post(
                bot.webhook_url, json=update, headers=headers, timeout=timeout
            ) as resp:
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

    def _notify(self, bot: FakeBot) -> None:
        bot.wakeup.set()
        bot.wakeup = asyncio.Event()

    # ---- HTTP ----------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        match = _PATH.fullmatch(request.path)
        if match is None:
            return web.json_response(ApiError(404, "Not Found").body(), status=404)
        token, method = match.groups()
        if _TOKEN.fullmatch(token) is None:
            return web.json_response(ApiError(401, "Unauthorized").body(), status=401)
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

    # ---- time, chats, limits -------------------------------------------------------------------

    def _at(self) -> datetime:
        return self.clock.now().astimezone(UTC)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _date(self) -> int:
        return int(self._now())

    def _target_chat(self, bot: FakeBot, p: JSON) -> _Chat:
        chat_id = p.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        chat = bot.chats.get(chat_id)
        if chat is None:
            if self.require_known_chat or chat_id <= 0:
                raise bad_request("chat not found")
            chat = bot.chats[chat_id] = _Chat(FakeUser(chat_id, f"User {chat_id}"))
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _throttle(self, bot: FakeBot, chat: _Chat) -> None:
        """Count one send, or answer 429 like Telegram's flood control."""
        limits = self.rate_limits
        if limits is None:
            return
        now = self._now()
        wait = max(
            chat.window.wait(now, limits.per_chat, limits.per_chat_window),
            bot.window.wait(now, limits.per_bot, limits.per_bot_window),
        )
        if wait:
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        chat.window.hits.append(now)
        bot.window.hits.append(now)

    def _store(self, bot: FakeBot, chat: _Chat, **fields: Any) -> StoredMessage:
        msg = StoredMessage(
            chat=chat.user.chat_json(),
            sender=bot.user_json(),
            message_id=chat.take_id(),
            date=self._date(),
            **fields,
        )
        chat.messages[msg.message_id] = msg
        self._sent.append(msg)
        return msg

    def _reply_target(self, chat: _Chat, p: JSON) -> StoredMessage | None:
        reply = p.get("reply_parameters")
        reply = reply if isinstance(reply, dict) else {}
        message_id = reply.get("message_id", p.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if target is not None and not target.deleted:
            return target
        if reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")

    def _caption(self, p: JSON) -> tuple[str | None, list[JSON]]:
        if p.get("caption") is None:
            return None, []
        text, entities = format_text(
            str(p["caption"]), p.get("parse_mode"), p.get("caption_entities")
        )
        if utf16_len(text) > CAPTION_LIMIT:
            raise bad_request("message caption is too long")
        return text or None, entities

    def _file(self, value: Any, files: dict[str, FilePart], kind: str, missing: str) -> _File:
        """A file given as an upload (attach://), a known file_id or an HTTP URL."""
        if value is None:
            raise bad_request(missing)
        if not isinstance(value, str):
            raise bad_request("wrong file identifier/HTTP URL specified")
        if value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
            if part is None:
                raise bad_request(missing)
            if not part.content:
                raise bad_request("file must be non-empty")
            return self._new_file(kind, part.filename, part.content_type, part)
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or "file"
            return self._new_file(kind, name, "application/octet-stream", None)
        known = self._files.get(value)
        if known is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        return known

    def _new_file(self, kind: str, name: str, mime: str, part: FilePart | None) -> _File:
        self._counter += 1
        size = len(part.content) if part else 0
        return _File(
            f"fake-{kind}-{self._counter}", f"u{self._counter}", kind, name, mime, size, part
        )

    def _keep_file(self, bot: FakeBot, chat: _Chat, method: str, f: _File) -> JSON:
        """Register a file once the message is sent; its Telegram JSON for the message."""
        if f.file_id not in self._files:
            self._files[f.file_id] = f
            if f.part is not None:
                self._uploads.append(
                    UploadedFile(
                        bot.id,
                        chat.user.id,
                        method,
                        f.kind,
                        f.filename,
                        f.part.content,
                        f.part.content_type,
                        f.file_id,
                    )
                )
        base = {"file_id": f.file_id, "file_unique_id": f.unique_id, "file_size": f.size}
        if f.kind == "photo":
            return {"photo": [{**base, "width": 320, "height": 320}]}
        return {"document": {**base, "file_name": f.filename, "mime_type": f.mime_type}}

    def _editable(self, bot: FakeBot, p: JSON) -> tuple[_Chat, StoredMessage]:
        if p.get("inline_message_id") is not None:
            raise bad_request("inline messages are not implemented by the fake Bot API")
        if p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self._target_chat(bot, p)
        msg = chat.messages.get(p["message_id"])
        if msg is None or msg.deleted:
            raise bad_request("message to edit not found")
        if not msg.from_bot:
            raise bad_request("message can't be edited")
        return chat, msg

    def _edited(self, bot: FakeBot, msg: StoredMessage, method: str) -> JSON:
        msg.edit_date = self._date()
        self._edits.append(
            MessageEdit(
                bot.id, msg.chat_id, msg.message_id, method, msg.text, msg.reply_markup, self._at()
            )
        )
        return msg.to_json()

    # ---- methods -------------------------------------------------------------------------------

    async def _get_me(self, bot: FakeBot, p: Params) -> Any:
        return {
            **bot.user_json(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _set_webhook(self, bot: FakeBot, p: Params) -> Any:
        url = str(p.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token") or None
        if secret is not None:
            if len(str(secret)) > 256:
                raise bad_request("secret token is too long")
            if not _SECRET.fullmatch(str(secret)):
                raise bad_request("secret token contains unallowed characters")
        connections = p.get("max_connections") or 40
        if not isinstance(connections, int) or not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            bot.allowed_updates = [str(a) for a in allowed]
        if p.get("drop_pending_updates"):
            bot.backlog.clear()
        was = bot.webhook_url
        bot.webhook_url, bot.secret_token = url, (str(secret) if secret else None)
        bot.max_connections, bot.connections = connections, asyncio.Semaphore(connections)
        bot.last_error_date = bot.last_error_message = None
        self._notify(bot)  # a waiting getUpdates ends
        if not url:
            return _Described(True, "Webhook was deleted" if was else "Webhook is already deleted")
        return _Described(True, "Webhook is already set" if was == url else "Webhook was set")

    async def _delete_webhook(self, bot: FakeBot, p: Params) -> Any:
        if p.get("drop_pending_updates"):
            bot.backlog.clear()
        was, bot.webhook_url, bot.secret_token = bot.webhook_url, "", None
        return _Described(True, "Webhook was deleted" if was else "Webhook is already deleted")

    async def _get_webhook_info(self, bot: FakeBot, p: Params) -> Any:
        info: JSON = {
            "url": bot.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(bot.backlog),
        }
        if bot.webhook_url:
            info["max_connections"] = bot.max_connections
            if bot.allowed_updates:
                info["allowed_updates"] = bot.allowed_updates
            if bot.last_error_date is not None:
                info["last_error_date"] = bot.last_error_date
                info["last_error_message"] = bot.last_error_message
        return info

    async def _get_updates(self, bot: FakeBot, p: Params) -> Any:
        if bot.webhook_url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        offset = _int(p, "offset", 0)
        limit = min(max(_int(p, "limit", 100), 1), 100)
        timeout = min(max(_int(p, "timeout", 0), 0), self.max_poll_timeout)
        if isinstance(p.get("allowed_updates"), list):
            bot.allowed_updates = [str(a) for a in p["allowed_updates"]]
        if offset > 0:  # confirms every update below the offset
            bot.backlog = [u for u in bot.backlog if u["update_id"] >= offset]
        elif offset < 0:  # keeps only the last -offset updates
            bot.backlog = bot.backlog[offset:]
        bot.poller += 1
        me = bot.poller
        self._notify(bot)  # an older getUpdates ends with 409
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if bot.poller != me:
                raise ApiError(409, POLL_CONFLICT)
            if bot.webhook_url:
                raise ApiError(409, WEBHOOK_ACTIVE)
            ready = bot.backlog[:limit]
            remaining = deadline - loop.time()
            if ready or self._closing or remaining <= 0:
                return ready
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(bot.wakeup.wait(), remaining)

    async def _send_message(self, bot: FakeBot, p: Params) -> Any:
        chat = self._target_chat(bot, p)
        text, entities = _message_text(p)
        markup = check_reply_markup(p.get("reply_markup"))
        reply_to = self._reply_target(chat, p)
        self._throttle(bot, chat)
        msg = self._store(
            bot, chat, text=text, entities=entities, reply_markup=markup, reply_to=reply_to
        )
        return msg.to_json()

    async def _send_photo(self, bot: FakeBot, p: Params) -> Any:
        return self._send_file(bot, p, "photo", "sendPhoto")

    async def _send_document(self, bot: FakeBot, p: Params) -> Any:
        return self._send_file(bot, p, "document", "sendDocument")

    def _send_file(self, bot: FakeBot, p: Params, kind: str, method: str) -> JSON:
        chat = self._target_chat(bot, p)
        caption, entities = self._caption(p)
        markup = check_reply_markup(p.get("reply_markup"))
        f = self._file(p.get(kind), p.files, kind, f"there is no {kind} in the request")
        reply_to = self._reply_target(chat, p)
        self._throttle(bot, chat)
        media = self._keep_file(bot, chat, method, f)
        msg = self._store(
            bot,
            chat,
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
            media=media,
            reply_to=reply_to,
        )
        return msg.to_json()

    async def _send_media_group(self, bot: FakeBot, p: Params) -> Any:
        chat = self._target_chat(bot, p)
        media = p.get("media")
        if media is None:
            raise bad_request('parameter "media" is required')
        if not isinstance(media, list) or not all(isinstance(m, dict) for m in media):
            raise bad_request("can't parse media JSON object")
        if not media:
            raise bad_request("there are no messages to send")
        if len(media) > 10:
            raise bad_request("too many messages to send as an album")
        kinds = [str(item.get("type")) for item in media]
        for kind in kinds:
            if kind not in ("photo", "document"):
                raise bad_request(f'media type "{kind}" is not implemented by the fake Bot API')
        if "document" in kinds and set(kinds) != {"document"}:
            raise bad_request("document can't be mixed with other media types")
        items = []
        for item in media:
            caption, entities = self._caption(item)
            missing = "can't parse InputMedia: media not found"
            items.append(
                (self._file(item.get("media"), p.files, item["type"], missing), caption, entities)
            )
        reply_to = self._reply_target(chat, p)
        self._throttle(bot, chat)
        self._counter += 1
        group = str(10**17 + self._counter) if len(items) > 1 else None
        return [
            self._store(
                bot,
                chat,
                caption=caption,
                caption_entities=entities,
                media_group_id=group,
                media=self._keep_file(bot, chat, "sendMediaGroup", f),
                reply_to=reply_to,
            ).to_json()
            for f, caption, entities in items
        ]

    async def _edit_message_text(self, bot: FakeBot, p: Params) -> Any:
        _, msg = self._editable(bot, p)
        text, entities = _message_text(p)
        markup = _inline(check_reply_markup(p.get("reply_markup")))
        if msg.text is None:
            raise bad_request("there is no text in the message to edit")
        if (msg.text, msg.entities, _inline(msg.reply_markup)) == (text, entities, markup):
            raise bad_request(NOT_MODIFIED)
        msg.text, msg.entities, msg.reply_markup = text, entities, markup
        return self._edited(bot, msg, "editMessageText")

    async def _edit_message_caption(self, bot: FakeBot, p: Params) -> Any:
        _, msg = self._editable(bot, p)
        caption, entities = self._caption(p)
        markup = _inline(check_reply_markup(p.get("reply_markup")))
        if not msg.media:
            raise bad_request("there is no caption in the message to edit")
        current = (msg.caption, msg.caption_entities, _inline(msg.reply_markup))
        if current == (caption, entities, markup):
            raise bad_request(NOT_MODIFIED)
        msg.caption, msg.caption_entities, msg.reply_markup = caption, entities, markup
        return self._edited(bot, msg, "editMessageCaption")

    async def _edit_message_reply_markup(self, bot: FakeBot, p: Params) -> Any:
        _, msg = self._editable(bot, p)
        markup = _inline(check_reply_markup(p.get("reply_markup")))
        if _inline(msg.reply_markup) == markup:
            raise bad_request(NOT_MODIFIED)
        msg.reply_markup = markup
        return self._edited(bot, msg, "editMessageReplyMarkup")

    async def _answer_callback_query(self, bot: FakeBot, p: Params) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        query = bot.queries.get(query_id)
        ttl = self.callback_answer_timeout
        if (
            query is None
            or query.answered
            or (ttl is not None and self._now() - query.created > ttl)
        ):
            raise bad_request(TOO_OLD)
        text = p.get("text")
        if text is not None and len(str(text)) > CALLBACK_ANSWER_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        answer = CallbackAnswer(
            bot.id,
            query_id,
            query.user_id,
            None if text is None else str(text),
            bool(p.get("show_alert")),
            self._at(),
        )
        self._answers.append(answer)
        return True

    async def _set_my_commands(self, bot: FakeBot, p: Params) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        kept = []
        for c in commands:
            if not isinstance(c, dict) or not isinstance(c.get("command"), str):
                raise bad_request("can't parse BotCommand JSON object")
            if not _COMMAND_NAME.fullmatch(c["command"]):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description") or "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            kept.append({"command": c["command"], "description": str(c["description"])})
        key = (_scope_key(p.get("scope")), str(p.get("language_code") or ""))
        bot.commands[key] = kept
        return True

    async def _get_my_commands(self, bot: FakeBot, p: Params) -> Any:
        key = (_scope_key(p.get("scope")), str(p.get("language_code") or ""))
        return bot.commands.get(key, [])

    async def _delete_my_commands(self, bot: FakeBot, p: Params) -> Any:
        bot.commands.pop((_scope_key(p.get("scope")), str(p.get("language_code") or "")), None)
        return True

    async def _delete_message(self, bot: FakeBot, p: Params) -> Any:
        chat = self._target_chat(bot, p)
        msg = chat.messages.get(_int(p, "message_id", 0))
        if msg is None or msg.deleted:
            raise bad_request("message to delete not found")
        msg.deleted = True
        return True

    async def _send_chat_action(self, bot: FakeBot, p: Params) -> Any:
        self._target_chat(bot, p)
        if p.get("action") not in _CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True


def _message_text(p: JSON) -> tuple[str, list[JSON]]:
    raw = p.get("text")
    text, entities = format_text(
        "" if raw is None else str(raw), p.get("parse_mode"), p.get("entities")
    )
    if not text:
        raise bad_request("message text is empty")
    if utf16_len(text) > TEXT_LIMIT:
        raise bad_request("message is too long")
    return text, entities


def _inline(markup: JSON | None) -> JSON | None:
    """The inline keyboard of a markup: the only kind a sent message keeps."""
    return markup if markup is not None and "inline_keyboard" in markup else None


def _int(p: JSON, key: str, default: int) -> int:
    value = p.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f'field "{key}" must be of type Integer')
    return value


def _scope_key(scope: Any) -> str:
    if scope is None:
        return "default"
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True) if set(scope) != {"type"} else str(scope["type"])
