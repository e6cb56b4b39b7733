"""The one aiohttp application: webhooks, sandbox, health, metrics, status page."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bots import http_limits
from bots.bootstrap import Container
from bots.http_limits import MAX_BODY_BYTES, body_deadline
from bots.metrics import Metrics
from bots.outbox_router import ChannelRouter, ChannelSend
from bots.sandbox.routes import Sandbox
from bots.telegram import setup as telegram
from bots.telegram.webhook import webhook_handler
from bots.whatsapp.setup import build_whatsapp
from bots.worker import run_outbox
from core.conversations.chat_memory import ChatMemory
from core.conversations.journal import ChatJournal
from core.payments.ports import Payments
from dialogs.client.app import CLIENT_APP
from dialogs.framework.context import Deps
from dialogs.framework.engine import DialogEngine
from dialogs.framework.reads import CachedReads
from dialogs.i18n.translator import translator
from dialogs.provider.app import PROVIDER_APP
from payments.setup import PaymentParts, build_payments

log = logging.getLogger(__name__)
CONTAINER = web.AppKey("container", Container)
METRICS = web.AppKey("metrics", Metrics)


def server_options(app: web.Application) -> dict[str, Any]:
    """What ``web.run_app`` / ``web.AppRunner`` take besides the app: the HTTP limits and
    the hook that counts every response for /metrics."""
    return {
        **http_limits.server_options(app[CONTAINER].settings.http_read_seconds),
        "access_log_class": app[METRICS].access_log_class(),
        "access_log": logging.getLogger("aiohttp.access"),
    }


def build_engines(
    container: Container, payments: Payments | None = None
) -> dict[str, DialogEngine]:
    deps = Deps(
        nlu=container.nlu,
        public_url=container.settings.base_url,
        payments=payments,
        max_days_ahead=container.settings.max_booking_days_ahead,
    )
    # One memory, journal and catalog cache for both bots: one group commit, one cache.
    uows = container.uows
    reads = CachedReads(uows.session_factory, ttl_seconds=container.settings.catalog_cache_seconds)
    uows.after_commit.append(reads.on_commit)
    memory, journal = ChatMemory(), ChatJournal(uows.engine)
    uows.after_commit.append(memory.on_commit)
    return {
        kind: DialogEngine(
            app, uows, deps, container.clock, memory=memory, journal=journal, reads=reads
        )
        for kind, app in (("client", CLIENT_APP), ("provider", PROVIDER_APP))
    }


def build_app(container: Container, *, worker: bool = True) -> web.Application:
    metrics = Metrics()
    read_body = body_deadline(container.settings.http_read_seconds)
    app = web.Application(middlewares=[read_body], client_max_size=MAX_BODY_BYTES)
    app[CONTAINER], app[METRICS] = container, metrics
    pay = build_payments(container.settings, container.uows, container.clock, translator)
    app.add_routes(pay.routes)
    engines = build_engines(container, pay.payments)
    senders: dict[str, ChannelSend] = {}
    if container.settings.sandbox_on:
        sandbox = Sandbox(container.uows, engines["client"], engines["provider"], container.clock)
        app.add_routes(sandbox.routes())
        senders["sandbox"] = sandbox.deliver
    bots = telegram.build_bots(
        container.settings, engines, container.uows, container.clock, container.settings.base_url
    )
    secret = container.settings.telegram_webhook_secret
    if bots and secret is None:
        log.warning(
            "MOUNASABET_TELEGRAM_WEBHOOK_SECRET is unset: the Telegram webhooks refuse every "
            "request (use `mounasabet poll` without a public URL)"
        )
    for kind, tb in bots.items():
        app.router.add_post(
            f"/webhooks/telegram/{kind}",
            webhook_handler(tb.channel, secret.get_secret_value() if secret else None),
        )
        senders[tb.channel.channel] = tb.sender.deliver
    if container.settings.whatsapp_enabled:
        whatsapp = build_whatsapp(container.settings, engines, container.uows, container.clock)
        app.add_routes(whatsapp.routes())
        senders["whatsapp"] = whatsapp.sender.deliver
        app.on_cleanup.append(lambda _: whatsapp.close())
    app.add_routes(
        [
            web.get("/healthz", healthz),
            web.get("/metrics", metrics.render),
            web.get("/", status_page),
        ]
    )
    if bots:
        app.on_startup.append(_introduce(bots, container))
        app.on_cleanup.append(_close_bots(bots))
    if worker:
        router = ChannelRouter(container.uows, senders, email=pay.email, gateway=pay.expiry)
        app.cleanup_ctx.append(
            _background(lambda: run_outbox(container.uows, router, container.clock))
        )
    app.on_cleanup.append(_close_payments(pay))
    app.on_cleanup.append(_close(container))
    return app


def _introduce(
    bots: dict[str, telegram.TelegramBot], container: Container
) -> Callable[[web.Application], Awaitable[None]]:
    async def start(_: web.Application) -> None:
        try:
            await telegram.introduce(bots, container.settings)
        except Exception:  # Telegram down must not keep the rest from serving
            log.exception("could not register the Telegram bots; webhooks may be stale")

    return start


def _close_bots(
    bots: dict[str, telegram.TelegramBot],
) -> Callable[[web.Application], Awaitable[None]]:
    async def close(_: web.Application) -> None:
        await telegram.close(bots)

    return close


def _background(
    make: Callable[[], Coroutine[Any, Any, None]],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.ensure_future(make())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return ctx


def _close_payments(pay: PaymentParts) -> Callable[[web.Application], Awaitable[None]]:
    async def close(_: web.Application) -> None:
        await pay.close()

    return close


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
    payments = container.settings.payment_mode
    return web.json_response(
        {"status": "ok", "channels": channels(container), "payments": payments}
    )


def channels(container: Container) -> dict[str, bool]:
    s = container.settings
    return {
        "sandbox": s.sandbox_on,
        "telegram_client": s.telegram_client_token is not None,
        "telegram_provider": s.telegram_provider_token is not None,
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
