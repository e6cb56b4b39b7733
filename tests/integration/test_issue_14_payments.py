"""Issue 14: a failed or expired payment is told in the chat with a link that works, and
the offline payment page speaks the payer's language and writes money as the chat does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FixedClock
from dialogs.i18n.translator import translator
from tests.support.migrated import migrate
from tests.support.payments import Stack, eventually, payment_stack, sqlite_payment_stack

FR, EN = translator("fr"), translator("en")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


@pytest.fixture
async def offline(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'offline.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as running:
        yield running


async def said(stack: Stack, chat: str, text: str) -> str:
    """Wait for the client's chat to show a message containing ``text``; return it."""
    found: list[str] = []

    async def seen() -> bool:
        found[:] = [m for m in await stack.bot_texts("client", chat) if text in m]
        return bool(found)

    await eventually(seen, f"{text!r} in the chat of {chat}")
    return found[-1]


async def test_a_declined_card_is_told_in_the_chat_with_the_same_open_link(stack: Stack) -> None:
    client = await stack.client("imane", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    assert await stack.fake.deliver(stack.fake.decline_on_checkout(session_id)) == [200] * 3
    ref = (await stack.booking(booking_id)).reference
    text = await said(
        stack, "imane", EN("The card was declined for {ref}, and nothing was charged.", ref=ref)
    )
    assert stack.fake.sessions[session_id]["url"] in text
    # Told once, however often Stripe repeats itself.
    assert await stack.fake.deliver(stack.fake.decline_on_checkout(session_id)) == [200] * 3
    texts = await stack.bot_texts("client", "imane")
    assert sum("declined" in t for t in texts) == 1


async def test_an_expired_link_is_replaced_and_the_new_one_sent(stack: Stack) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    first = await stack.pending_session(booking_id)
    assert await stack.fake.deliver(stack.fake.expire_checkout(first)) == [200] * 3
    second = await stack.pending_session(booking_id)
    assert second != first
    ref = (await stack.booking(booking_id)).reference
    text = await said(stack, "omar", EN("The payment link for {ref} has expired.", ref=ref))
    assert stack.fake.sessions[second]["url"] in text
    assert stack.fake.sessions[first]["url"] not in text
    await stack.pay_deposit(booking_id)
    assert (await stack.booking(booking_id)).state == "confirmed"


async def test_the_offline_page_speaks_french_and_a_failure_brings_a_new_link(
    offline: Stack,
) -> None:
    stack = offline
    client = await stack.client("nadia", email_address=None, locale="fr")
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    booking = await stack.booking(booking_id)
    first = await stack.pending_session(booking_id)
    async with stack.http.get(f"{stack.url}/pay/{first}") as response:
        page = await response.text()
    # "1 500,00 MAD" with French spacing, as the chat writes it; French words, French page.
    assert FR.money(booking.deposit_minor, "MAD") in page
    assert '<html lang="fr"' in page
    assert FR("{kind} for booking {ref}", kind=FR("Deposit"), ref=booking.reference) in page
    assert "for booking" not in page

    async with stack.http.post(f"{stack.url}/pay/{first}", data={"action": "fail"}) as response:
        assert response.status == 200
        assert FR("Payment failed") in await response.text()
    ref = booking.reference
    text = await said(
        stack,
        "nadia",
        FR("The payment for {ref} did not go through, and nothing was charged.", ref=ref),
    )
    second = await stack.pending_session(booking_id)
    assert second != first and f"/pay/{second}" in text
    assert FR.money(booking.deposit_minor, "MAD") in text
    async with stack.http.get(f"{stack.url}/pay/{first}") as response:
        assert (
            FR("This payment failed. A new link is waiting in the chat.") in await response.text()
        )


async def test_an_expired_offline_link_says_so_in_french_and_the_chat_gets_a_new_one(
    offline: Stack,
) -> None:
    stack = offline
    client = await stack.client("yasmine", email_address=None, locale="fr")
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    first = await stack.pending_session(booking_id)
    [payment] = await stack.payments(booking_id)
    assert payment.checkout_expires_at is not None
    stack.clock.set(payment.checkout_expires_at + timedelta(minutes=1))  # deposit still due
    async with stack.http.get(f"{stack.url}/pay/{first}") as response:
        assert FR("This link has expired. A new one is waiting in the chat.") in (
            await response.text()
        )
    ref = (await stack.booking(booking_id)).reference
    text = await said(stack, "yasmine", FR("The payment link for {ref} has expired.", ref=ref))
    second = await stack.pending_session(booking_id)
    assert second != first and f"/pay/{second}" in text
