"""Telegram's JSON shapes, text rules, wire format and call records, for the fake Bot API.

The HTML rules follow TDLib's `parse_html` (td/telegram/MessageEntity.cpp), which is what the
Bot API server runs: same tags, same entities, same error wording.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import BodyPartReader, MultipartReader, web

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


def format_text(raw: str, parse_mode: str | None, entities: Any) -> tuple[str, list[JSON]]:
    """Text and entities after parsing and trimming, as Telegram stores them."""
    if entities is not None:
        if not isinstance(entities, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("offset"), int)
            and isinstance(e.get("length"), int)
            for e in entities
        ):
            raise bad_request("can't parse entities JSON object")
        text, found = raw, [dict(e) for e in entities]
    elif parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            text, found = parse_html(raw)
        elif mode in ("markdown", "markdownv2"):
            raise bad_request(f"parse_mode {parse_mode} is not implemented by the fake Bot API")
        else:
            raise bad_request("unsupported parse_mode")
    else:
        text, found = raw, []
    return _trim(text, found)


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    start, end = 0, len(text)
    while start < end and text[start] in " \n":
        start += 1
    while end > start and text[end - 1] in " \n":
        end -= 1
    lead, stop = utf16_len(text[:start]), utf16_len(text[:end])
    kept = []
    for entity in entities:
        begin = max(entity["offset"], lead)
        finish = min(entity["offset"] + entity["length"], stop)
        if finish > begin:
            kept.append({**entity, "offset": begin - lead, "length": finish - begin})
    return text[start:end], kept


# ---- Telegram HTML (a port of TDLib's parse_html) ----------------------------------------------

_TAGS = {
    *("a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins", "tg-spoiler"),
    *("tg-emoji", "span", "pre", "code", "blockquote"),
}
_SIMPLE = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_END = "\0"  # TDLib reads past the text as NUL
_SPACE = " \t\r\n\v\0"


class HtmlError(Exception):
    pass


def _decode_entity(s: str, pos: int) -> tuple[str, int] | None:
    """The character of an HTML entity at `pos` and the position after it, or None if none."""
    end = pos + 1
    if s.startswith("#", end):
        end += 1
        base, digits = 10, "0123456789"
        if s.startswith("x", end):
            end += 1
            base, digits = 16, "0123456789abcdefABCDEF"
        start = end
        while end < len(s) and s[end] in digits:
            end += 1
        code = int(s[start:end], base) if end > start else 0
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise HtmlError(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        char = chr(code)
    else:
        while end < len(s) and s[end].isascii() and s[end].isalpha():
            end += 1
        found = _NAMED.get(s[pos + 1 : end])
        if found is None:
            return None  # unsupported names stay as written
        char = found
    if s.startswith(";", end):
        end += 1
    return char, end


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int  # UTF-16
    begin: int  # index in the output


def parse_html(s: str) -> tuple[str, list[JSON]]:
    """Plain text and entities of Telegram HTML; ApiError "can't parse entities: ..." if bad."""
    try:
        return _parse_html(s)
    except HtmlError as e:
        raise bad_request(f"can't parse entities: {e}") from None


def _parse_html(s: str) -> tuple[str, list[JSON]]:
    def at(k: int) -> str:
        return s[k] if k < len(s) else _END

    def byte(k: int) -> int:
        return len(s[:k].encode())

    out: list[str] = []
    utf16 = 0
    stack: list[_Open] = []
    entities: list[JSON] = []
    i = 0
    while i < len(s):
        c = s[i]
        if c == "&" and (decoded := _decode_entity(s, i)) is not None:
            char, i = decoded
            out.append(char)
            utf16 += utf16_len(char)
            continue
        if c != "<":
            out.append(c)
            utf16 += utf16_len(c)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            i, tag, argument = _start_tag(s, begin, i, at, byte)
            stack.append(_Open(tag, argument, utf16, len(out)))
            i += 1
            continue
        if not stack:
            raise HtmlError(f"Unexpected end tag at byte offset {byte(begin)}")
        while at(i) not in _SPACE and at(i) != ">":
            i += 1
        end_name = s[begin + 2 : i].lower()
        while at(i) in _SPACE and at(i) != _END:
            i += 1
        if at(i) != ">":
            raise HtmlError(f"Unclosed end tag at byte offset {byte(begin)}")
        top = stack.pop()
        if end_name and end_name != top.tag:
            raise HtmlError(
                f'Unmatched end tag at byte offset {byte(begin)}, expected "</{top.tag}>", '
                f'found "</{end_name}>"'
            )
        if utf16 > top.offset:
            _close(top, utf16 - top.offset, "".join(out[top.begin :]), entities)
        i += 1
    if stack:
        raise HtmlError(f"Can't find end tag corresponding to start tag {stack[-1].tag}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _start_tag(s: str, begin: int, i: int, at: Any, byte: Any) -> tuple[int, str, str]:
    """Read `<tag attr="v" ...`; returns the index of '>', the tag and its argument."""
    while at(i) not in _SPACE and at(i) != ">":
        i += 1
    if at(i) == _END:
        raise HtmlError(f"Unclosed start tag at byte offset {byte(begin)}")
    tag = s[begin + 1 : i].lower()
    if tag not in _TAGS:
        raise HtmlError(f'Unsupported start tag "{tag}" at byte offset {byte(begin)}')
    argument = ""
    while at(i) != ">":
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) == ">":
            break
        name_begin = i
        while at(i) not in _SPACE and at(i) != "=":
            i += 1
        name = s[name_begin:i]
        if not name:
            raise HtmlError(f'Empty attribute name in the tag "{tag}" at byte offset {byte(begin)}')
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) != "=":
            raise HtmlError(
                "Expected equal sign in declaration of an attribute of the tag "
                f'"{tag}" at byte offset {byte(begin)}'
            )
        i += 1
        while at(i) != _END and at(i) in _SPACE:
            i += 1
        if at(i) == _END:
            raise HtmlError(f'Unclosed start tag "{tag}" at byte offset {byte(begin)}')
        if at(i) not in "'\"":
            token_begin = i
            while (at(i).isascii() and at(i).isalnum()) or at(i) in ".-":
                i += 1
            value = s[token_begin:i].lower()
            if at(i) not in _SPACE and at(i) != ">":
                raise HtmlError(f"Unexpected end of name token at byte offset {byte(token_begin)}")
        else:
            quote = at(i)
            i += 1
            chars: list[str] = []
            while at(i) != quote and at(i) != _END:
                if at(i) == "&" and (decoded := _decode_entity(s, i)) is not None:
                    char, i = decoded
                    chars.append(char)
                    continue
                chars.append(at(i))
                i += 1
            if at(i) == quote:
                i += 1
            value = "".join(chars)
        if at(i) == _END:
            raise HtmlError(f"Unclosed start tag at byte offset {byte(begin)}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise HtmlError(f'Tag "span" must have class "tg-spoiler" at byte offset {byte(begin)}')
    return i, tag, argument


def _close(top: _Open, length: int, inner: str, entities: list[JSON]) -> None:
    """Add the entity of a closed tag (a port of TDLib's choices, pre/code pairing included)."""
    base = {"offset": top.offset, "length": length}
    last = entities[-1] if entities else None
    same_span = last is not None and (last["offset"], last["length"]) == (top.offset, length)
    if top.tag in _SIMPLE:
        entities.append({"type": _SIMPLE[top.tag], **base})
    elif top.tag == "tg-emoji":
        if not top.argument.isdigit() or int(top.argument) == 0:
            raise HtmlError("Invalid custom emoji identifier specified")
        entities.append({"type": "custom_emoji", **base, "custom_emoji_id": top.argument})
    elif top.tag == "a":
        url = _checked_link(top.argument or inner)
        if url is not None:
            entities.append({"type": "text_link", **base, "url": url})
    elif top.tag == "pre":
        if last is not None and same_span and last["type"] == "code" and last.get("_language"):
            last["type"] = "pre"
            last["language"] = last.pop("_language")
        else:
            entities.append({"type": "pre", **base})
    elif top.tag == "code":
        if last is not None and same_span and last["type"] == "pre" and top.argument:
            last["language"] = top.argument
        else:
            entities.append({"type": "code", **base, "_language": top.argument})


def _checked_link(url: str) -> str | None:
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    scheme, sep, rest = url.partition("://")
    if not sep:
        return f"http://{url}" if "." in url else None
    return url if scheme.lower() in ("http", "https", "tg", "ton") and rest else None


# ---- reply markup ------------------------------------------------------------------------------

_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def check_reply_markup(raw: Any) -> JSON | None:
    """The markup as a dict, refused the way Telegram refuses it."""
    if raw is None:
        return None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise bad_request("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in markup:
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                _check_inline_button(button)
    return markup


def _check_inline_button(button: Any) -> None:
    prefix = "can't parse inline keyboard button: "
    if not isinstance(button, dict):
        raise bad_request(prefix + "InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise bad_request(prefix + 'Field "text" must be of type String')
    if not any(button.get(action) is not None for action in _BUTTON_ACTIONS):
        raise bad_request(prefix + "Text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or _checked_link(url) is None):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


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


# ---- wire format -------------------------------------------------------------------------------

_JSON_FIELDS = {
    *("reply_markup", "entities", "caption_entities", "media", "commands", "scope"),
    *("allowed_updates", "reply_parameters", "link_preview_options"),
}
_INT_FIELDS = {
    *("chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "max_connections"),
    *("reply_to_message_id", "message_thread_id"),
}
_BOOL_FIELDS = {
    *("show_alert", "drop_pending_updates", "disable_notification", "protect_content"),
    *("allow_sending_without_reply", "disable_web_page_preview", "has_spoiler"),
}


class Params(dict[str, Any]):
    """A call's parameters, decoded, with the files uploaded along with them."""

    files: dict[str, FilePart]


def decode_params(raw: JSON, files: dict[str, FilePart]) -> Params:
    """Form values decoded as Telegram reads them (JSON fields, integers, booleans)."""
    params = Params()
    params.files = files
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_FIELDS:
                with contextlib.suppress(ValueError):  # the method refuses it in Telegram's words
                    value = json.loads(value)
            elif key in _INT_FIELDS and re.fullmatch(r"-?\d+", value):
                value = int(value)
            elif key in _BOOL_FIELDS:
                value = value.lower() in ("true", "1")
        params[key] = value
    for name in files:  # a file sent as the field itself, not through attach://
        params.setdefault(name, f"attach://{name}")
    return params


async def read_request(request: web.Request) -> tuple[JSON, dict[str, FilePart]]:
    params: JSON = dict(request.query)
    files: dict[str, FilePart] = {}
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if isinstance(body, dict):
            params.update(body)
    elif ctype == "multipart/form-data":
        fields, files = await read_multipart(await request.multipart())
        params.update(fields)
    elif ctype == "application/x-www-form-urlencoded":
        try:
            form = await request.post()
        except web.HTTPRequestEntityTooLarge:
            raise ApiError(413, "Request Entity Too Large") from None
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params, files


async def read_multipart(reader: MultipartReader) -> tuple[JSON, dict[str, FilePart]]:
    fields: JSON = {}
    files: dict[str, FilePart] = {}
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader) or part.name is None:
            continue
        data = await part.read(decode=True)
        total += len(data)
        if total > UPLOAD_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        if part.filename is not None:
            ctype = part.headers.get("Content-Type", "application/octet-stream")
            files[part.name] = FilePart(part.filename, bytes(data), ctype)
        else:
            fields[part.name] = data.decode(part.get_charset(default="utf-8"))
    return fields, files


async def read_method_call(
    resp: aiohttp.ClientResponse,
) -> tuple[JSON, dict[str, FilePart]] | None:
    """The method call a webhook answer may carry (JSON, form or multipart, as aiogram sends)."""
    ctype = resp.content_type
    files: dict[str, FilePart] = {}
    params: JSON = {}
    if ctype == "application/json":
        try:
            body = json.loads(await resp.read() or b"{}")
        except ValueError:
            return None
        params = body if isinstance(body, dict) else {}
    elif ctype == "multipart/form-data":
        params, files = await read_multipart(MultipartReader(resp.headers, resp.content))
    elif ctype == "application/x-www-form-urlencoded":
        params = dict(parse_qsl((await resp.read()).decode()))
    else:
        await resp.read()
    return (params, files) if isinstance(params.get("method"), str) else None
