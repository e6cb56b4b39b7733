"""Issue 20: refunds that are still pending, through the whole app on loopback.

A refund the gateway has not confirmed yet still counts: a second refund can't give back
money the first one is already giving back, Stripe's report of it books it (once), and
the provider's share is not worked out until it has landed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Flag, LedgerEntry, Refund
from core.errors import InvalidValue
from core.payments.ports import Payments
from core.payments.refund_sending import RefundOutcome, retry_pending_refunds
from core.payments.sweeps import settle_waiting_payouts
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.support.payments import (
    API_KEY,
    PROVIDER_SLUG,
    Stack,
    sqlite_payment_stack,
)


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(API_KEY, api_url=stack.fake.url, return_url=stack.url)
    try:
        yield gw
    finally:
        await gw.close()


async def refund(
    stack: Stack, gateway: StripeGateway, booking_id: int, amount: int
) -> RefundOutcome:
    """An admin (here the system) gives ``amount`` back."""
    return await stack.refund_now(gateway, booking_id, amount)


async def refund_while_stripe_is_down(stack: Stack, booking_id: int, amount: int) -> None:
    down = StripeGateway(API_KEY, api_url="http://127.0.0.1:9", return_url=stack.url)
    try:
        outcome = await refund(stack, down, booking_id, amount)
    finally:
        await down.close()
    assert (outcome.sent, outcome.pending) == (0, amount)


async def completed(stack: Stack, chat: str) -> int:
    """Deposit paid by Checkout, balance charged off-session: two payments, two intents."""
    client = await stack.client(chat, email_address=None)
    booking_id = await stack.confirmed(client, chat, days_ahead=20)
    booking = await stack.booking(booking_id)
    stack.clock.set(booking.ends_at + timedelta(hours=1))
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|pdel:{booking_id}")
    await stack.send("client", chat, payload=f"g|bk:{booking_id}")
    await stack.click("client", chat, "confirm")
    await stack.reaches(booking_id, "completed")
    return booking_id


async def refund_rows(stack: Stack, booking_id: int) -> list[tuple[int, int, str]]:
    async with stack.uows() as uow:
        rows = (
            await uow.session.scalars(
                select(Refund).where(Refund.booking_id == booking_id).order_by(Refund.id)
            )
        ).all()
        return [(r.payment_id, r.amount_minor, r.status) for r in rows]


async def test_a_second_refund_leaves_room_for_the_pending_one(
    stack: Stack, gateway: StripeGateway
) -> None:
    booking_id = await completed(stack, "salma")
    paid = (await stack.booking(booking_id)).paid_minor
    deposit, balance = await stack.payments(booking_id)
    await refund_while_stripe_is_down(stack, booking_id, 1000)  # on the balance, newest
    with pytest.raises(InvalidValue) as caught:
        await refund(stack, gateway, booking_id, paid - 1000 + 1)
    assert caught.value.key == "refund_out_of_range"
    assert caught.value.params["available"] == paid - 1000
    # All the rest may go back: what the balance has left, then the deposit.
    outcome = await refund(stack, gateway, booking_id, paid - 1000)
    assert outcome.complete
    assert await refund_rows(stack, booking_id) == [
        (balance.id, 1000, "pending"),
        (balance.id, balance.amount_minor - 1000, "succeeded"),
        (deposit.id, deposit.amount_minor, "succeeded"),
    ]
    stack.clock.advance(timedelta(minutes=10))
    assert len(await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now())) == 1
    booking = await stack.booking(booking_id)
    assert booking.refunded_minor == booking.paid_minor == paid
    for payment in (deposit, balance):  # never more than a payment took, at Stripe either
        sent = [
            r
            for r in stack.fake.refunds.values()
            if r["payment_intent"] == payment.payment_intent_id
        ]
        assert sum(r["amount"] for r in sent) == payment.amount_minor


async def test_stripes_report_of_a_pending_refund_books_it_once(
    stack: Stack, gateway: StripeGateway
) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.confirmed(client, "omar", days_ahead=20)
    [payment] = await stack.payments(booking_id)
    assert payment.payment_intent_id is not None
    await refund_while_stripe_is_down(stack, booking_id, 1000)
    # Stripe did give the 1000 back (the request reached it, the answer was lost) and
    # reports it: that is the pending refund, not another one made in the dashboard.
    event = stack.fake.refund_in_dashboard(payment.payment_intent_id, 1000)
    assert await stack.fake.deliver(event) == [200, 200, 200]
    assert await refund_rows(stack, booking_id) == [(payment.id, 1000, "succeeded")]
    assert (await stack.booking(booking_id)).refunded_minor == 1000
    stack.clock.advance(timedelta(minutes=10))
    assert await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now()) == []
    assert stack.fake.posts("/refunds") == [] and len(stack.fake.refunds) == 1
    async with stack.uows() as uow:
        assert (await uow.session.scalars(select(Flag.kind))).all() == []


async def test_the_payout_waits_for_a_pending_refund(stack: Stack, gateway: StripeGateway) -> None:
    payments = Payments(gateway, HmacLinks(b"x" * 32, stack.url), 1000)
    client = await stack.client("nora", email_address=None)
    booking_id = await stack.confirmed(client, "nora", days_ahead=20)
    await refund_while_stripe_is_down(stack, booking_id, 1000)
    booking = await stack.booking(booking_id)
    stack.clock.set(booking.ends_at + timedelta(hours=1))
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|pdel:{booking_id}")
    await stack.send("client", "nora", payload=f"g|bk:{booking_id}")
    await stack.click("client", "nora", "confirm")
    await stack.reaches(booking_id, "completed")
    # The share depends on the refund still on its way: no payout yet.
    async with stack.uows() as uow:
        kinds = (
            await uow.session.scalars(
                select(LedgerEntry.kind).where(LedgerEntry.booking_id == booking_id)
            )
        ).all()
    assert sorted(kinds) == ["payment", "payment"]
    assert await settle_waiting_payouts(stack.uows, payments, now=stack.clock.now()) == []
    # The refund lands; then the sweep pays the share of what the booking kept, once.
    stack.clock.advance(timedelta(minutes=10))
    assert len(await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now())) == 1
    now = stack.clock.now()
    assert await settle_waiting_payouts(stack.uows, payments, now=now) == [booking_id]
    assert await settle_waiting_payouts(stack.uows, payments, now=now) == []
    async with stack.uows() as uow:
        payouts = (
            await uow.session.execute(
                select(LedgerEntry.amount_minor, LedgerEntry.status).where(
                    LedgerEntry.booking_id == booking_id, LedgerEntry.kind == "payout"
                )
            )
        ).all()
    kept = booking.total_minor - 1000
    assert [tuple(p) for p in payouts] == [(kept - kept // 10, "owed")]
