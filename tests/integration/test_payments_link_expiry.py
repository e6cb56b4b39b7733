"""Issue 12 item 10: a booking that stops waiting for money leaves no payable link.

Cancelling (and the expiry sweep) expire the booking's open Checkout session through
the outbox, after the commit: against the fake Stripe API, whose expired sessions take
no payment, and against the offline gateway's own page. A payment that beats the expiry
is still refunded and flagged.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from core.booking.actions import cancel_booking, expire_due
from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import Flag, OutboxMessage, Payment
from core.notifications.outbox import deliver_due
from core.payments.checkout_expiry import expire_checkout
from core.payments.checkout_links import deposit_link
from core.payments.gateway_tasks import GatewayTasks
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.fakes.stripe_api import FakeStripe, SessionClosed
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.migrated import migrate
from tests.support.payments import (
    API_KEY,
    Stack,
    eventually,
    fake_stripe,
    payment_stack,
    sqlite_payment_stack,
)

LINKS = HmacLinks(b"x" * 32, "http://127.0.0.1:1")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


async def cancel_in_chat(stack: Stack, chat: str, booking_id: int) -> None:
    await stack.send("client", chat, payload=f"g|bk:{booking_id}")
    await stack.click("client", chat, "cancel")
    await stack.click("client", chat, "yes")


def session_status(stack: Stack, session_id: str) -> str:
    return str(stack.fake.sessions[session_id]["status"])


async def expired_everywhere(stack: Stack, booking_id: int, session_id: str) -> None:
    async def done() -> bool:
        [payment] = await stack.payments(booking_id)
        return payment.status == "expired" and session_status(stack, session_id) == "expired"

    await eventually(done, "the session expired at Stripe and here")


async def test_cancelling_expires_the_deposit_session(stack: Stack) -> None:
    client = await stack.client("amal", email_address=None)
    booking_id = await stack.book(client, days_ahead=10)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    await cancel_in_chat(stack, "amal", booking_id)
    assert (await stack.booking(booking_id)).state == "cancelled"
    await expired_everywhere(stack, booking_id, session_id)
    [call] = stack.fake.posts(f"/checkout/sessions/{session_id}/expire")
    assert call.status == 200
    # The link the client still has takes no money: nothing to refund, no fee lost.
    with pytest.raises(SessionClosed):
        stack.fake.pay_checkout(session_id)
    # Stripe's own "expired" event afterwards changes nothing.
    [expired_event] = stack.fake.sent
    assert await stack.fake.deliver(expired_event) == [200, 200, 200]
    assert [p.status for p in await stack.payments(booking_id)] == ["expired"]
    assert stack.fake.refunds == {} and stack.fake.intents == {}


async def test_the_expiry_sweep_expires_the_deposit_session(stack: Stack) -> None:
    client = await stack.client("reda", email_address=None)
    booking_id = await stack.book(client, days_ahead=10)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    stack.clock.advance(timedelta(hours=49))  # the deposit window passes
    async with stack.uows() as uow:
        assert await expire_due(uow, now=stack.clock.now()) == [booking_id]
        await uow.commit()
    await expired_everywhere(stack, booking_id, session_id)
    with pytest.raises(SessionClosed):
        stack.fake.pay_checkout(session_id)


async def test_a_payment_that_beats_the_expiry_is_refunded_and_flagged(stack: Stack) -> None:
    client = await stack.client("yassine", email_address=None)
    booking_id = await stack.book(client, days_ahead=10)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    late = stack.fake.pay_checkout(session_id)  # paid on Stripe's page; the webhooks lag
    await cancel_in_chat(stack, "yassine", booking_id)

    async def asked() -> bool:
        return bool(stack.fake.posts(f"/checkout/sessions/{session_id}/expire")) or any(
            c.path == f"/checkout/sessions/{session_id}" for c in stack.fake.calls
        )

    await eventually(asked, "the expiry reaching Stripe")
    assert session_status(stack, session_id) == "complete"  # too late to expire
    for event in late:
        assert await stack.fake.deliver(event) == [200, 200, 200]
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("cancelled", 0)
    [refund] = stack.fake.refunds.values()
    assert refund["amount"] == booking.deposit_minor
    async with stack.uows() as uow:
        flags = (await uow.session.scalars(select(Flag.kind))).all()
    assert "unwanted_payment" in flags


async def test_offline_link_of_a_cancelled_booking_takes_no_payment(
    tmp_path: Path, clock: FixedClock
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'offline.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe=False) as stack:
        client = await stack.client("hiba", email_address=None)
        booking_id = await stack.book(client, days_ahead=10)
        await stack.accept(booking_id)
        session_id = await stack.pending_session(booking_id)
        assert session_id.startswith("cs_offline_")
        await cancel_in_chat(stack, "hiba", booking_id)
        async with stack.http.post(
            f"{stack.url}/pay/{session_id}", data={"action": "pay"}, allow_redirects=False
        ) as response:
            assert response.status == 409  # was 303 to "thank you", then a refund
        booking = await stack.booking(booking_id)
        assert (booking.state, booking.paid_minor, booking.refunded_minor) == ("cancelled", 0, 0)

        async def expired() -> bool:
            return [p.status for p in await stack.payments(booking_id)] == ["expired"]

        await eventually(expired, "the offline session expired")
        async with stack.http.get(f"{stack.url}/pay/{session_id}") as response:
            assert (
                "This link has expired. A new one is waiting in the chat." in await response.text()
            )


# --- Reliability: the outbox retries until the gateway has expired the session ---------


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    async with fake_stripe(clock) as running:
        yield running


async def payment_status(uows: UnitOfWorkFactory, payment_id: int) -> str | None:
    async with uows() as uow:
        return await uow.session.scalar(select(Payment.status).where(Payment.id == payment_id))


async def test_expiry_waits_out_a_gateway_outage_and_survives_a_crash(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe
) -> None:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service_id, now.date() + timedelta(days=10))
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    live = StripeGateway(API_KEY, api_url=fake.url, return_url="http://127.0.0.1:1")
    down = StripeGateway(API_KEY, api_url="http://127.0.0.1:9", return_url="http://127.0.0.1:1")
    try:
        link = await deposit_link(uows, live, booking_id, now)
        async with uows() as uow:
            await cancel_booking(uow, booking_id, Actor(Role.CLIENT, client), now=now)
            await uow.commit()
        # Stripe unreachable: the link is dead here already, and the call waits.
        assert (
            await deliver_due(uows, GatewayTasks(uows, Payments(down, LINKS), clock), now=now) == 0
        )
        async with uows() as uow:
            row = await uow.session.scalar(
                select(OutboxMessage).where(OutboxMessage.kind == "expire_checkout")
            )
            assert row is not None
            assert (row.channel, row.status, row.attempts) == ("gateway", "pending", 1)
            assert row.last_error
            payment_id = int(row.payload["payment_id"])
        assert fake.sessions[link.id]["status"] == "open"
        later = now + timedelta(minutes=5)
        assert (
            await deliver_due(uows, GatewayTasks(uows, Payments(live, LINKS), clock), now=later)
            == 1
        )
        assert fake.sessions[link.id]["status"] == "expired"
        assert await payment_status(uows, payment_id) == "expired"
        # A crash after Stripe's answer and before ours was recorded: the retry asks
        # again, learns the session is expired, and records it.
        async with uows() as uow:
            await uow.session.execute(
                update(Payment).where(Payment.id == payment_id).values(status="cancelled")
            )
            await uow.commit()
        result = await expire_checkout(uows, live, payment_id, now=later)
        assert result.outcome == "sent"
        assert await payment_status(uows, payment_id) == "expired"
        assert len(fake.posts(f"/checkout/sessions/{link.id}/expire")) == 1
    finally:
        await live.close()
        await down.close()
