"""The fake Bot API's wire format: how calls and webhook answers are read and decoded, and
the reply markup checks Telegram applies to them."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import BodyPartReader, MultipartReader, web

from tests.fakes.telegram_html import _checked_link
from tests.fakes.telegram_objects import (
    CALLBACK_DATA_BYTES,
    JSON,
    UPLOAD_LIMIT,
    ApiError,
    FilePart,
    bad_request,
)

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
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"])
    elif "remove_keyboard" in markup:
        if markup["remove_keyboard"] is not True:
            raise bad_request("can't parse reply keyboard markup JSON object")
    elif "force_reply" not in markup:
        raise bad_request('can\'t find field "inline_keyboard"')
    return markup


def _check_reply_keyboard(rows: Any) -> None:
    """ReplyKeyboardMarkup.keyboard: an Array of Arrays of KeyboardButton (or strings)."""
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            text = button.get("text") if isinstance(button, dict) else button
            if not isinstance(text, str) or not text:
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )


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
