"""Issue 12, item 13: what users type reaches HTML pages and emails as text, never markup.

Over real HTTP (the offline payment page) and a real SMTP server (aiosmtpd: the invoice
and confirmation emails with their .ics invite). The chats' own texts are checked by
tests/e2e/test_telegram_journey.py (Telegram HTML) and tests/e2e/test_sandbox_browser.py
(the sandbox page, textContent only)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar

from core.clock import FixedClock
from core.db.tables import User
from tests.support.migrated import migrate
from tests.support.payments import Stack, eventually, payment_stack

NAME = "<b>Salma</b><script>alert('name')</script>"
VENUE = "<script>alert('venue')</script> Dar & Co\r\nATTENDEE:mailto:evil@example.com"
NOTES = "<img src=x onerror=alert(1)>"
PAY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/pay/cs_offline_[A-Za-z0-9_-]+")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'markup.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as running:
        yield running


def parts(message: EmailMessage) -> list[tuple[str, str]]:
    """(content type, decoded text) of every part that is text."""
    found = []
    for part in message.walk():
        if part.get_content_maintype() == "text":
            assert isinstance(part, EmailMessage)
            found.append((part.get_content_type(), str(part.get_content())))
    return found


async def test_typed_markup_stays_text_on_the_pay_page_and_in_the_emails(stack: Stack) -> None:
    client = await stack.client("salma", email_address="salma@example.com")
    async with stack.uows() as uow:
        user = await uow.session.get(User, client)
        assert user is not None
        user.display_name = NAME  # a profile name is the user's own text too
        await uow.commit()
    booking_id = await stack.book(client, days_ahead=20, venue=VENUE, notes=NOTES)
    await stack.accept(booking_id)

    links: list[str] = []

    async def link() -> bool:
        links[:] = PAY_LINK.findall("\n".join(await stack.bot_texts("client", "salma")))
        return bool(links)

    await eventually(link, "the payment link")
    async with stack.http.get(links[-1]) as page:
        html = await page.text()
    assert page.status == 200 and 'value="pay"' in html
    for raw in ("<script", "<img", "<b>"):
        assert raw not in html
    async with stack.http.post(links[-1], data={"action": "pay"}, allow_redirects=False) as paid:
        assert paid.status == 303

    async def emails() -> bool:
        return len(stack.mailbox.messages) == 2

    await eventually(emails, "the invoice and confirmation emails")
    for message in stack.mailbox.messages:
        texts = dict(parts(message))
        # Plain text only (no HTML part to inject into); the name shows as it was typed.
        assert "text/html" not in texts
        assert NAME in texts["text/plain"]
        assert "\r\n" not in str(message["Subject"]) and "\n" not in str(message["To"])
    [confirmation] = [m for m in stack.mailbox.messages if "text/calendar" in dict(parts(m))]
    assert "<script>alert('venue')</script> Dar & Co" in dict(parts(confirmation))["text/plain"]
    invite = dict(parts(confirmation))["text/calendar"]
    # The venue's line break did not start a property of its own in the invite.
    assert not re.search(r"^ATTENDEE:mailto:evil", invite, re.MULTILINE)
    [event] = Calendar.from_ical(invite).walk("VEVENT")
    attendees = event.get("ATTENDEE")
    assert not isinstance(attendees, list) and str(attendees) == "mailto:salma@example.com"
    assert str(event["LOCATION"]).startswith("<script>alert('venue')</script> Dar & Co")
