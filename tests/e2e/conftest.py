"""The real web app on loopback, seeded with the demo data, and a headless Chromium.

The server and the browser are shared by a module's tests (they run on one module-wide
event loop); every test gets a fresh browser context, so its localStorage, and with it
its sandbox chat, is its own.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from bots.programs.serve import build_app
from core.bootstrap import build_core, serving_clock
from core.clock import FixedClock
from core.db.tables import Provider, User
from core.settings import Settings
from core.uow import UnitOfWorkFactory
from demo import seed_demo
from tests.conftest import BACKENDS
from tests.support.factories import make_provider
from tests.support.migrated import migrate
from tests.support.telegram_app import TelegramApp, app_on_backend

CHROMIUM = Path("/usr/bin/chromium")
# How this machine runs Chromium: no sandbox as root, no GPU, and nothing that phones home
# (the network is closed; background connections only slow the start down).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def tg_options() -> dict[str, Any]:
    """What a module's Telegram app is built with beyond the defaults (a module overrides
    it: results paged as its tests page them, settings of its own)."""
    return {}


@pytest.fixture(params=BACKENDS)
async def tg(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    clock: FixedClock,
    tg_options: dict[str, Any],
) -> AsyncIterator[TelegramApp]:
    """The app on SQLite, and on PostgreSQL when MOUNASABET_TEST_POSTGRES_URL is set."""
    async with app_on_backend(request.param, request, tmp_path, clock, **tg_options) as app:
        yield app


@dataclass(frozen=True)
class E2EProvider:
    """A provider of the tests' own, next to the demo ones, with markup in its name."""

    slug: str = "e2e-studio"
    name: str = "Studio <b>E2E</b> & Co"
    category: str = "photographer"
    city: str = "rabat"


E2E_PROVIDER = E2EProvider()


@dataclass(frozen=True)
class LiveServer:
    url: str


@pytest.fixture(scope="module")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    return CHROMIUM


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def live_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    """`mounasabet serve` in miniature: migrated SQLite, demo data, web app and outbox."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'e2e.db'}"
    migrate(url)
    # Photos sent from the provider pane land in the test's own directory, not ./var.
    photos = tmp_path_factory.mktemp("e2e-photos")
    settings = Settings(
        database_url=url, sandbox_enabled=True, photo_dir=str(photos), _env_file=None
    )
    container = build_core(settings, clock=serving_clock(settings))  # as `serve` builds it
    now = container.clock.now()
    await seed_demo(container.uows, now=now)
    await _add_e2e_provider(container.uows, now)
    runner = web.AppRunner(build_app(container))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)  # port 0: the system picks a free one
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield LiveServer(f"http://{host}:{port}")
    finally:
        await runner.cleanup()  # stops the outbox worker and closes the container


async def _add_e2e_provider(uows: UnitOfWorkFactory, now: datetime) -> None:
    p = E2E_PROVIDER
    owner, provider_id, _ = await make_provider(
        uows, now, slug=p.slug, category=p.category, city=p.city, min_notice_hours=48
    )
    async with uows() as uow:
        provider = await uow.session.get(Provider, provider_id)
        user = await uow.session.get(User, owner)
        assert provider is not None and user is not None
        provider.name = {"fr": p.name, "en": p.name, "ar": p.name}
        user.locale = "en"  # the provider pane has no language selector: read it in English
        await uow.commit()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(chromium_path: Path) -> AsyncIterator[Browser]:
    # Playwright launches headless with a fresh temporary profile (--user-data-dir).
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(chromium_path), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(context: BrowserContext) -> Page:
    return await context.new_page()
