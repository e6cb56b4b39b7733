"""Issue 14 item 19 in headless Chromium: the sandbox page's own labels follow the chosen
language, and a new client pane is greeted by the bot without typing anything."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from dialogs.i18n.translator import translator
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
STEP_TIMEOUT = 10_000  # ms: polling adds up to a second


async def test_labels_follow_the_language_and_a_new_client_is_greeted(
    page: Page, live_server: LiveServer
) -> None:
    en, ar, fr = translator("en"), translator("ar"), translator("fr")
    await page.goto(live_server.url + "/sandbox")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    client = page.locator("#client")
    greeting = client.locator(".transcript > .msg.bot").first
    await expect(greeting).to_be_attached(timeout=STEP_TIMEOUT)  # nobody typed /start

    await client.locator("select.language").select_option("ar")
    send = client.locator(".composer button[type=submit]")
    await expect(send).to_have_text(ar("Send"), timeout=STEP_TIMEOUT)
    box = client.locator(".composer input")
    await expect(box).to_have_attribute("placeholder", ar("Type a message, or /start"))
    choose = page.locator("#provider select.provider-select option[value='']")
    await expect(choose).to_have_text(ar("Choose a provider…"))
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")

    await client.locator("select.language").select_option("fr")
    await expect(send).to_have_text(fr("Send"), timeout=STEP_TIMEOUT)
    await client.locator(".new-chat").click()  # a new client: greeted in French
    await expect(client.locator(".transcript > .msg.bot").first).to_contain_text(
        fr("Find a provider"), timeout=STEP_TIMEOUT
    )
    assert en("Send") != fr("Send") != ar("Send")
