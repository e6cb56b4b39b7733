"""Checkout links made with no transaction open (core/payments/checkout_links.py): two
asked at once hand out one, and a gateway failure leaves no payment behind. A session
Stripe made after our client gave up, or one a crash left unstored, is found and expired
(core/payments/unfinished_links.py). On both backends, against the fake Stripe on
loopback through stripe-python."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core.booking.actors import Actor
from core.booking.states import Action, Role
from core.clock import FixedClock
from core.db.tables import OutboxMessage, Payment
from core.notifications.outbox import deliver_due
from core.payments.checkout_links import deposit_link
from core.payments.gateway_tasks import GatewayTasks
from core.payments.ports import CheckoutLink, CheckoutRequest, GatewayError, Payments
from core.payments.unfinished_links import ORPHANED_AFTER, SEARCH_AFTER
from core.scheduling.model import SweepContext
from core.scheduling.registry import BY_ID
from core.scheduling.runs import run_sweep
from core.uow import UnitOfWorkFactory
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.fakes.stripe_api import FakeStripe
from tests.support.bookings import act, request
from tests.support.factories import make_provider, make_user
from tests.support.payments import API_KEY, eventually, fake_stripe

LINKS = HmacLinks(b"x" * 32, "http://127.0.0.1:1")


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    async with fake_stripe(clock) as running:
        yield running


@pytest.fixture
async def gateway(fake: FakeStripe) -> AsyncIterator[StripeGateway]:
    gw = StripeGateway(API_KEY, api_url=fake.url, return_url="http://127.0.0.1:1")
    try:
        yield gw
    finally:
        await gw.close()


async def accepted(uows: UnitOfWorkFactory, clock: FixedClock, slug: str = "studio-atlas") -> int:
    now = clock.now()
    owner, _, service_id = await make_provider(uows, now, slug=slug)
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


class Crash(BaseException):
    """The process dies: nothing after this point of make_link runs."""


class Dies(StripeGateway):
    """The process dies as it asks Stripe for the session (``asked=False``) or once
    Stripe made it (``asked=True``): either way before step 3 stores its link."""

    def __init__(self, fake: FakeStripe, *, asked: bool) -> None:
        super().__init__(API_KEY, api_url=fake.url, return_url="http://127.0.0.1:1")
        self.asked = asked

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutLink:
        if self.asked:
            await super().create_checkout(request)
        raise Crash


async def crashed(
    fake: FakeStripe, uows: UnitOfWorkFactory, booking_id: int, at: datetime, *, asked: bool
) -> None:
    """A link for ``booking_id`` whose making a crash cut short at ``at``."""
    dying = Dies(fake, asked=asked)
    try:
        with pytest.raises(Crash):
            await deposit_link(uows, dying, booking_id, at)
    finally:
        await dying.close()


async def gateway_tasks_run(uows: UnitOfWorkFactory, gateway: StripeGateway, at: datetime) -> int:
    """The outbox worker's gateway tasks due at ``at``, run once; how many were done."""
    return await deliver_due(
        uows, GatewayTasks(uows, Payments(gateway, LINKS), FixedClock(at)), now=at
    )


async def expire_tasks(uows: UnitOfWorkFactory) -> list[tuple[int, str, datetime]]:
    """Each queued expire_checkout: its payment, status and when it is due."""
    async with uows() as uow:
        found = await uow.session.execute(
            select(OutboxMessage.payload, OutboxMessage.status, OutboxMessage.next_attempt_at)
            .where(OutboxMessage.kind == "expire_checkout")
            .order_by(OutboxMessage.id)
        )
        return [(int(p["payment_id"]), st, due) for p, st, due in found.all()]


async def test_a_session_stripe_made_after_the_client_gave_up_is_found_and_expired(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe, gateway: StripeGateway
) -> None:
    """Stripe answers after our client stopped waiting, and made the session all the same.
    The payment is cancelled at once; 2 min later the worker finds that session by the
    payment's id in its metadata (among others, over two pages of Stripe's list) and
    expires it. Nobody can pay a link nobody was given, and none stays open at Stripe."""
    booking_id = await accepted(uows, clock)
    now = clock.now()
    impatient = StripeGateway(
        API_KEY, api_url=fake.url, return_url="http://127.0.0.1:1", timeout=0.3
    )
    fake.slow["/checkout/sessions"] = 0.8
    try:
        with pytest.raises(GatewayError) as raised:
            await deposit_link(uows, impatient, booking_id, now)
        assert not raised.value.refused
        [(payment_id, status, due)] = await expire_tasks(uows)
        assert await rows(uows) == [("cancelled", None, 1)]
        assert (status, due) == ("pending", now + SEARCH_AFTER)

        async def made() -> bool:
            return len(fake.sessions) == 1

        await eventually(made, "Stripe making the session it was asked for")
        [ours] = fake.sessions
        assert fake.sessions[ours]["status"] == "open"
        assert fake.sessions[ours]["metadata"]["payment_id"] == str(payment_id)
        del fake.slow["/checkout/sessions"]
        # Others' sessions made since, newest first: ours is on the list's second page.
        others = [
            await deposit_link(uows, impatient, await accepted(uows, clock, f"studio-{n}"), now)
            for n in range(3)
        ]
        for n in range(120):
            fake.sessions[f"cs_test_other{n:03}"] = fake.sessions[ours] | {
                "id": f"cs_test_other{n:03}",
                "metadata": {"payment_id": str(10_000 + n)},
                "created": fake.sessions[ours]["created"] + 1,
            }
        # Not before it is due: the gateway may still be making it.
        assert await gateway_tasks_run(uows, impatient, now) == 0
        assert await gateway_tasks_run(uows, impatient, now + SEARCH_AFTER) == 1
    finally:
        await impatient.close()
    assert fake.sessions[ours]["status"] == "expired"
    assert [s for s, v in fake.sessions.items() if v["status"] == "expired"] == [ours]
    listed = [c for c in fake.calls if (c.method, c.path) == ("GET", "/checkout/sessions")]
    assert len(listed) == 2 and listed[1].params["starting_after"]
    written = int(now.timestamp())
    assert listed[0].params["status"] == "open"
    assert listed[0].params["created"] == {"gte": str(written - 300), "lte": str(written + 600)}
    async with uows() as uow:
        payment = await uow.session.get(Payment, payment_id)
        assert payment is not None
        assert (payment.status, payment.checkout_session_id) == ("expired", ours)
    # The booking's next link is a new one, as ever; the others' links are untouched.
    link = await deposit_link(uows, gateway, booking_id, now)
    assert link.id not in (ours, *(o.id for o in others))


async def test_a_session_a_crash_left_unstored_is_expired_by_the_sweep(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe, gateway: StripeGateway
) -> None:
    """The process died after Stripe made the session and before its link was stored.
    Past ORPHANED_AFTER the ``unfinished-links`` sweep cancels that payment, and the
    worker expires its session. A payment written a moment ago (maybe still being made)
    is left alone, and a second run of the sweep does nothing more."""
    booking_id = await accepted(uows, clock)
    made_at = clock.now()
    await crashed(fake, uows, booking_id, made_at, asked=True)
    [ours] = fake.sessions
    clock.advance(ORPHANED_AFTER + timedelta(seconds=1))
    later = clock.now()
    other = await accepted(uows, clock, "studio-other")
    await crashed(fake, uows, other, later - timedelta(seconds=5), asked=False)
    sweep = BY_ID["unfinished-links"]
    outcome = await run_sweep(sweep, SweepContext(uows, later), holder="t")
    assert outcome.counts == {"cancelled": 1}
    assert await rows(uows) == [("cancelled", None, 1), ("pending", None, 1)]
    [(payment_id, _, due)] = await expire_tasks(uows)
    assert due == later
    again = await run_sweep(sweep, SweepContext(uows, later), holder="t")
    assert again.counts == {"cancelled": 0}
    assert fake.sessions[ours]["status"] == "open"
    assert await gateway_tasks_run(uows, gateway, later) == 1
    assert fake.sessions[ours]["status"] == "expired"
    async with uows() as uow:
        payment = await uow.session.get(Payment, payment_id)
        assert payment is not None
        assert (payment.status, payment.checkout_session_id) == ("expired", ours)
    # The client asks again: a new attempt, a new session, handed out.
    link = await deposit_link(uows, gateway, booking_id, later)
    assert link.id != ours
    assert await rows(uows) == [("expired", ours, 1), ("pending", None, 1), ("pending", link.id, 2)]


async def test_a_crash_before_stripe_was_asked_leaves_nothing_to_expire(
    uows: UnitOfWorkFactory, clock: FixedClock, fake: FakeStripe, gateway: StripeGateway
) -> None:
    """The payment was written and the process died before asking Stripe: the sweep
    cancels it, the worker finds no session made for it, and it is marked expired without
    any call but the search."""
    booking_id = await accepted(uows, clock)
    now = clock.now()
    await crashed(fake, uows, booking_id, now, asked=False)
    calls_before = len(fake.calls)  # the customer's
    later = now + ORPHANED_AFTER + timedelta(minutes=1)
    sweep = BY_ID["unfinished-links"]
    assert (await run_sweep(sweep, SweepContext(uows, later), holder="t")).counts == {
        "cancelled": 1
    }
    assert await gateway_tasks_run(uows, gateway, later) == 1
    assert await rows(uows) == [("expired", None, 1)]
    assert [(c.method, c.path) for c in fake.calls[calls_before:]] == [
        ("GET", "/checkout/sessions")
    ]
