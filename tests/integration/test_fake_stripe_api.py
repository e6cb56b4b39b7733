"""The fake Stripe's list of Checkout Sessions, read by stripe-python over loopback HTTP,
as Stripe answers it: filtered by ``status`` and a ``created`` range, newest first, in
pages of ``limit`` (1-100) that auto-paging follows, and a bad parameter refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import stripe

from core.clock import FixedClock
from tests.fakes.stripe_api import FakeStripe
from tests.support.payments import API_KEY, fake_stripe


@pytest.fixture
async def fake(clock: FixedClock) -> AsyncIterator[FakeStripe]:
    async with fake_stripe(clock) as running:
        yield running


@pytest.fixture
async def client(fake: FakeStripe) -> AsyncIterator[stripe.StripeClient]:
    http = stripe.AIOHTTPClient()
    try:
        yield stripe.StripeClient(
            API_KEY, base_addresses={"api": fake.url}, max_network_retries=0, http_client=http
        )
    finally:
        await http.close_async()  # type: ignore[no-untyped-call]


async def made(client: stripe.StripeClient, clock: FixedClock, n: int) -> str:
    """A Checkout Session made at the clock's time; its id."""
    customer = await client.v1.customers.create_async(params={"name": f"c{n}"})
    session = await client.v1.checkout.sessions.create_async(
        params={
            "mode": "payment",
            "customer": customer.id,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": "mad",
                        "unit_amount": 100_00,
                        "product_data": {"name": f"n{n}"},
                    },
                }
            ],
            "metadata": {"n": str(n)},
            "expires_at": int((clock.now() + timedelta(hours=2)).timestamp()),
        }
    )
    return str(session.id)


async def test_sessions_are_listed_by_status_and_time_newest_first_in_pages(
    client: stripe.StripeClient, clock: FixedClock, fake: FakeStripe
) -> None:
    ids = []
    for n in range(5):
        ids.append(await made(client, clock, n))
        clock.advance(timedelta(minutes=1))
    await client.v1.checkout.sessions.expire_async(ids[1])
    start = int(fake.sessions[ids[0]]["created"])
    sessions = client.v1.checkout.sessions
    page = await sessions.list_async(params={"status": "open", "limit": 2})
    assert [s.id for s in page.data] == [ids[4], ids[3]] and page.has_more
    everything = [s.id async for s in page.auto_paging_iter()]
    assert everything == [ids[4], ids[3], ids[2], ids[0]]  # the expired one is left out
    within = await sessions.list_async(
        params={"created": {"gte": start + 60, "lte": start + 180}, "limit": 100}
    )
    assert [s.id for s in within.data] == [ids[3], ids[2], ids[1]]
    assert not within.has_more
    exact = await sessions.list_async(params={"created": start + 120})
    assert [s.id for s in exact.data] == [ids[2]]
    for bad in ({"limit": 0}, {"limit": 101}, {"created": {"after": start}}):
        with pytest.raises(stripe.InvalidRequestError):
            await sessions.list_async(params=bad)  # type: ignore[arg-type]
