"""Telegram's JSON shapes and call records, for the fake Bot API.

The HTML parser is in telegram_html.py, request decoding and markup checks in telegram_wire.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JSON = dict[str, Any]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_ANSWER_LIMIT = 200
CALLBACK_DATA_BYTES = 64
UPLOAD_LIMIT = 50 * 1024 * 1024


class ApiError(Exception):
    """An error answer; the HTTP status is `error_code`, as with Telegram."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> JSON:
        body: JSON = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def compact(obj: JSON) -> JSON:
    """Telegram leaves absent optional fields out instead of sending null."""
    return {k: v for k, v in obj.items() if v is not None}


@dataclass(frozen=True)
class FakeUser:
    """A person talking to a bot through a private chat."""

    id: int
    first_name: str
    language_code: str | None = "en"
    username: str | None = None
    last_name: str | None = None

    def to_json(self) -> JSON:
        return compact(
            {
                "id": self.id,
                "is_bot": False,
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
                "language_code": self.language_code,
            }
        )

    def chat_json(self) -> JSON:
        return compact(
            {
                "id": self.id,
                "type": "private",
                "first_name": self.first_name,
                "last_name": self.last_name,
                "username": self.username,
            }
        )


@dataclass
class StoredMessage:
    """A message of a private chat as the fake keeps it; `to_json()` gives Telegram's Message."""

    chat: JSON
    sender: JSON
    message_id: int
    date: int
    text: str | None = None
    entities: list[JSON] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JSON] = field(default_factory=list)
    reply_markup: JSON | None = None
    media: JSON = field(default_factory=dict)  # {"photo": [...]}, {"document": {...}}, ...
    media_group_id: str | None = None
    reply_to: StoredMessage | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return int(self.chat["id"])

    @property
    def from_bot(self) -> bool:
        return bool(self.sender.get("is_bot"))

    @property
    def inline_keyboard(self) -> list[list[JSON]]:
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [list(row) for row in rows]

    def callback_data(self) -> list[str]:
        """Every `callback_data` of the inline keyboard, row by row."""
        return [
            b["callback_data"] for row in self.inline_keyboard for b in row if "callback_data" in b
        ]

    def button_texts(self) -> list[str]:
        return [b["text"] for row in self.inline_keyboard for b in row]

    def to_json(self, *, with_reply: bool = True) -> JSON:
        out: JSON = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            out["edit_date"] = self.edit_date
        if self.media_group_id is not None:
            out["media_group_id"] = self.media_group_id
        if with_reply and self.reply_to is not None:
            out["reply_to_message"] = self.reply_to.to_json(with_reply=False)
        if self.text is not None:
            out["text"] = self.text
            if self.entities:
                out["entities"] = self.entities
        out.update(self.media)
        if self.caption is not None:
            out["caption"] = self.caption
            if self.caption_entities:
                out["caption_entities"] = self.caption_entities
        # Only inline keyboards are part of a Message; reply keyboards live in the client.
        if self.reply_markup is not None and "inline_keyboard" in self.reply_markup:
            out["reply_markup"] = self.reply_markup
        return out


@dataclass(frozen=True)
class FilePart:
    """One uploaded part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API call as the fake answered it."""

    bot_id: int
    token: str
    method: str
    params: JSON
    files: dict[str, FilePart]
    at: datetime
    status: int
    response: JSON
    source: str  # "http", or "webhook-reply" for a method carried by a webhook answer

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))


@dataclass(frozen=True)
class UploadedFile:
    bot_id: int
    chat_id: int
    method: str
    field: str
    filename: str
    content: bytes
    content_type: str
    file_id: str


@dataclass(frozen=True)
class MessageEdit:
    bot_id: int
    chat_id: int
    message_id: int
    method: str
    text: str | None
    reply_markup: JSON | None
    at: datetime


@dataclass(frozen=True)
class CallbackAnswer:
    bot_id: int
    query_id: str
    user_id: int
    text: str | None
    show_alert: bool
    at: datetime


@dataclass(frozen=True)
class Delivery:
    """What became of an injected update.

    state: "delivered" (webhook answered 2xx), "queued" (waits for getUpdates), "pending"
    (webhook failed or an earlier update of the chat is pending: `redeliver` retries it),
    "filtered" (excluded by allowed_updates: Telegram never creates it).
    """

    update: JSON
    state: str
    status: int | None = None
    error: str | None = None

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def message_id(self) -> int:
        return int(self.update["message"]["message_id"])

    @property
    def callback_query_id(self) -> str:
        return str(self.update["callback_query"]["id"])


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


_COMMAND = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def command_entities(text: str) -> list[JSON]:
    """bot_command entities, as Telegram adds them to what a user types."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[: m.start()]), "length": utf16_len(m[0])}
        for m in _COMMAND.finditer(text)
    ]


# ---- updates -----------------------------------------------------------------------------------


def update_chat_id(update: JSON) -> int | None:
    """The chat an update belongs to: Telegram keeps order within a chat."""
    for kind in ("message", "edited_message", "my_chat_member"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    if "callback_query" in update:
        query = update["callback_query"]
        return int(query["message"]["chat"]["id"] if "message" in query else query["from"]["id"])
    return None


def update_type(update: JSON) -> str:
    return next(k for k in update if k != "update_id")


def member_update(user: FakeUser, bot_user: JSON, date: int, status: str) -> JSON:
    """my_chat_member body: the user blocked ("kicked") or restarted ("member") the bot."""
    old = "kicked" if status == "member" else "member"

    def member(state: str) -> JSON:
        return {
            "status": state,
            "user": bot_user,
            **({"until_date": 0} if state == "kicked" else {}),
        }

    return {
        "my_chat_member": {
            "chat": user.chat_json(),
            "from": user.to_json(),
            "date": date,
            "old_chat_member": member(old),
            "new_chat_member": member(status),
        },
    }
