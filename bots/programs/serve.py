"""`mounasabet serve`: one aiohttp app with every webhook, the sandbox, the payment pages,
health and metrics; and, unless ``worker=False`` (`--no-worker`), the outbox worker."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.calendar_fetcher import AiohttpCalendarFetcher
from bots.http_limits import BODY_LIMITS
from bots.outbox_router import ChannelRouter, ChannelSend
from bots.sandbox.routes import Sandbox
from bots.sandbox.time_travel import SandboxTime
from bots.scheduler import SweepScheduler, sweeps_ctx
from bots.telegram import setup as telegram
from bots.telegram.webhook import webhook_handler
from bots.web_app import METRICS, background, closing, own_routes, web_application
from bots.whatsapp.setup import build_whatsapp
from bots.worker import OutboxBell, run_outbox
from core.bootstrap import Core
from core.clock import ShiftedClock
from core.notifications.outbox import Leases
from dialogs.bootstrap import build_dialogs
from dialogs.i18n.translator import translator
from payments.setup import build_payment_routes, build_payments
from web.calendar_feed import CalendarFeed
from web.links import Channels
from web.site import Site

log = logging.getLogger(__name__)


def build_app(core: Core, *, worker: bool = True) -> web.Application:
    """The app, from parts built for it; its cleanup closes them, ``core`` included."""
    settings, uows, clock = core.settings, core.uows, core.clock
    app = web_application(core)
    pay = build_payments(settings, uows, clock, translator)
    app.add_routes(build_payment_routes(pay, settings, uows, clock, translator))
    calendars = AiohttpCalendarFetcher.from_settings(settings)
    dialogs = build_dialogs(settings, uows, clock, payments=pay.payments, calendars=calendars)
    engines = dialogs.engines
    app[METRICS].watch_engines(engines)
    senders: dict[str, ChannelSend] = {}
    if settings.sandbox_on:
        sandbox = Sandbox(
            uows,
            engines["client"],
            engines["provider"],
            clock,
            proves_phones=settings.sandbox_is_local,
        )
        app.add_routes(sandbox.routes())
        app[BODY_LIMITS].update(sandbox.body_limits())
        senders["sandbox"] = sandbox.deliver
    bots = telegram.build_bots(settings, engines, uows, clock)
    secret = settings.telegram_webhook_secret
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
        senders[tb.identity_channel] = tb.sender.deliver
    # Rung by the webhooks whose answers the worker sends, when the worker runs here.
    bell = OutboxBell() if worker else None
    if settings.whatsapp_enabled:
        whatsapp = build_whatsapp(
            settings, engines, uows, clock, queued=bell.ring if bell else None
        )
        app.add_routes(whatsapp.routes())
        senders["whatsapp"] = whatsapp.sender.deliver
        app.on_cleanup.append(closing(whatsapp.close))
    app.add_routes(own_routes(app))
    app.add_routes(CalendarFeed(uows, clock).routes())
    # The site asks the chat's search through the chat's cache: the same "free that day".
    channels = Channels.from_settings(settings)
    site = Site(uows, clock, settings, channels, dialogs.stores.reads)
    app.add_routes(site.routes())
    if "client" in bots and not settings.telegram_client_username:
        client_bot = bots["client"].bot
        app.on_startup.append(site.learn_username(lambda: client_bot.get_me()))
    if bots:
        app.on_startup.append(_introduce(bots, core))
        app.on_cleanup.append(closing(lambda: telegram.close(bots)))
    sweeps: SweepScheduler | None = None
    if worker:
        router = ChannelRouter(
            uows, senders, email=pay.email, gateway=pay.gateway_tasks, links=pay.news_links
        )
        metrics = app[METRICS]
        leases = Leases.of(settings.send_lease_seconds)
        app.cleanup_ctx.append(
            background(
                lambda: run_outbox(uows, router, clock, metrics=metrics, bell=bell, leases=leases)
            )
        )
        sweeps = SweepScheduler(
            uows,
            clock,
            settings,
            payments=pay.payments,
            sender=router,
            settle=dialogs.stores.conversations.flush,
        )
        app.cleanup_ctx.append(sweeps_ctx(sweeps))
    if settings.sandbox_on:
        # Time travel only where the settings allow it, whatever clock a caller passed; the
        # sweeps of this process (if it runs them) catch up with each skip.
        travel = clock if settings.time_travel_on and isinstance(clock, ShiftedClock) else None
        catch_up = sweeps.catch_up_soon if sweeps is not None else None
        app.add_routes(SandboxTime(clock, travel, after_skip=catch_up).routes())
    app.cleanup_ctx.append(background(dialogs.count_searches))
    app.on_cleanup.append(closing(pay.close))
    app.on_cleanup.append(closing(dialogs.close))
    app.on_cleanup.append(closing(core.close))
    return app


def _introduce(
    bots: dict[str, telegram.TelegramBot], core: Core
) -> Callable[[web.Application], Awaitable[None]]:
    async def start(_: web.Application) -> None:
        try:
            await telegram.introduce(bots, core.settings)
        except Exception:  # Telegram down must not keep the rest from serving
            log.exception("could not register the Telegram bots; webhooks may be stale")

    return start
