"""The aiohttp application's own parts: HTTP limits, health, metrics, status page.

`mounasabet serve` (bots/programs/serve.py) builds the app from these and adds the routes
of the channels, the sandbox and the payments.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from aiohttp import web
from sqlalchemy import text

from bots import http_limits
from bots.http_limits import BODY_LIMITS, MAX_BODY_BYTES, body_deadline
from bots.metrics import Metrics
from bots.observed import observe_inputs
from bots.scheduler import scheduler_health
from bots.tasks import stop_task
from core.bootstrap import Core
from core.redaction import redact

log = logging.getLogger(__name__)
CORE = web.AppKey("core", Core)
METRICS = web.AppKey("metrics", Metrics)


def server_options(app: web.Application) -> dict[str, Any]:
    """What ``web.run_app`` / ``web.AppRunner`` take besides the app: the HTTP limits and
    the hook that counts every response for /metrics."""
    return {
        **http_limits.server_options(app[CORE].settings.http_read_seconds),
        "access_log_class": app[METRICS].access_log_class(),
        "access_log": logging.getLogger("aiohttp.access"),
    }


def web_application(core: Core) -> web.Application:
    """An empty app held to the HTTP limits, counting its responses for /metrics."""
    read_body = body_deadline(core.settings.http_read_seconds)
    metrics = Metrics()
    # Outermost: an update's time includes reading its body; the trace id covers it all.
    app = web.Application(
        middlewares=[observe_inputs(metrics), read_body], client_max_size=MAX_BODY_BYTES
    )
    app[CORE], app[METRICS] = core, metrics
    app[BODY_LIMITS] = {}
    return app


def own_routes(app: web.Application) -> list[web.RouteDef]:
    return [
        web.get("/healthz", healthz),
        web.get("/metrics", metrics_page),
        web.get("/status", status_page),
    ]


def background(
    make: Callable[[], Coroutine[Any, Any, None]],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.ensure_future(make())
        yield
        await stop_task(task)

    return ctx


def closing(
    close: Callable[[], Awaitable[None]],
) -> Callable[[web.Application], Awaitable[None]]:
    """An ``on_cleanup`` handler that closes one part the program built."""

    async def on_cleanup(_: web.Application) -> None:
        await close()

    return on_cleanup


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers and the worker's lease is fresh (or was never taken:
    a web process before any worker started); 503 otherwise, saying which."""
    core = request.app[CORE]
    try:
        async with core.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # the probe must answer, whatever broke
        log.warning("healthz: database unreachable (%s)", type(exc).__name__)
        return web.json_response(
            {"status": "error", "database": redact(str(exc)[:200])}, status=503
        )
    scheduler = await scheduler_health(core.uows, core.clock.now())
    stale = scheduler.get("stale") is True  # the holder stopped renewing: no worker runs
    return web.json_response(
        {
            "status": "stale worker" if stale else "ok",
            "channels": channels(core),
            "payments": core.settings.payment_mode,
            "scheduler": scheduler,
        },
        status=503 if stale else 200,
    )


async def metrics_page(request: web.Request) -> web.Response:
    core, metrics = request.app[CORE], request.app[METRICS]
    try:
        await metrics.refresh(core.uows, core.clock)
    except Exception:  # the counters of this process are still worth reading
        log.warning("metrics: the database's figures could not be read", exc_info=True)
    # The content type carries parameters aiohttp wants given apart.
    return web.Response(body=metrics.render(), headers={"Content-Type": metrics.content_type()})


def channels(core: Core) -> dict[str, bool]:
    s = core.settings
    return {
        "sandbox": s.sandbox_on,
        "telegram_client": s.telegram_client_token is not None,
        "telegram_provider": s.telegram_provider_token is not None,
        "whatsapp": s.whatsapp_enabled,
        "stripe": s.stripe_enabled,
    }


async def status_page(request: web.Request) -> web.Response:
    """Until the marketing site lands: say what runs and where to go."""
    items = "".join(
        f"<li>{html.escape(name)}: {'on' if on else 'off'}</li>"
        for name, on in channels(request.app[CORE]).items()
    )
    body = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Mounasabet</title>"
        "</head><body><h1>Mounasabet is running</h1><ul>" + items + "</ul>"
        "<p><a href='/sandbox'>Open the sandbox chat</a> · <a href='/healthz'>health</a></p>"
        "</body></html>"
    )
    return web.Response(text=body, content_type="text/html")
