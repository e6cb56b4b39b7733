"""The offline gateway end to end, over real HTTP: what `make run` shows without a Stripe key.

Accept in the provider's chat, follow the link in the client's chat to /pay/<session>,
press Pay, get the invoice in the chat and by email, deliver, confirm, and the balance
is charged; an amount ending in 02 is declined and paid by link instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Invoice, Service
from tests.support.migrated import migrate
from tests.support.payments import PROVIDER_SLUG, Stack, eventually, payment_stack

PAY_LINK = re.compile(r"http://127\.0\.0\.1:\d+/pay/cs_offline_[A-Za-z0-9_-]+")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'offline.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as running:
        yield running


async def link_in_chat(stack: Stack, chat: str, seen: set[str]) -> str:
    found: list[str] = []

    async def new_link() -> bool:
        texts = "\n".join(await stack.bot_texts("client", chat))
        found[:] = [u for u in PAY_LINK.findall(texts) if u not in seen]
        return bool(found)

    await eventually(new_link, "a payment link in the client's chat")
    seen.add(found[-1])
    return found[-1]


async def press(stack: Stack, link: str, action: str) -> int:
    async with stack.http.get(link) as page:
        assert page.status == 200
        assert 'value="pay"' in await page.text()
    async with stack.http.post(link, data={"action": action}, allow_redirects=False) as answer:
        return answer.status


async def deliver_and_confirm(stack: Stack, chat: str, booking_id: int) -> str:
    booking = await stack.booking(booking_id)
    stack.clock.set(booking.ends_at)
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|pdel:{booking_id}")
    await stack.send("client", chat, payload=f"g|bk:{booking_id}")
    return "\n".join(m["text"] for m in await stack.click("client", chat, "confirm"))


async def test_offline_journey(stack: Stack) -> None:
    client = await stack.client("salma", email_address="salma@example.com")
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    seen: set[str] = set()
    link = await link_in_chat(stack, "salma", seen)
    assert await press(stack, link, "pay") == 303
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("confirmed", booking.deposit_minor)
    async with stack.http.post(link, data={"action": "pay"}) as again:
        assert again.status == 409  # a second press charges nothing
    assert (await stack.booking(booking_id)).paid_minor == booking.deposit_minor

    # The invoice: in the chat as a document at a signed link, and by email.
    async def document() -> bool:
        return any(m.get("document") for m in await stack.messages("client", "salma"))

    await eventually(document, "the invoice in the chat")
    [doc] = [m["document"] for m in await stack.messages("client", "salma") if m.get("document")]
    async with stack.http.get(doc["url"]) as response:
        assert response.status == 200
        text = PdfReader(io.BytesIO(await response.read())).pages[0].extract_text()
    assert "MSB-2026-000001" in text

    async def emails() -> bool:
        return len(stack.mailbox.messages) == 2

    await eventually(emails, "the invoice and confirmation emails")

    # Delivered, confirmed: the offline card pays the balance.
    said = await deliver_and_confirm(stack, "salma", booking_id)
    assert "saved card" in said
    await stack.reaches(booking_id, "completed")  # charged by the worker, after the commit
    booking = await stack.booking(booking_id)
    assert booking.paid_minor == booking.total_minor
    async with stack.uows() as uow:
        numbers = (await uow.session.scalars(select(Invoice.number).order_by(Invoice.id))).all()
    assert numbers == ["MSB-2026-000001", "MSB-2026-000002"]


async def test_offline_decline_then_fail_then_pay_by_link(stack: Stack) -> None:
    async with stack.uows() as uow:
        service = await uow.session.get(Service, stack.service_id)
        assert service is not None
        service.price_minor = 1_000_003  # deposit 3 000,01; balance 7 000,02: declined
        await uow.commit()
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    seen: set[str] = set()
    assert await press(stack, await link_in_chat(stack, "omar", seen), "pay") == 303
    booking = await stack.booking(booking_id)
    assert (booking.total_minor - booking.paid_minor) % 100 == 2

    said = await deliver_and_confirm(stack, "omar", booking_id)
    assert "saved card" in said and not PAY_LINK.findall(said)
    # The worker's charge is declined: the news of the balance due carries a link.
    await stack.reaches(booking_id, "payment_due")
    balance_link = await link_in_chat(stack, "omar", seen)
    assert await press(stack, balance_link, "fail") == 200
    assert (await stack.booking(booking_id)).state == "payment_due"
    # A fresh link on request; this time the client pays.
    answer = await stack.send("client", "omar", payload=f"g|pay:{booking_id}")
    fresh = PAY_LINK.findall(answer[-1]["text"])[-1]
    assert fresh != balance_link
    assert await press(stack, fresh, "pay") == 303
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("completed", booking.total_minor)
