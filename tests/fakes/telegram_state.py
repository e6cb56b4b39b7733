"""What the fake Bot API keeps: each bot's chats, callback queries, files and rate windows,
and the rules every send or edit goes through (target chat, flood control, replies, files)."""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core.clock import Clock
from tests.fakes.telegram_html import format_text
from tests.fakes.telegram_objects import (
    CAPTION_LIMIT,
    JSON,
    ApiError,
    FakeUser,
    FilePart,
    MessageEdit,
    StoredMessage,
    UploadedFile,
    bad_request,
    utf16_len,
)


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
    # The custom keyboard the user's app shows under the input field (ReplyKeyboardMarkup),
    # until a message sent with ReplyKeyboardRemove (or another keyboard) replaces it.
    # one_time_keyboard only folds it away after use: it stays a tap away, so it stays here.
    reply_keyboard: JSON | None = None

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


# What Telegram takes as a photo: an image it can decode (JPEG, PNG, WEBP; an SVG is a
# document, not a photo), up to 10 MB uploaded and 5 MB fetched from a URL.
PHOTO_MIME = frozenset({"image/jpeg", "image/png", "image/webp"})
PHOTO_UPLOAD_LIMIT, PHOTO_URL_LIMIT = 10 * 1024 * 1024, 5 * 1024 * 1024
_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))
_SUFFIXES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
}


def _guess_mime(url: str) -> str:
    """What the web server at ``url`` would say it serves, judged by the path's suffix."""
    path = url.split("?", 1)[0].lower()
    found = next((mime for suffix, mime in _SUFFIXES.items() if path.endswith(suffix)), None)
    return found or "application/octet-stream"


def _check_photo_url(mime: str, size: int) -> None:
    if mime not in PHOTO_MIME and mime != "application/octet-stream":
        raise bad_request("wrong type of the web page content")
    if size > PHOTO_URL_LIMIT:
        raise bad_request("failed to get HTTP URL content")


def _check_photo_upload(content: bytes) -> None:
    webp = content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if not webp and not any(content.startswith(magic) for magic, _ in _MAGIC):
        raise bad_request("IMAGE_PROCESS_FAILED")
    if len(content) > PHOTO_UPLOAD_LIMIT:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")


class ChatStore:
    """Stored messages and files of the fake, and the checks shared by the sending methods."""

    clock: Clock
    # What the web answers for a URL we give as a file: (Content-Type, size in bytes).
    remote_files: dict[str, tuple[str, int]]
    rate_limits: RateLimits | None
    require_known_chat: bool
    _sent: list[StoredMessage]
    _edits: list[MessageEdit]
    _uploads: list[UploadedFile]
    _files: dict[str, _File]
    _counter: int

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
        markup = msg.reply_markup or {}
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard") is True:
            chat.reply_keyboard = None
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
            if kind == "photo":
                _check_photo_upload(part.content)
            return self._new_file(kind, part.filename, part.content_type, part)
        if value.startswith(("http://", "https://")):
            name = value.rsplit("/", 1)[-1] or "file"
            mime, size = self.remote_files.get(value, (_guess_mime(value), 0))
            if kind == "photo":
                _check_photo_url(mime, size)
            return self._new_file(kind, name, mime, None)
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

    def _notify(self, bot: FakeBot) -> None:
        bot.wakeup.set()
        bot.wakeup = asyncio.Event()
