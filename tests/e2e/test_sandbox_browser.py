"""The sandbox page in headless Chromium: a client books, the provider accepts, both see it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Dialog, Locator, Page, expect

from tests.e2e.conftest import E2E_PROVIDER, LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")

MARKET_TZ = ZoneInfo("Africa/Casablanca")
STEP_TIMEOUT = 10_000  # ms: a dialog step is a local HTTP call; polling adds up to a second
ACCEPT = re.compile(r"Accept$")  # the button reads "✅ Accept"


async def open_sandbox(page: Page, server: LiveServer, language: str = "en") -> None:
    await page.goto(server.url + "/sandbox")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    await page.locator("#client select.language").select_option(language)


def bots(pane: Locator) -> Locator:
    return pane.locator(".transcript > .msg.bot")


async def answered(pane: Locator, before: int) -> None:
    """Wait until the bot has said something more than the `before` messages it had."""
    await expect(bots(pane).nth(before)).to_be_attached(timeout=STEP_TIMEOUT)


async def say(pane: Locator, text: str) -> None:
    before = await bots(pane).count()
    box = pane.locator(".composer input[name=text]")
    await box.fill(text)
    await box.press("Enter")
    await answered(pane, before)


async def press(pane: Locator, label: str | re.Pattern[str]) -> None:
    """Tap a button under the bot's latest message, as a user would, and wait for the answer:
    a new last message, or the same screen edited in place (shown again last, issue 19)."""
    seq = await bots(pane).last.get_attribute("data-seq") or ""
    await bots(pane).last.get_by_role("button", name=label).click()
    await expect(bots(pane).last).not_to_have_attribute("data-seq", seq, timeout=STEP_TIMEOUT)


def last_text(pane: Locator) -> Locator:
    return bots(pane).last.locator(".text")


async def test_client_books_and_provider_accepts(page: Page, live_server: LiveServer) -> None:
    client, provider = page.locator("#client"), page.locator("#provider")
    await open_sandbox(page, live_server)
    # The provider opens their bot first, so the request reaches them live, by polling.
    await provider.locator("select.provider-select").select_option(E2E_PROVIDER.slug)
    await provider.get_by_role("button", name="Start", exact=True).click()
    home = bots(provider).filter(has_text="Requests waiting for your answer: 0")
    await expect(home).to_have_count(1, timeout=STEP_TIMEOUT)
    await expect(home).to_contain_text(E2E_PROVIDER.name)

    await say(client, "/start")
    await expect(last_text(client)).to_contain_text("Welcome to Mounasabet")
    await press(client, re.compile("Find a provider"))
    await press(client, "Photographer")
    await press(client, "Rabat")
    await press(client, "Any date")
    # The provider's name holds markup: the button must show it as text.
    await press(client, E2E_PROVIDER.name)
    await expect(last_text(client)).to_contain_text(E2E_PROVIDER.name)
    await press(client, "Book: Coverage")
    await press(client, "Wedding")
    day = datetime.now(MARKET_TZ).date() + timedelta(days=40)
    await say(client, day.strftime("%d/%m/%Y"))
    await expect(last_text(client)).to_contain_text("How many guests")
    await say(client, "120")
    await expect(last_text(client)).to_contain_text("Where exactly")
    await say(client, "Salle Al Amal, Agdal")
    await press(client, "Skip")  # notes
    # The sandbox's client has no name from a channel: the form asks it (issue 14).
    await expect(last_text(client)).to_contain_text("Your full name")
    await say(client, "Salma Bennani")
    await expect(last_text(client)).to_contain_text("phone number")
    await bots(client).last.get_by_role("button", name="Share my phone number").click()
    before = await bots(client).count()
    await bots(client).last.locator("input[type=tel]").fill("0612345678")
    await bots(client).last.get_by_role("button", name="Share", exact=True).click()
    await answered(client, before)
    await expect(client.locator(".msg.user").last).to_have_text("0612345678")
    await press(client, "Skip")  # email
    await expect(last_text(client)).to_contain_text("Please check your request")
    await expect(last_text(client)).to_contain_text("+212612345678")
    await press(client, "Send the request")

    sent = bots(client).filter(has_text="has been sent")
    await expect(sent).to_have_count(1)
    found = re.search(r"Your request (\S+) has been sent", await sent.inner_text())
    assert found, await sent.inner_text()
    ref = found.group(1)

    # The outbox worker delivers the news to the provider's chat; polling shows it.
    request = (
        bots(provider).filter(has_text=ref).filter(has=page.get_by_role("button", name=ACCEPT))
    )
    await expect(request).to_have_count(1, timeout=STEP_TIMEOUT)
    await expect(request).to_contain_text("Wedding")
    await request.get_by_role("button", name=ACCEPT).click()
    accepted = bots(provider).filter(has_text=f"You accepted {ref}")
    await expect(accepted).to_have_count(1, timeout=STEP_TIMEOUT)

    news = bots(client).filter(has_text=f"accepted your request {ref}")
    await expect(news).to_have_count(1, timeout=STEP_TIMEOUT)
    await expect(news).to_contain_text(E2E_PROVIDER.name)

    # A reload resumes both chats from the server's transcripts, without duplicates.
    seen = await client.locator(".transcript > .msg").count()
    await page.reload()
    await expect(client.locator(".transcript > .msg")).to_have_count(seen, timeout=STEP_TIMEOUT)
    await expect(bots(client).filter(has_text=f"accepted your request {ref}")).to_have_count(1)
    await expect(provider.locator("select.provider-select")).to_have_value(E2E_PROVIDER.slug)
    await expect(bots(provider).filter(has_text=f"You accepted {ref}")).to_have_count(1)


async def test_user_text_and_provider_names_are_not_html(
    page: Page, live_server: LiveServer
) -> None:
    alerts: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        alerts.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    client = page.locator("#client")
    await open_sandbox(page, live_server)
    attack = "<img src=x onerror=alert(1)>"

    await say(client, attack)

    await expect(client.locator(".msg.user .text").last).to_have_text(attack)
    await expect(page.locator("img[src='x']")).to_have_count(0)
    await expect(page.locator(".transcript img")).to_have_count(0)
    option = page.locator(f"select.provider-select option[value='{E2E_PROVIDER.slug}']")
    await expect(option).to_have_text(E2E_PROVIDER.name)
    await expect(page.locator("b")).to_have_count(0)
    assert alerts == []


async def test_arabic_replies_read_right_to_left(page: Page, live_server: LiveServer) -> None:
    client = page.locator("#client")
    await open_sandbox(page, live_server, language="en")
    await say(client, "/start")
    await expect(bots(client).last.locator(".bubble")).to_have_attribute("dir", "ltr")

    # Switching the selector mid-conversation applies to the next reply.
    async with page.expect_response("**/sandbox/api/language") as changed:
        await page.locator("#client select.language").select_option("ar")
    assert (await (await changed.value).json())["applied"] is True
    await say(client, "/start")

    latest = bots(client).last
    await expect(latest).to_have_attribute("dir", "rtl")
    await expect(latest.locator(".bubble")).to_have_attribute("dir", "rtl")
    await expect(bots(client).first.locator(".bubble")).to_have_attribute("dir", "ltr")
