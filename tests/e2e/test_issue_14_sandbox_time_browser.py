"""Issue 14 in headless Chromium: the sandbox page shows its time and skips it forward,
in the page's language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.async_api import Page, expect

from core.catalog.vocabulary import MARKET_TZ
from dialogs.i18n.translator import translator
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.asyncio(loop_scope="module")
STEP_TIMEOUT = 10_000  # ms


def shown_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=MARKET_TZ)


async def test_skip_ahead_moves_the_shown_time_and_speaks_the_language(
    page: Page, live_server: LiveServer
) -> None:
    await page.goto(live_server.url + "/sandbox")
    await expect(page.locator("body[data-ready=true]")).to_be_attached()
    control = page.locator(".time-travel")
    await expect(control).to_be_visible(timeout=STEP_TIMEOUT)
    shown = control.locator(".sandbox-now")
    await expect(shown).to_have_text(
        # "2026-12-03 17:55": the market's local time
        re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"),
        timeout=STEP_TIMEOUT,
    )
    before = shown_time(await shown.inner_text())

    await page.locator("#client select.language").select_option("fr")
    fr = translator("fr")
    await expect(control.locator("[data-label=skip_ahead]")).to_have_text(
        fr("Skip ahead"), timeout=STEP_TIMEOUT
    )
    week = control.locator("button[data-skip=week]")
    await expect(week).to_have_text(fr("+1 week"))
    await week.click()
    await expect(shown).not_to_have_text(before.strftime("%Y-%m-%d %H:%M"), timeout=STEP_TIMEOUT)
    after = shown_time(await shown.inner_text())
    assert timedelta(days=7) <= after - before < timedelta(days=7, minutes=5)
