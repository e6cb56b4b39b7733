"""Limits on what one HTTP client may hold or send, for ``mounasabet serve``.

aiohttp has no read timeout of its own for headers or bodies. Its keep-alive timer is the
nearest thing for headers: it is armed when a connection opens and again after each
answer, and closes the connection if no complete request head has arrived by then. Bodies
are read here, in a middleware, within a deadline, so a handler never waits on a slow
sender. Sizes are capped by aiohttp's parser (request line, each header) and by the
application's ``client_max_size``; a route that takes more (the sandbox's photo upload)
names its own cap in ``app[BODY_LIMITS]``, by path.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

MAX_BODY_BYTES = 1024 * 1024  # any request body; routes cap their own lower
# Paths allowed a larger body than MAX_BODY_BYTES, and how large: filled as routes are added.
BODY_LIMITS = web.AppKey("body_limits", dict[str, int])
MAX_LINE_BYTES = 8190  # the request line (aiohttp's default, made explicit)
MAX_HEADER_BYTES = 8190  # one header field
SHUTDOWN_SECONDS = 10.0  # on stop: how long running requests get to finish


def body_deadline(seconds: float) -> Middleware:
    """Reads a request's body within ``seconds`` (408 otherwise); handlers get it from memory."""

    @web.middleware
    async def read_body_in_time(request: web.Request, handler: Handler) -> web.StreamResponse:
        larger = request.app.get(BODY_LIMITS, {}).get(request.path)
        if larger is not None and request.match_info.http_exception is None:
            request = request.clone(client_max_size=larger)  # a route that takes more
        if request.body_exists:
            try:
                async with asyncio.timeout(seconds):
                    await request.read()
            except TimeoutError:
                raise web.HTTPRequestTimeout(text="request body too slow") from None
        return await handler(request)

    return read_body_in_time


def server_options(read_seconds: float) -> dict[str, Any]:
    """Keyword arguments for ``web.run_app`` / ``web.AppRunner``: ``read_seconds`` from
    connecting (or the previous answer) to a complete request head."""
    return {
        "keepalive_timeout": read_seconds,
        "shutdown_timeout": SHUTDOWN_SECONDS,
        "max_line_size": MAX_LINE_BYTES,
        "max_field_size": MAX_HEADER_BYTES,
    }
