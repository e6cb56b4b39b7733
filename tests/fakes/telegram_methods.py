"""The Bot API methods the fake implements (getMe, webhooks, getUpdates, sending, editing,
callback answers, commands), with Telegram's checks and error wording."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_html import format_text
from tests.fakes.telegram_objects import (
    CALLBACK_ANSWER_LIMIT,
    JSON,
    TEXT_LIMIT,
    ApiError,
    CallbackAnswer,
    bad_request,
    utf16_len,
)
from tests.fakes.telegram_state import ChatStore, FakeBot
from tests.fakes.telegram_wire import Params, check_reply_markup

_SECRET = re.compile(r"[A-Za-z0-9_-]+")
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
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


@dataclass(frozen=True)
class _Described:
    """A result that Telegram answers with a description too (setWebhook, deleteWebhook)."""

    result: Any
    description: str


class BotApiMethods(ChatStore):
    """One coroutine per Bot API method; FakeTelegramAPI routes calls to them by name."""

    max_poll_timeout: float
    callback_answer_timeout: float | None
    _closing: bool
    _answers: list[CallbackAnswer]

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
