"""A provider's reviews on the site, in headless Chromium on a 360 px phone, in Arabic and
French: the stars read out as "n out of 5", the comment and the reply shown as typed
(markup escaped), no serious axe-core violation, no sideways scrolling, a screenshot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from playwright.async_api import Browser, BrowserContext, expect

from bots.programs.serve import build_app
from core.booking.reviews import reply_to_review, submit_review
from core.booking.states import BookingState
from core.bootstrap import build_core
from core.settings import Settings
from dialogs.i18n.translator import translator
from tests.e2e.conftest import LiveServer
from tests.e2e.test_site_browser import console_errors, visit
from tests.support.bookings import drive_to, request
from tests.support.factories import make_provider, make_user
from tests.support.migrated import migrate

pytestmark = pytest.mark.asyncio(loop_scope="module")

SLUG = "reviewed-studio"
COMMENT = "<b>Top</b> photos & très pro"
REPLY = "Merci ! <script>x</script>"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    """The app with one provider reviewed once (written through core's services)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('reviews') / 'site.db'}"
    migrate(url)
    container = build_core(Settings(database_url=url, _env_file=None))
    now = container.clock.now()
    owner, _, service = await make_provider(container.uows, now, slug=SLUG)
    client = await make_user(container.uows, now, name="Salma Idrissi")
    booking_id = await request(
        container.uows, now, client, service, (now + timedelta(days=20)).date()
    )
    await drive_to(container.uows, booking_id, BookingState.COMPLETED, owner=owner, now=now)
    async with container.uows() as uow:
        review = await submit_review(
            uow, booking_id=booking_id, client_id=client, stars=4, comment=COMMENT, now=now
        )
        await reply_to_review(uow, review.id, owner, REPLY, now=now)
        await uow.commit()
    runner = web.AppRunner(build_app(container, worker=False))
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    host, port = runner.addresses[0][:2]
    try:
        yield LiveServer(f"http://{host}:{port}")
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(loop_scope="module")
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR")
    try:
        yield ctx
    finally:
        await ctx.close()


@pytest.mark.parametrize("lang", ["ar", "fr"])
async def test_reviews_on_the_provider_page(
    site: LiveServer, phone: BrowserContext, tmp_path: Path, lang: str
) -> None:
    t = translator(lang)
    page = await phone.new_page()
    errors = console_errors(page)
    await visit(page, f"{site.url}/{lang}/providers/{SLUG}", tmp_path, f"{lang}-reviews")
    section = page.locator("section#reviews")
    await expect(section.get_by_role("heading", level=2)).to_have_text(t("Reviews"))
    [review] = await section.locator("li.review").all()
    await expect(review.locator(".stars")).to_have_attribute(
        "aria-label", t("{n} out of 5 stars", n=4)
    )
    await expect(review.locator(".stars")).to_have_text("★★★★☆")
    await expect(review.locator("blockquote")).to_have_text(COMMENT)  # shown, not rendered
    await expect(review).to_contain_text("Salma I.")
    await expect(review.locator(".review-reply")).to_contain_text(REPLY)
    await expect(review.locator("b, script")).to_have_count(0)
    await expect(page.locator(".rating")).to_have_text(
        t("Rated {rating}/5 by {n} clients", rating=t.decimal(4.0), n=1)
    )
    await review.scroll_into_view_if_needed()
    await page.screenshot(path=str(tmp_path / f"{lang}-review.png"))
    assert errors == []


async def test_the_landing_page_quotes_the_review(
    site: LiveServer, phone: BrowserContext, tmp_path: Path
) -> None:
    t = translator("ar")
    page = await phone.new_page()
    errors = console_errors(page)
    await visit(page, f"{site.url}/ar/", tmp_path, "ar-landing-reviews")
    section = page.locator("section#reviews")
    await expect(section.get_by_role("heading", level=2)).to_have_text(t("What clients say"))
    quote = section.locator("li.review")
    await expect(quote.locator("blockquote")).to_have_text(COMMENT)
    await quote.get_by_role("link", name=SLUG).click()
    await expect(page).to_have_url(f"{site.url}/ar/providers/{SLUG}")
    assert errors == []
