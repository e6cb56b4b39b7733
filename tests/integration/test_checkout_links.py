"""Checkout links made with no transaction open (core/payments/checkout_links.py): two
asked at once hand out one, a gateway failure leaves no payment behind, and a payment a
crash left without its link is cleared by the next request. On both backends, against
the fake Stripe on loopback through stripe-python."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import OutboxMessage, Payment
from core.payments.checkout_links import ORPHANED_AFTER, deposit_link
from core.payments.ports import GatewayError
from core.uow import UnitOfWorkFactory
from payments.stripe_gateway import StripeGateway
from tests.fakes.stripe_api import FakeStripe
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.payments import API_KEY, WEBHOOK_SECRET


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    running = await FakeStripe(API_KEY, WEBHOOK_SECRET, clock).start()
    try:
        yield running
    finally:
        await running.close()


@pytest.fixture
async def gateway(fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(API_KEY, api_url=fake.url, return_url="http://127.0.0.1:1")
    try:
        yield gw
    finally:
        await gw.close()


async def accepted(uows: UnitOfWorkFactory, clock: FixedClock) -> int:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now)
    client = await make_user(uows, now)
    booking_id = await request(uows, now, client, service_id, now.date() + timedelta(days=10))
    await act(uows, booking_id, Action.ACCEPT, Actor(Role.PROVIDER, owner), now=now)
    return booking_id


async def rows(uows: UnitOfWorkFactory) -> list[tuple[str, str | None, int]]:
    """Each payment: status, Checkout session, attempt."""
    async with uows() as uow:
        found = await uow.session.execute(
            select(Payment.status, Payment.checkout_session_id, Payment.attempt).order_by(
                Payment.id
            )
        )
        return [tuple(r) for r in found.all()]  # type: ignore[misc]


async def test_two_links_asked_at_once_hand_out_one(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe, gateway: StripeGateway
) -> None:
    """The news's link and a "Pay" press at the same moment: both are made (neither
    waited for the other with a transaction open), the first stored is handed out to
    both, and the other is dropped and its session expired by the outbox worker."""
    booking_id = await accepted(uows, clock)
    fake.slow["/checkout/sessions"] = 0.5
    first, second = await asyncio.gather(
        deposit_link(uows, gateway, booking_id, clock.now()),
        deposit_link(uows, gateway, booking_id, clock.now()),
    )
    assert first == second
    assert len(fake.posts("/checkout/sessions")) == 2
    [kept, dropped] = sorted(await rows(uows), key=lambda r: r[1] != first.id)
    assert kept == ("pending", first.id, kept[2])
    assert dropped[0] == "cancelled" and dropped[1] != first.id
    async with uows() as uow:
        [task] = (
            await uow.session.execute(
                select(OutboxMessage.kind, OutboxMessage.channel).where(
                    OutboxMessage.channel == "gateway"
                )
            )
        ).all()
    assert tuple(task) == ("expire_checkout", "gateway")
    # Asked again: the same link, no new session.
    assert await deposit_link(uows, gateway, booking_id, clock.now()) == first
    assert len(fake.posts("/checkout/sessions")) == 2


async def test_a_gateway_failure_leaves_no_payment_behind(
    uows: UnitOfWorkFactory, clock: FixedClock
) -> None:
    booking_id = await accepted(uows, clock)
    down = StripeGateway(API_KEY, api_url="http://127.0.0.1:9", return_url="http://127.0.0.1:1")
    try:
        with pytest.raises(GatewayError):
            await deposit_link(uows, down, booking_id, clock.now())
    finally:
        await down.close()
    assert await rows(uows) == []


async def test_a_payment_a_crash_left_without_its_link_is_cleared(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe, gateway: StripeGateway
) -> None:
    """A process died between writing the payment and storing its link: the next request
    for a link, past ORPHANED_AFTER, deletes it; one younger (maybe still being made) is
    left alone."""
    booking_id = await accepted(uows, clock)
    now = clock.now()
    async with uows() as uow:
        for age in (ORPHANED_AFTER + timedelta(seconds=1), timedelta(seconds=5)):
            uow.session.add(
                Payment(
                    booking_id=booking_id,
                    kind="deposit",
                    attempt=1 if age > ORPHANED_AFTER else 2,
                    amount_minor=100,
                    currency="MAD",
                    status="pending",
                    gateway="stripe",
                    refunded_minor=0,
                    created_at=now - age,
                    updated_at=now - age,
                )
            )
        await uow.commit()
    link = await deposit_link(uows, gateway, booking_id, now)
    assert await rows(uows) == [("pending", None, 2), ("pending", link.id, 3)]
