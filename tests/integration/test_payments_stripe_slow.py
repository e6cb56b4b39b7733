"""A Stripe that answers after our client stopped waiting, seen from the chat.

The deposit's link is made for the acceptance's news and again for "Pay". Stripe makes
the first session after our client gave up: the client gets the news without a link and,
on "Pay", the usual apology. Once Stripe answers in time again, "Pay" hands out a new
link. The session nobody was given is found and expired by the outbox worker
(core/payments/unfinished_links.py), so it never stays open at Stripe.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.clock import FixedClock
from core.notifications.outbox import deliver_due
from core.payments.gateway_tasks import GatewayTasks
from core.payments.ports import Payments
from core.payments.unfinished_links import SEARCH_AFTER
from dialogs.i18n.translator import translator
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.support.migrated import migrate
from tests.support.payments import API_KEY, Stack, eventually, payment_stack

en = translator("en")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'slow.db'}"
    migrate(url)
    async with payment_stack(url, clock, stripe_timeout=0.3) as running:
        yield running


async def test_a_session_made_too_late_is_expired_and_pay_gives_a_new_link(
    stack: Stack,
) -> None:
    client = await stack.client("salma", email_address=None)
    booking_id = await stack.book(client, days_ahead=12)
    stack.fake.slow["/checkout/sessions"] = 0.8  # longer than our client waits
    await stack.accept(booking_id)

    async def news_came() -> bool:
        return any("Good news" in text for text in await stack.bot_texts("client", "salma"))

    await eventually(news_came, "the acceptance's news")
    [news] = [t for t in await stack.bot_texts("client", "salma") if "Good news" in t]
    assert "/c/pay/" not in news  # no link: its making timed out

    async def made_late() -> bool:
        return len(stack.fake.sessions) == 1

    await eventually(made_late, "Stripe making the session after all")
    [payment] = await stack.payments(booking_id)
    assert (payment.status, payment.checkout_session_id) == ("cancelled", None)

    # Still slow: "Pay" apologises, as for a Stripe that is down.
    answer = await stack.send("client", "salma", payload=f"g|pay:{booking_id}")
    assert answer[-1]["text"] == en(
        "We could not reach the payment service. Please try again in a few minutes."
    )

    async def made_late_again() -> bool:  # the apology's own try, made too late as well
        return len(stack.fake.sessions) == 2

    await eventually(made_late_again, "Stripe making the second session after all")
    too_late = set(stack.fake.sessions)
    del stack.fake.slow["/checkout/sessions"]
    answer = await stack.send("client", "salma", payload=f"g|pay:{booking_id}")
    link = stack.fake.sessions[await stack.pending_session(booking_id)]
    assert link["id"] not in too_late and link["url"] in answer[-1]["text"]

    # Two minutes on, the worker looks for the sessions made too late, and expires them.
    stack.clock.advance(SEARCH_AFTER)
    gateway = StripeGateway(API_KEY, api_url=stack.fake.url, return_url=stack.url)
    try:
        tasks = GatewayTasks(
            stack.uows, Payments(gateway, HmacLinks(b"x" * 32, stack.url)), stack.clock
        )
        while await deliver_due(stack.uows, tasks, now=stack.clock.now()):
            pass
    finally:
        await gateway.close()
    assert {s["id"]: s["status"] for s in stack.fake.sessions.values()} == {
        **dict.fromkeys(too_late, "expired"),
        link["id"]: "open",
    }
    statuses = [(p.status, p.checkout_session_id) for p in await stack.payments(booking_id)]
    assert sorted(statuses[:-1]) == sorted(("expired", s) for s in too_late)
    assert statuses[-1] == ("pending", link["id"])
    assert (await stack.booking(booking_id)).state == "accepted"
