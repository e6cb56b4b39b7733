"""The webhook routes: authenticate with the secret header, then handle the update."""

from __future__ import annotations

import hmac
import logging

from aiohttp import web
from aiohttp.typedefs import Handler
from pydantic import ValidationError
from pydantic_core import to_json

from bots.telegram.channel import TelegramChannel
from bots.telegram.updates import TgUpdate
from core.tracing import set_trace

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024


async def refuse(_: web.Request) -> web.Response:
    """The route without a configured secret: nobody can prove to be Telegram."""
    return web.Response(status=403, text="forbidden")


def webhook_handler(channel: TelegramChannel, secret: str | None) -> Handler:
    if not secret:
        return refuse
    expected = secret.encode()

    async def handle(request: web.Request) -> web.Response:
        # A header is text aiohttp decoded leniently: bytes that are not UTF-8 come back as
        # surrogates, which must compare unequal rather than fail to encode (a 500).
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        if not hmac.compare_digest(given, expected):  # constant time
            return web.Response(status=403, text="forbidden")
        body = await request.read()
        if len(body) > MAX_UPDATE_BYTES:
            return web.Response(status=413)
        try:  # one pass: JSON, nesting depth, types (anything else is not an update)
            update = TgUpdate.model_validate_json(body)
        except ValidationError:
            return web.Response(status=400, text="not an update")
        set_trace(f"tg-{channel.kind}-{update.update_id}")  # the log lines' id from here on
        # Answer only once the effect is committed: an error gives 500 and Telegram retries.
        answer = await channel.handle(update)
        if answer is None:
            return web.Response(status=200)
        # The Bot API makes this call for us ("method" in the webhook's answer); we can't
        # know whether it succeeds, so only calls nobody needs the result of come here.
        call = {"method": answer.__api_method__, **answer.model_dump(exclude_none=True)}
        return web.Response(body=to_json(call), content_type="application/json")

    return handle
