"""Issue 20: payment rules a planted bug slipped past, through the whole app on loopback.

Confirming a delivery (only the booking's client, and the balance charged once), when a
Checkout link may be made and how long it lives, a card declined on Checkout, and the
invoice year in the market's time zone.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Role
from core.clock import FixedClock
from core.db.tables import Invoice
from core.errors import InvalidValue
from core.payments.balance import confirm_and_charge
from core.payments.checkout_links import deposit_link
from core.payments.ports import Payments
from core.payments.sweeps import auto_confirm_deliveries
from dialogs.i18n.translator import translator
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.fakes.stripe_api import BANK_DEBIT
from tests.support.payments import (
    API_KEY,
    PROVIDER_SLUG,
    Stack,
    eventually,
    sqlite_payment_stack,
)

en, fr = translator("en"), translator("fr")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


@pytest.fixture
async def payments(stack: Stack) -> AsyncIterator[Payments]:
    gateway = StripeGateway(API_KEY, api_url=stack.fake.url, return_url=stack.url)
    try:
        yield Payments(gateway, HmacLinks(b"x" * 32, stack.url), 1000)
    finally:
        await gateway.close()


async def delivered(stack: Stack, client: int, chat: str, card: str = "pm_card_visa") -> int:
    """A booking whose deposit was paid with ``card`` and which the provider delivered."""
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    await stack.pay_deposit(booking_id, card)
    booking = await stack.booking(booking_id)
    stack.clock.set(booking.ends_at + timedelta(hours=1))
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|pdel:{booking_id}")
    assert (await stack.booking(booking_id)).state == "delivered"
    return booking_id


async def forge(stack: Stack, chat: str, code: str) -> str:
    """Press ``code`` on the chat's current screen, whether or not it shows that button.

    The current screen is the newest one (screens are numbered in hex as they are shown),
    not the last message: news delivered meanwhile, or a screen edited in place, can sit
    after it in the transcript."""
    screens = [
        b["payload"].partition("|")[0]
        for message in await stack.messages("client", chat)
        for row in message.get("buttons") or ()
        for b in row
        if not b["payload"].startswith("g|") and not b.get("url")
    ]
    screens = [seq for seq in screens if all(c in "0123456789abcdef" for c in seq)]
    if not screens:
        raise AssertionError(f"no screen with buttons in chat {chat}")
    newest = max(screens, key=lambda seq: int(seq, 16))
    answer = await stack.send("client", chat, payload=f"{newest}|{code}")
    return "\n".join(m["text"] for m in answer)


async def test_a_stranger_cannot_confirm_my_delivery(stack: Stack) -> None:
    owner = await stack.client("salma", email_address=None)
    await stack.client("intruder", email_address=None, locale="fr")
    booking_id = await delivered(stack, owner, "salma")
    # A forged global button naming someone else's booking: refused, in the intruder's
    # language, and nothing of the booking is shown or done.
    answer = await stack.send("client", "intruder", payload=f"g|bk:{booking_id}")
    said = "\n".join(m["text"] for m in answer)
    assert fr("This booking is not yours.") in said
    assert (await stack.booking(booking_id)).reference not in said
    said = await forge(stack, "intruder", "confirm")
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.delivery_confirmed_at) == ("delivered", None)
    assert booking.reference not in said
    assert stack.fake.posts("/payment_intents") == []
    # The provider's bot has no way to confirm either.
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|bk:{booking_id}")
    assert (await stack.booking(booking_id)).delivery_confirmed_at is None
    assert stack.fake.posts("/payment_intents") == []


async def test_the_balance_is_charged_once(stack: Stack, payments: Payments) -> None:
    client = await stack.client("nora", email_address=None)
    booking_id = await delivered(stack, client, "nora", card=BANK_DEBIT)
    await stack.send("client", "nora", payload=f"g|bk:{booking_id}")
    answer = await stack.click("client", "nora", "confirm")
    booking = await stack.booking(booking_id)
    charging = en(
        "Thank you for confirming {ref}. We are charging the balance of {amount} to your "
        "saved card and will tell you here when it is done.",
        ref=booking.reference,
        amount=en.money(booking.total_minor - booking.paid_minor),
    )
    assert charging in "\n".join(m["text"] for m in answer)

    async def charged() -> bool:  # by the outbox worker, after the confirmation's commit
        return any(i["status"] == "processing" for i in stack.fake.intents.values())

    await eventually(charged, "the off-session charge")
    # The charge is processing: the booking stays delivered, the confirmation is kept.
    booking = await stack.booking(booking_id)
    assert booking.state == "delivered" and booking.delivery_confirmed_at is not None
    [charge] = stack.fake.posts("/payment_intents")
    # Confirming again (a forged press; the screen no longer offers it), the sweep, and
    # the service itself: none charges a second time.
    said = await forge(stack, "nora", "confirm")
    assert en("There is no delivery to confirm for this booking.") in said
    stack.clock.advance(timedelta(days=4))
    assert await auto_confirm_deliveries(stack.uows, payments, now=stack.clock.now()) == []
    async with stack.uows() as uow:
        with pytest.raises(InvalidValue):
            await confirm_and_charge(
                uow, payments, booking_id, Actor(Role.CLIENT, client), now=stack.clock.now()
            )
    assert stack.fake.posts("/payment_intents") == [charge]
    # The bank then says yes: completed, paid in full, once.
    [intent_id] = [i for i, v in stack.fake.intents.items() if v["status"] == "processing"]
    assert await stack.fake.deliver(stack.fake.settle_intent(intent_id)) == [200, 200, 200]
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("completed", booking.total_minor)


async def test_no_deposit_link_before_the_provider_accepts(stack: Stack) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    answer = await stack.send("client", "omar", payload=f"g|pay:{booking_id}")
    ref = (await stack.booking(booking_id)).reference
    assert answer[-1]["text"] == en("There is nothing to pay for {ref} right now.", ref=ref)
    gateway = StripeGateway(API_KEY, api_url=stack.fake.url, return_url=stack.url)
    try:
        with pytest.raises(InvalidValue) as caught:
            await deposit_link(stack.uows, gateway, booking_id, stack.clock.now())
    finally:
        await gateway.close()
    assert caught.value.key == "deposit_not_due"
    assert stack.fake.posts("/checkout/sessions") == [] and stack.fake.customers == {}
    assert await stack.payments(booking_id) == []


async def test_a_link_never_outlives_the_deposit_deadline(stack: Stack) -> None:
    client = await stack.client("karim", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    first = await stack.pending_session(booking_id)
    # A day and a half later the first link has died; 18 h are left to pay the deposit.
    stack.clock.advance(timedelta(hours=30))
    answer = await stack.send("client", "karim", payload=f"g|pay:{booking_id}")
    second = await stack.pending_session(booking_id)
    assert second != first and stack.fake.sessions[second]["url"] in answer[-1]["text"]
    deadline = (await stack.booking(booking_id)).expires_at
    assert deadline is not None
    assert deadline - stack.clock.now() == timedelta(hours=18)
    assert stack.fake.sessions[second]["expires_at"] <= deadline.timestamp()
    [payment] = [p for p in await stack.payments(booking_id) if p.checkout_session_id == second]
    assert payment.checkout_expires_at is not None
    assert payment.checkout_expires_at.replace(tzinfo=UTC) <= deadline.replace(tzinfo=UTC)


async def test_a_card_declined_on_checkout_leaves_the_link_open(stack: Stack) -> None:
    client = await stack.client("hind", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    event = stack.fake.decline_on_checkout(session_id)
    assert await stack.fake.deliver(event) == [200, 200, 200]
    # The page stays open for another card: the payment waits, the client is offered
    # the same link again, and no second session is made.
    [payment] = await stack.payments(booking_id)
    assert (payment.status, payment.failure_reason) == ("pending", None)
    assert (await stack.booking(booking_id)).state == "accepted"
    answer = await stack.send("client", "hind", payload=f"g|pay:{booking_id}")
    assert stack.fake.sessions[session_id]["url"] in answer[-1]["text"]
    assert len(stack.fake.posts("/checkout/sessions")) == 1
    # The second card goes through on the same page.
    await stack.pay_deposit(booking_id)
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("confirmed", booking.deposit_minor)


async def test_the_invoice_year_is_the_markets(stack: Stack) -> None:
    # 23:30 UTC on New Year's Eve is already 00:30 on 1 January 2027 in Casablanca.
    stack.clock.set(datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    client = await stack.client("laila", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    await stack.pay_deposit(booking_id)
    async with stack.uows() as uow:
        rows = (await uow.session.execute(select(Invoice.number, Invoice.year))).all()
    assert [tuple(r) for r in rows] == [("MSB-2027-000001", 2027)]
