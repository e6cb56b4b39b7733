"""The one aiohttp application: health, metrics, status page, sandbox (and later webhooks)."""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bots.bootstrap import Container
from bots.metrics import Metrics
from bots.outbox_router import ChannelRouter, ChannelSend
from bots.sandbox.routes import Sandbox
from bots.worker import run_outbox
from dialogs.client_app import CLIENT_APP
from dialogs.context import Deps
from dialogs.engine import DialogEngine
from dialogs.provider_app import PROVIDER_APP

CONTAINER = web.AppKey("container", Container)


def build_app(container: Container, *, worker: bool = True) -> web.Application:
    metrics = Metrics()
    app = web.Application(middlewares=[metrics.middleware()], client_max_size=1024**2)
    app[CONTAINER] = container
    deps = Deps(nlu=container.nlu, public_url=container.settings.public_url)
    client = DialogEngine(CLIENT_APP, container.uows, deps, container.clock)
    provider = DialogEngine(PROVIDER_APP, container.uows, deps, container.clock)
    senders: dict[str, ChannelSend] = {}
    if container.settings.sandbox_enabled:
        sandbox = Sandbox(container.uows, client, provider, container.clock)
        app.add_routes(sandbox.routes())
        senders["sandbox"] = sandbox.deliver
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/metrics", metrics.render),
            web.get("/", status_page),
        ]
    )
    if worker:
        router = ChannelRouter(container.uows, senders)
        app.cleanup_ctx.append(_background(run_outbox(container.uows, router, container.clock)))
    app.on_cleanup.append(_close(container))
    return app


def _background(
    coro: Coroutine[Any, Any, None],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.ensure_future(coro)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx


def _close(container: Container) -> Callable[[web.Application], Awaitable[None]]:
    async def close(_: web.Application) -> None:
        await container.close()

    return close


async def healthz(request: web.Request) -> web.Response:
    container = request.app[CONTAINER]
    try:
        async with container.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the probe must answer, whatever broke
        return web.json_response({"status": "error", "database": str(exc)[:200]}, status=503)
    return web.json_response({"status": "ok", "channels": channels(container)})


def channels(container: Container) -> dict[str, bool]:
    s = container.settings
    return {
        "sandbox": s.sandbox_enabled,
        "telegram": s.telegram_enabled,
        "whatsapp": s.whatsapp_enabled,
        "stripe": s.stripe_enabled,
    }


async def status_page(request: web.Request) -> web.Response:
    """Until the marketing site lands: say what runs and where to go."""
    container = request.app[CONTAINER]
    items = "".join(
        f"<li>{html.escape(name)}: {'on' if on else 'off'}</li>"
        for name, on in channels(container).items()
    )
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Mounasabet</title>"
        "</head><body><h1>Mounasabet is running</h1><ul>" + items + "</ul>"
        "<p><a href='/sandbox'>Open the sandbox chat</a> · <a href='/healthz'>health</a></p>"
        "</body></html>"
    )
    return web.Response(text=body, content_type="text/html")
