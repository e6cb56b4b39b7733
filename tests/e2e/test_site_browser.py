"""The marketing site in headless Chromium, in French and Arabic: landing, a directory
filter, a provider page; deep links on every call to action, no console error, no serious
or critical axe-core violation, and a screenshot of each page in the test's folder."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import pytest_asyncio
from aiohttp import web
from axe_playwright_python.async_playwright import Axe  # type: ignore[import-untyped]
from playwright.async_api import Browser, BrowserContext, Page, expect

from bots.programs.serve import build_app
from core.bootstrap import build_core
from core.settings import Settings
from demo import seed_demo
from dialogs.client.deeplinks import parse_deeplink
from dialogs.i18n.translator import translator
from tests.e2e.conftest import LiveServer
from tests.support.migrated import migrate

pytestmark = pytest.mark.asyncio(loop_scope="module")

BOT = "MounasabetTestBot"
WHATSAPP = "+212522000111"
PROVIDER = "atlas-films"  # a demo videographer in Casablanca, Marrakech and Rabat
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LiveServer]:
    """The app on demo data with both chat channels configured for links (no real bot)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('site') / 'site.db'}"
    migrate(url)
    settings = Settings(
        database_url=url,
        telegram_client_username=BOT,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="token",
        twilio_whatsapp_from=f"whatsapp:{WHATSAPP}",
        _env_file=None,
    )
    container = build_core(settings)
    await seed_demo(container.uows, now=container.clock.now())
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
    """A 360 px wide phone, the narrowest the site is made for."""
    ctx = await browser.new_context(viewport={"width": 360, "height": 780}, locale="fr-FR")
    try:
        yield ctx
    finally:
        await ctx.close()


def console_errors(page: Page) -> list[str]:
    """The list that every console error and uncaught exception of ``page`` lands in."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


async def visit(page: Page, url: str, shots: Path, name: str) -> None:
    """Open ``url``, check it with axe-core, save a full-page screenshot."""
    response = await page.goto(url)
    assert response is not None and response.status == 200, url
    results = await Axe().run(page)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
    await page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    # Nothing is wider than the screen: no sideways scrolling at 360 px.
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert page.viewport_size is not None and width <= page.viewport_size["width"], width


async def ctas(page: Page) -> dict[str, str]:
    """The first call to action of each kind on the page: kind -> href."""
    found: dict[str, str] = {}
    for link in await page.locator("a[data-cta]").all():
        kind, href = await link.get_attribute("data-cta"), await link.get_attribute("href")
        assert kind and href
        found.setdefault(kind, href)
    return found


def start_payload(href: str) -> str:
    parts = urlsplit(href)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", f"/{BOT}"), href
    [code] = parse_qs(parts.query)["start"]
    assert PAYLOAD.match(code), code
    return code


def whatsapp_code(href: str) -> str:
    parts = urlsplit(href)
    assert (parts.netloc, parts.path) == ("wa.me", "/" + WHATSAPP.lstrip("+")), href
    [code] = parse_qs(parts.query)["text"]
    return code


@pytest.mark.parametrize("lang", ["fr", "ar"])
async def test_landing_directory_and_provider(
    site: LiveServer, phone: BrowserContext, tmp_path: Path, lang: str
) -> None:
    t = translator(lang)
    page = await phone.new_page()
    errors = console_errors(page)
    campaign = "?utm_source=instagram&utm_campaign=ramadan"

    # The landing page, reached from a campaign.
    await visit(page, f"{site.url}/{lang}/{campaign}", tmp_path, f"{lang}-landing")
    html = page.locator("html")
    await expect(html).to_have_attribute("lang", lang)
    await expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        t("Book your event's providers in a chat")
    )
    links = await ctas(page)
    assert parse_deeplink(start_payload(links["telegram"])).source == (
        "site-home-instagram-ramadan"
    )
    assert whatsapp_code(links["whatsapp"]) == start_payload(links["telegram"])
    assert "sandbox" not in links  # channels are configured: no sandbox link
    for code in ("fr", "ar", "en"):
        alternate = page.locator(f'link[rel=alternate][hreflang="{code}"]')
        await expect(alternate).to_have_attribute("href", f"http://127.0.0.1:8080/{code}/")

    # The directory, filtered by keyboard: category, city, then submit.
    await page.get_by_role("link", name=t("Find a provider")).first.click()
    await page.get_by_label(t("Category")).select_option("videographer")
    await page.get_by_label(t("City")).select_option("rabat")
    await page.get_by_role("button", name=t("Search")).press("Enter")
    await expect(page).to_have_url(re.compile(r"category=videographer"))
    await visit(page, page.url, tmp_path, f"{lang}-directory")
    cards = page.locator("article.card")
    await expect(cards.first).to_be_visible()
    assert await cards.count() >= 1
    names = await cards.locator("h3").all_inner_texts()
    atlas = translator(lang).pick({"fr": "Atlas Films", "en": "Atlas Films", "ar": "أطلس فيلمز"})
    assert atlas in names, names
    directory = parse_deeplink(start_payload((await ctas(page))["telegram"]))
    # The campaign followed the visitor (cookie); the search rides in the link.
    assert (directory.category, directory.city, directory.source) == (
        "videographer",
        "rabat",
        "site-dir-instagram-ramadan",
    )

    # The provider page, from its card.
    await cards.get_by_role("link", name=atlas).click()
    await expect(page).to_have_url(re.compile(f"/{lang}/providers/{PROVIDER}$"))
    await visit(page, page.url, tmp_path, f"{lang}-provider")
    images = page.locator("ul.photos img")
    assert await images.count() >= 1
    for n in range(await images.count()):
        assert await images.nth(n).get_attribute("alt")
        # Served, and drawn: a 404 would leave the image with no natural width.
        assert await images.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    link = parse_deeplink(start_payload((await ctas(page))["telegram"]))
    assert (link.provider, link.source) == (PROVIDER, "site-prov-instagram-ramadan")
    await expect(page.get_by_role("heading", name=t("Cancellation policy"))).to_be_visible()
    await expect(page.locator('meta[property="og:image"]')).to_have_attribute(
        "content", re.compile(rf"/static/demo/{PROVIDER}-1\.jpg$")
    )

    # Keyboard: the first Tab reaches the skip link, which shows when focused.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name=t("Skip to the content"))
    await expect(skip).to_be_focused()
    await expect(skip).to_be_in_viewport()
    assert errors == []


async def test_without_chat_channels_the_sandbox_opens_on_the_provider(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    """A local run: no Telegram, no WhatsApp; "Try it here" opens the sandbox on the
    provider, which answers with the provider's profile."""
    errors = console_errors(page)
    await visit(page, f"{live_server.url}/en/providers/{PROVIDER}", tmp_path, "sandbox")
    links = await ctas(page)
    assert set(links) == {"sandbox"}
    assert errors == []  # the sandbox page is checked by its own test
    await page.locator("a[data-cta=sandbox]").first.click()
    await expect(page).to_have_url(re.compile(r"/sandbox$"))  # the payload is used once
    await expect(page.locator("#client .transcript .msg.bot").first).to_contain_text(
        "Atlas Films", timeout=10_000
    )
