"""Issue 13 in headless Chromium: "A new provider" in the sandbox's provider pane opens a
chat of its own that belongs to nobody, where the provider bot offers to register, and
the same chat comes back after a reload (tests/integration/test_issue_13_sandbox_sign_up.py
walks the whole onboarding through the page's API)."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import Page, expect

from dialogs.i18n.translator import translator
from tests.e2e.conftest import LiveServer
from tests.e2e.test_sandbox_browser import STEP_TIMEOUT, bots, open_sandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")
FR = translator("fr")  # a new provider pane speaks the market's default language


async def test_a_new_provider_gets_a_chat_of_its_own_and_the_register_button(
    page: Page, live_server: LiveServer
) -> None:
    provider = page.locator("#provider")
    await open_sandbox(page, live_server)
    await provider.locator("select.provider-select").select_option("new")
    await expect(provider).to_have_attribute("data-chat", re.compile(r"^new-[a-z0-9]+$"))
    chat = await provider.get_attribute("data-chat")
    await provider.get_by_role("button", name="Start", exact=True).click()
    await expect(bots(provider).first).to_be_attached(timeout=STEP_TIMEOUT)
    register = provider.get_by_role("button", name=re.compile(FR("Register as a provider")))
    await register.last.click()
    # The onboarding's first question (the pressed screen is edited in place).
    asked = FR("Let's create your provider account. First, what is the name of your business?")
    await expect(bots(provider).last).to_contain_text(asked, timeout=STEP_TIMEOUT)

    await page.reload()
    await expect(provider.locator("select.provider-select")).to_have_value("new")
    await expect(provider).to_have_attribute("data-chat", chat or "")
