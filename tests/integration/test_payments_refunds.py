"""Refunds through Stripe: by the cancellation policy, by the provider, by hand, disputes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Role
from core.clock import FixedClock
from core.db.tables import Flag, Refund, Ticket
from core.errors import InvalidValue
from core.payments.ledger import period_totals
from core.payments.refund_sending import retry_pending_refunds
from core.payments.refunds import cancel_and_refund, refund_booking
from dialogs.i18n.translator import translator
from payments.stripe_gateway import StripeGateway
from tests.support.payments import API_KEY, Stack, eventually, sqlite_payment_stack

en = translator("en")


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


async def refunded(stack: Stack, booking_id: int, amount: int) -> bool:
    return (await stack.booking(booking_id)).refunded_minor == amount


async def cancel_in_chat(stack: Stack, chat: str, booking_id: int) -> str:
    await stack.send("client", chat, payload=f"g|bk:{booking_id}")
    await stack.click("client", chat, "cancel")
    answer = await stack.click("client", chat, "yes")
    return "\n".join(m["text"] for m in answer)  # outbox news may land in between


@pytest.mark.parametrize(("days", "share"), [(40, 10_000), (10, 5_000), (3, 0)])
async def test_client_cancels_refund_by_policy(stack: Stack, days: int, share: int) -> None:
    client = await stack.client("salma", email_address=None)
    booking_id = await stack.confirmed(client, "salma", days_ahead=days)
    said = await cancel_in_chat(stack, "salma", booking_id)
    booking = await stack.booking(booking_id)
    expected = booking.deposit_minor * share // 10_000
    assert booking.state == "cancelled"
    if expected:
        # Sent by the outbox worker after the step's commit, not inside it.
        await eventually(
            lambda: refunded(stack, booking_id, expected), f"{expected} back to the client"
        )
        [refund] = list(stack.fake.refunds.values())
        [call] = stack.fake.posts("/refunds")
        assert call.idempotency_key == f"booking-{booking_id}-refund-1"
        assert refund["amount"] == expected
        assert en("A refund of {amount} is on its way.", amount=en.money(expected)) in said
        # Stripe then reports the refund, three times: already booked, nothing changes.
        [payment] = await stack.payments(booking_id)
        assert payment.payment_intent_id is not None
        event = stack.fake.charge_refunded(payment.payment_intent_id)
        assert await stack.fake.deliver(event) == [200, 200, 200]
        assert (await stack.booking(booking_id)).refunded_minor == expected
    else:
        assert booking.refunded_minor == 0
        assert stack.fake.refunds == {} and stack.fake.posts("/refunds") == []
        assert en("Booking {ref} is cancelled.", ref=booking.reference) in said
        assert "refund" not in said


async def test_provider_cancels_full_refund(stack: Stack) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.confirmed(client, "omar", days_ahead=3)  # late: still 100 %
    async with stack.uows() as uow:
        _, refund = await cancel_and_refund(
            uow,
            booking_id,
            Actor(Role.PROVIDER, stack.provider_owner),
            now=stack.clock.now(),
            reason="provider ill",
        )
        await uow.commit()
    booking = await stack.booking(booking_id)
    assert refund.amount == booking.deposit_minor
    await eventually(lambda: refunded(stack, booking_id, refund.amount), "the deposit back")
    async with stack.uows() as uow:
        [row] = (await uow.session.scalars(select(Refund))).all()
        assert (row.actor_role, row.status, row.external_id) == (
            "provider",
            "succeeded",
            next(iter(stack.fake.refunds)),
        )


async def test_admin_refunds_odd_amounts_and_never_more(
    stack: Stack, gateway: StripeGateway
) -> None:
    client = await stack.client("nora", email_address=None)
    booking_id = await stack.confirmed(client, "nora", days_ahead=20)
    booking = await stack.booking(booking_id)
    system = Actor.system()
    for amount in (1, 333):
        outcome = await stack.refund_now(gateway, booking_id, amount, actor=system)
        assert outcome.complete
    rest = booking.deposit_minor - 334
    async with stack.uows() as uow:
        with pytest.raises(InvalidValue):
            await refund_booking(
                uow,
                booking_id,
                rest + 1,
                reason="too much",
                actor=system,
                now=stack.clock.now(),
            )
    keys = [c.idempotency_key for c in stack.fake.posts("/refunds")]
    assert keys == [f"booking-{booking_id}-refund-1", f"booking-{booking_id}-refund-2"]
    assert (await stack.booking(booking_id)).refunded_minor == 334
    # The period report adds up to the cent.
    async with stack.uows() as uow:
        now = stack.clock.now()
        totals, lines = await period_totals(
            uow.session, now - timedelta(days=1), now + timedelta(days=1), commission_bp=1000
        )
    assert (totals.paid, totals.refunded) == (booking.deposit_minor, 334)
    assert totals.commission + totals.provider_share == totals.paid - totals.refunded
    assert [line.booking_id for line in lines] == [booking_id]


async def test_refund_made_in_the_dashboard_is_booked_once(stack: Stack) -> None:
    client = await stack.client("karim", email_address=None)
    booking_id = await stack.confirmed(client, "karim", days_ahead=20)
    [payment] = await stack.payments(booking_id)
    assert payment.payment_intent_id is not None
    event = stack.fake.refund_in_dashboard(payment.payment_intent_id, 1001)
    assert await stack.fake.deliver(event) == [200, 200, 200]
    booking = await stack.booking(booking_id)
    assert booking.refunded_minor == 1001
    async with stack.uows() as uow:
        [row] = (await uow.session.scalars(select(Refund))).all()
        assert (row.amount_minor, row.status, row.reason) == (
            1001,
            "succeeded",
            "refunded at the gateway",
        )


async def test_refund_waits_while_stripe_is_down(stack: Stack, gateway: StripeGateway) -> None:
    client = await stack.client("hind", email_address=None)
    booking_id = await stack.confirmed(client, "hind", days_ahead=40)
    real_url = stack.fake.url
    down = StripeGateway(API_KEY, api_url="http://127.0.0.1:9", return_url=stack.url)
    deposit = (await stack.booking(booking_id)).deposit_minor
    try:
        outcome = await stack.refund_now(down, booking_id, deposit)
    finally:
        await down.close()
    assert (outcome.sent, outcome.pending) == (0, deposit)
    assert (await stack.booking(booking_id)).refunded_minor == 0
    stack.clock.advance(timedelta(minutes=10))
    assert stack.fake.url == real_url
    done = await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now())
    assert len(done) == 1
    assert (await stack.booking(booking_id)).refunded_minor == deposit
    assert [c.idempotency_key for c in stack.fake.posts("/refunds")] == [
        f"booking-{booking_id}-refund-1"
    ]
    assert await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now()) == []


async def test_refund_retries_back_off_while_stripe_stays_down(stack: Stack) -> None:
    """Tries at 5, 10, 20, 40 … minutes of waiting, not every sweep: over six hours of a
    gateway that stays down, the sweep runs 36 times and calls the gateway only a few."""
    client = await stack.client("hind", email_address=None)
    booking_id = await stack.confirmed(client, "hind", days_ahead=40)
    down = StripeGateway(API_KEY, api_url="http://127.0.0.1:9", return_url=stack.url)
    try:
        await stack.refund_now(down, booking_id, (await stack.booking(booking_id)).deposit_minor)
        tries: list[int] = []
        start = stack.clock.now()
        for _ in range(36):  # the sweep's 10-minute period, for six hours
            stack.clock.advance(timedelta(minutes=10))
            async with stack.uows() as uow:
                before = (await uow.session.scalars(select(Refund))).one().updated_at
            await retry_pending_refunds(stack.uows, down, now=stack.clock.now())
            async with stack.uows() as uow:
                refund = (await uow.session.scalars(select(Refund))).one()
                status, after = refund.status, refund.updated_at
            if after != before:
                tries.append(int((stack.clock.now() - start).total_seconds() // 60))
    finally:
        await down.close()
    assert status == "pending"
    assert tries == [10, 20, 40, 80, 160, 320], tries


async def test_dispute_puts_the_booking_under_review(stack: Stack) -> None:
    client = await stack.client("laila", email_address=None)
    booking_id = await stack.confirmed(client, "laila", days_ahead=20)
    [payment] = await stack.payments(booking_id)
    assert payment.payment_intent_id is not None
    event = stack.fake.dispute(payment.payment_intent_id)
    assert await stack.fake.deliver(event) == [200, 200, 200]
    assert (await stack.booking(booking_id)).state == "disputed"
    async with stack.uows() as uow:
        flags = (await uow.session.scalars(select(Flag.kind))).all()
        tickets = (await uow.session.scalars(select(Ticket))).all()
        assert flags == ["payment_dispute"]
        assert [(t.user_id, t.booking_id) for t in tickets] == [(client, booking_id)]


async def test_a_refund_stripe_refuses_fails_and_an_admin_is_told(
    stack: Stack, gateway: StripeGateway
) -> None:
    """Someone refunded most of the payment in Stripe's dashboard and its webhook has not
    come yet: our refund of the whole deposit is more than Stripe has left to give. Stripe
    keeps that "no" under the refund's key, so sending it again can't do better."""
    client = await stack.client("amal", email_address=None)
    booking_id = await stack.confirmed(client, "amal", days_ahead=20)
    deposit = (await stack.booking(booking_id)).deposit_minor
    [payment] = await stack.payments(booking_id)
    assert payment.payment_intent_id is not None
    stack.fake.refund_in_dashboard(payment.payment_intent_id, 1000)  # its event not sent
    outcome = await stack.refund_now(gateway, booking_id, deposit)
    assert (outcome.sent, outcome.pending, outcome.failed) == (0, 0, deposit)
    async with stack.uows() as uow:
        [refund] = (await uow.session.scalars(select(Refund))).all()
        assert refund.status == "failed" and "greater than the unrefunded" in (refund.error or "")
        flags = (await uow.session.execute(select(Flag.kind, Flag.subject_id))).all()
    assert [tuple(f) for f in flags] == [("refund_failed", str(booking_id))]
    assert (await stack.booking(booking_id)).refunded_minor == 0
    stack.clock.advance(timedelta(hours=1))
    assert await retry_pending_refunds(stack.uows, gateway, now=stack.clock.now()) == []
    assert len(stack.fake.posts("/refunds")) == 1  # not asked again
