"""Issue 13 in headless Chromium: a provider in the sandbox's provider pane picks photos
with the page's camera control; the bot keeps one, explains the refusals (not an image,
too big) and the kept photo renders on the profile's preview."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import FilePayload, Locator, Page, expect

from dialogs.i18n.translator import translator
from dialogs.provider.choices import NOT_A_PHOTO, PHOTO_TOO_BIG
from tests.e2e.conftest import E2E_PROVIDER, LiveServer
from tests.e2e.test_sandbox_browser import (
    STEP_TIMEOUT,
    answered,
    bots,
    open_sandbox,
    press,
    say,
)
from tests.support.pictures import picture

pytestmark = pytest.mark.asyncio(loop_scope="module")
EN, FR = translator("en"), translator("fr")  # the e2e provider reads English


async def pick(pane: Locator, name: str, mime: str, data: bytes) -> None:
    """Choose a file with the pane's photo control and wait for the bot's answer."""
    before = await bots(pane).count()
    control = pane.get_by_label(EN("Send a photo"))
    payload: FilePayload = {"name": name, "mimeType": mime, "buffer": data}
    await control.set_input_files(files=[payload])
    await answered(pane, before)


async def test_the_provider_pane_sends_photos_and_sees_them(
    page: Page, live_server: LiveServer
) -> None:
    provider = page.locator("#provider")
    await open_sandbox(page, live_server)
    await provider.locator("select.provider-select").select_option(E2E_PROVIDER.slug)
    await provider.get_by_role("button", name="Start", exact=True).click()
    await expect(bots(provider).first).to_be_attached(timeout=STEP_TIMEOUT)
    await say(provider, "/profile")
    await press(provider, re.compile("Photos$"))

    await pick(provider, "atelier.jpg", "image/jpeg", picture("JPEG", (1600, 1200)))
    saved = bots(provider).filter(has_text=EN("Photo saved ({n} of {max}).", n=1, max=10))
    await expect(saved).to_have_count(1)
    await expect(provider.locator(".msg.user").last).to_have_text("📷 atelier.jpg")

    await pick(provider, "tarifs.pdf", "application/pdf", b"%PDF-1.7")
    await expect(bots(provider).last).to_contain_text(EN(NOT_A_PHOTO))
    # Past 5 MB: the page sends a byte more than the limit, the bot says it is too big.
    big = b"\xff\xd8\xff" + bytes(6 * 1024 * 1024)
    await pick(provider, "huge.jpg", "image/jpeg", big)
    await expect(bots(provider).last).to_contain_text(EN(PHOTO_TOO_BIG, max_mb=5))

    # The kept photo renders: an image in the preview's bubble, loaded from /photos/.
    await press(provider, re.compile("Done$"))
    await press(provider, re.compile("Preview as a client$"))
    shown = provider.locator(".msg.bot .photos img[src^='/photos/']").last
    await expect(shown).to_be_attached(timeout=STEP_TIMEOUT)
    loaded = await shown.evaluate("img => img.decode().then(() => img.naturalWidth)")
    assert loaded > 0

    # The control's label follows the page's language like the others.
    await page.locator("#client select.language").select_option("fr")
    await expect(provider.get_by_label(FR("Send a photo"))).to_have_count(1, timeout=STEP_TIMEOUT)
    assert FR("Send a photo") != EN("Send a photo")
