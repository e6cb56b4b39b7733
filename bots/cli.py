"""`mounasabet`: serve, run the worker, migrate, seed the demo."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Annotated

import typer
from aiohttp import web
from rich.console import Console

from bots.logs import log_handler
from core.bootstrap import build_core, serving_clock
from core.db.migrate import upgrade
from core.redaction import Redactor
from core.redaction import install as install_redaction
from core.settings import Settings

app = typer.Typer(help="Mounasabet: event services booked in chat.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="Demo data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
out = Console()
err = Console(stderr=True)
REFUSED_OFFLINE = (
    "Not starting: MOUNASABET_PUBLIC_URL is set but MOUNASABET_STRIPE_SECRET_KEY is not, so "
    "payments would go to the offline gateway, where anyone with a link can mark a booking "
    "paid and no money moves. Set MOUNASABET_STRIPE_SECRET_KEY, or set "
    "MOUNASABET_OFFLINE_PAYMENTS=1 if this is a demo deployment."
)


def start_logging(settings: Settings) -> None:
    """Log lines to stderr, JSON unless on a terminal, with the trace id (bots/logs.py)
    and every configured secret masked (core.redaction)."""
    logging.basicConfig(level=logging.INFO, handlers=[log_handler()])
    install_redaction(Redactor(settings.secret_values()))


# Python's default runs a young collection every 700 container objects allocated and not
# yet freed; an update makes a few thousand (rows, dicts, pydantic models), nearly all freed
# by reference counting before the update ends. At the default the collector took 5 % of
# the Telegram benchmark's CPU (0.12 s in 365 collections); at 20,000 it took under 1 %
# (bench/README.md). Cycles of garbage still go, a little later.
YOUNG_COLLECTION_EVERY = 20_000


def settle_collector() -> None:
    """Tune the garbage collector for a long-running server, once everything is loaded."""
    # What is loaded by now (modules, catalogs, compiled patterns) lives as long as the
    # process: out of the collector's way, its full collections stay short under load.
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, 20, 20)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8080,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Web only: no outbox worker, no sweeps.")
    ] = False,
) -> None:
    """Serve the web app (sandbox, health, metrics) and, unless --no-worker, the worker."""
    from bots.programs.serve import build_app
    from bots.web_app import channels, server_options

    settings = Settings().serving_at(host, port)
    start_logging(settings)
    if settings.payment_mode == "refused":
        err.print(REFUSED_OFFLINE, markup=False)
        raise typer.Exit(2)
    core = build_core(settings, clock=serving_clock(settings))
    for name, on in channels(core).items():
        out.print(f"  {name:<9} {'[green]on[/]' if on else '[dim]off[/]'}")
    out.print(f"  payments  {settings.payment_mode}")
    if settings.sandbox_on:
        out.print(f"Open http://{host}:{port}/sandbox to chat with the bots.")
    application = build_app(core, worker=not no_worker)
    settle_collector()
    web.run_app(application, host=host, port=port, print=None, **server_options(application))


@app.command()
def poll() -> None:
    """Development: run the Telegram bots by long polling (no public URL needed)."""
    from bots.programs.poll import run_polling

    settings = Settings()
    start_logging(settings)
    if not settings.telegram_enabled:
        err.print("Set MOUNASABET_TELEGRAM_CLIENT_TOKEN and/or MOUNASABET_TELEGRAM_PROVIDER_TOKEN.")
        raise typer.Exit(1)
    asyncio.run(run_polling(build_core(settings)))


@app.command()
def worker() -> None:
    """Deliver the outbox (Telegram, WhatsApp, email) and run the sweeps without serving
    HTTP; pair with `serve --no-worker` when several web processes run."""
    from bots.programs.worker import run_worker

    settings = Settings()
    start_logging(settings)
    core = build_core(settings)
    settle_collector()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_worker(core))


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the migrations up to REVISION (default: the latest)."""
    settings = Settings()
    upgrade(settings.database_url, revision)
    out.print(f"database at {revision}")


@demo_app.command("seed")
def demo_seed() -> None:
    """Load the demo providers, services and bookings (safe to run again)."""
    from demo import seed_demo

    async def run() -> None:
        core = build_core(Settings())
        try:
            report = await seed_demo(core.uows, now=core.clock.now())
        finally:
            await core.close()
        out.print(report)

    asyncio.run(run())


def main() -> None:
    app()
