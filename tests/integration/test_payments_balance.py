"""The balance: off-session on the deposit's card, else a link, reminders, auto-confirmation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.db.tables import Flag, Invoice, LedgerEntry, OutboxMessage, Payment, Provider
from core.payments.failures import flag_repeated_failures
from core.payments.payout_retry import retry_owed_payouts
from core.payments.ports import Payments
from core.payments.sweeps import auto_confirm_deliveries, send_balance_reminders
from dialogs.i18n.translator import translator
from payments.links import HmacLinks
from payments.stripe_gateway import StripeGateway
from tests.fakes.stripe_api import AUTH_REQUIRED, DECLINED
from tests.support.payments import (
    API_KEY,
    PROVIDER_SLUG,
    Stack,
    eventually,
    sqlite_payment_stack,
)

en = translator("en")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


@pytest.fixture
async def payments(stack: Stack) -> AsyncIterator[Payments]:
    """Payment parts of our own for the sweeps (the scheduler will hold its own)."""
    gateway = StripeGateway(API_KEY, api_url=stack.fake.url, return_url=stack.url)
    try:
        yield Payments(gateway, HmacLinks(b"x" * 32, stack.url), 1000)
    finally:
        await gateway.close()


async def deliver(stack: Stack, booking_id: int) -> None:
    """The event day passes; the provider marks the booking delivered."""
    booking = await stack.booking(booking_id)
    stack.clock.set(booking.ends_at + timedelta(hours=1))
    await stack.send("provider", PROVIDER_SLUG, payload=f"g|pdel:{booking_id}")
    assert (await stack.booking(booking_id)).state == "delivered"


async def confirm(stack: Stack, chat: str, booking_id: int) -> str:
    await stack.send("client", chat, payload=f"g|bk:{booking_id}")
    answer = await stack.click("client", chat, "confirm")
    return "\n".join(m["text"] for m in answer)  # outbox news may land in between


async def ledger(stack: Stack, booking_id: int) -> dict[str, tuple[int, str]]:
    async with stack.uows() as uow:
        rows = (
            await uow.session.scalars(
                select(LedgerEntry).where(LedgerEntry.booking_id == booking_id)
            )
        ).all()
        return {r.kind: (r.amount_minor, r.status) for r in rows if r.kind == "payout"} | {
            f"{r.kind}-{r.id}": (r.amount_minor, r.status) for r in rows if r.kind != "payout"
        }


async def test_confirming_delivery_charges_the_saved_card(stack: Stack) -> None:
    client = await stack.client("salma", email_address="salma@example.com")
    booking_id = await stack.confirmed(client, "salma", days_ahead=20)
    await deliver(stack, booking_id)
    said = await confirm(stack, "salma", booking_id)
    booking = await stack.booking(booking_id)
    assert (
        en(
            "Thank you for confirming {ref}. We are charging the balance of {amount} to your "
            "saved card and will tell you here when it is done.",
            ref=booking.reference,
            amount=en.money(booking.total_minor - booking.deposit_minor),
        )
        in said
    )
    await stack.reaches(booking_id, "completed")
    booking = await stack.booking(booking_id)
    assert booking.paid_minor == booking.total_minor
    balance_paid = en(
        "Balance received for {ref}. Thank you for booking with Mounasabet!", ref=booking.reference
    )

    async def told() -> bool:
        return balance_paid in await stack.bot_texts("client", "salma")

    await eventually(told, "the balance's news in the chat")
    [charge] = stack.fake.posts("/payment_intents")
    assert charge.idempotency_key == f"booking-{booking_id}-balance-1"
    assert charge.params["off_session"] == "true" and charge.params["confirm"] == "true"
    assert charge.params["payment_method"] == "pm_card_visa"
    assert charge.params["amount"] == str(booking.total_minor - booking.deposit_minor)
    [customer] = stack.fake.customers
    assert charge.params["customer"] == customer
    async with stack.uows() as uow:
        numbers = (await uow.session.scalars(select(Invoice.number).order_by(Invoice.id))).all()
    assert numbers == ["MSB-2026-000001", "MSB-2026-000002"]
    # The provider is owed the total less 10 % commission (no connected account).
    payout = (await ledger(stack, booking_id))["payout"]
    assert payout == (booking.total_minor - booking.total_minor // 10, "owed")
    await eventually(lambda: _mails(stack, 3), "deposit and balance emails")


async def _transfers_tried(stack: Stack, n: int) -> bool:
    """Transfers Stripe answered, and our record of the last one (the payout's try)."""
    async with stack.uows() as uow:
        tried = await uow.session.scalar(
            select(LedgerEntry.retried_at).where(LedgerEntry.kind == "payout")
        )
    calls = [c for c in stack.fake.calls if c.path == "/transfers"]
    return len(calls) == n and tried is not None


async def _mails(stack: Stack, n: int) -> bool:
    return len(stack.mailbox.messages) >= n


@pytest.mark.parametrize("card", [AUTH_REQUIRED, DECLINED])
async def test_card_refused_off_session_sends_a_balance_link(stack: Stack, card: str) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    for event in stack.fake.pay_checkout(await stack.pending_session(booking_id), card):
        assert await stack.fake.deliver(event) == [200, 200, 200]
    await deliver(stack, booking_id)
    said = await confirm(stack, "omar", booking_id)
    await stack.reaches(booking_id, "payment_due")
    booking = await stack.booking(booking_id)
    session_id = await stack.pending_session(booking_id, "balance")
    session = stack.fake.sessions[session_id]
    assert session["amount_total"] == booking.total_minor - booking.paid_minor
    assert session["url"] not in said  # the news after it carries the link
    call = stack.fake.posts("/checkout/sessions")[-1]
    # Attempt 1 was the off-session charge: keys are unique across request kinds.
    assert (
        stack.fake.posts("/payment_intents")[0].idempotency_key == f"booking-{booking_id}-balance-1"
    )
    assert call.idempotency_key == f"booking-{booking_id}-balance-2"
    assert "setup_future_usage" not in call.params["payment_intent_data"]
    balance = [p for p in await stack.payments(booking_id) if p.kind == "balance"]
    assert [p.status for p in balance] == ["failed", "pending"]
    code = "authentication_required" if card == AUTH_REQUIRED else "generic_decline"
    assert balance[0].failure_reason == code
    async with stack.uows() as uow:  # one failure is not yet a pattern: no flag
        assert (await uow.session.scalars(select(Flag))).all() == []

    async def news_with_link() -> bool:
        texts = await stack.bot_texts("client", "omar")
        return any(session["url"] in t and t != said for t in texts)

    await eventually(news_with_link, "the balance_failed news with the link")
    # The client pays the link: completed.
    for event in stack.fake.pay_checkout(session_id):
        assert await stack.fake.deliver(event) == [200, 200, 200]
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("completed", booking.total_minor)


async def test_reminders_every_day_at_most_three(stack: Stack, payments: Payments) -> None:
    client = await stack.client("nora", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    await stack.accept(booking_id)
    for event in stack.fake.pay_checkout(await stack.pending_session(booking_id), DECLINED):
        assert await stack.fake.deliver(event) == [200, 200, 200]
    await deliver(stack, booking_id)
    await confirm(stack, "nora", booking_id)
    await stack.reaches(booking_id, "payment_due")
    first_link = await stack.pending_session(booking_id, "balance")
    sent: list[list[int]] = []
    for _ in range(5):
        assert await send_balance_reminders(stack.uows, now=stack.clock.now()) == []
        stack.clock.advance(timedelta(hours=24, minutes=1))
        sent.append(await send_balance_reminders(stack.uows, now=stack.clock.now()))
    assert sent == [[booking_id]] * 3 + [[], []]
    async with stack.uows() as uow:
        payloads = (
            await uow.session.scalars(
                select(OutboxMessage.payload).where(OutboxMessage.kind == "balance_reminder")
            )
        ).all()
    assert len(payloads) == 3
    assert all("url" not in p for p in payloads)  # the sweep makes no link: the worker does

    async def reminders() -> list[str]:
        return [t for t in await stack.bot_texts("client", "nora") if t.startswith("Reminder:")]

    async def all_three() -> bool:
        return len(await reminders()) == 3

    await eventually(all_three, "the three reminders")
    # Each reminder carries a link that works when it goes out: the first link had expired
    # by then, and the last reminder carries the balance's latest link.
    last = (await reminders())[-1]
    assert stack.fake.sessions[first_link]["url"] not in last
    [*_, latest] = [p for p in await stack.payments(booking_id) if p.kind == "balance"]
    assert latest.status == "pending" and latest.checkout_url and latest.checkout_url in last


async def test_auto_confirmation_after_three_days(stack: Stack, payments: Payments) -> None:
    client = await stack.client("karim", email_address=None)
    booking_id = await stack.confirmed(client, "karim", days_ahead=20)
    async with stack.uows() as uow:
        provider = await uow.session.scalar(select(Provider).where(Provider.slug == PROVIDER_SLUG))
        assert provider is not None
        provider.stripe_account_id = "acct_1Atlas"
        await uow.commit()
    await deliver(stack, booking_id)
    stack.clock.advance(timedelta(days=2, hours=23))
    assert await auto_confirm_deliveries(stack.uows, payments, now=stack.clock.now()) == []
    stack.clock.advance(timedelta(hours=2))
    now = stack.clock.now()
    assert await auto_confirm_deliveries(stack.uows, payments, now=now) == [booking_id]
    assert await auto_confirm_deliveries(stack.uows, payments, now=now) == []  # twice: no harm
    await stack.reaches(booking_id, "completed")
    booking = await stack.booking(booking_id)
    assert booking.state == "completed" and booking.delivery_confirmed_at == now

    # The provider has a connected account: the share is transferred, once, by the outbox
    # worker after the commit that owed it.
    async def transferred() -> bool:
        return (await ledger(stack, booking_id))["payout"][1] == "paid_via_connect"

    await eventually(transferred, "the payout transferred")
    [transfer] = stack.fake.transfers.values()
    share = booking.total_minor - booking.total_minor // 10
    assert (transfer["amount"], transfer["destination"]) == (share, "acct_1Atlas")
    assert (await ledger(stack, booking_id))["payout"] == (share, "paid_via_connect")


async def test_a_failed_payout_transfer_is_sent_again_with_backoff(
    stack: Stack, payments: Payments
) -> None:
    """Stripe is unreachable when the booking completes: the payout is owed and flagged, then
    the sweep sends it again (same idempotency key) less and less often until it goes
    through; a payout owed by design (no connected account at the time) is left alone."""
    client = await stack.client("salma", email_address=None)
    booking_id = await stack.confirmed(client, "salma", days_ahead=20)
    async with stack.uows() as uow:
        provider = await uow.session.scalar(select(Provider).where(Provider.slug == PROVIDER_SLUG))
        assert provider is not None
        provider.stripe_account_id = "acct_1Atlas"
        await uow.commit()
    await deliver(stack, booking_id)
    stack.fake.transfers_unreachable = True
    stack.clock.advance(timedelta(days=3, hours=1))
    assert await auto_confirm_deliveries(stack.uows, payments, now=stack.clock.now()) == [
        booking_id
    ]
    await stack.reaches(booking_id, "completed")

    async def tried() -> bool:  # the worker's transfer, after the commit that owed it
        async with stack.uows() as uow:
            payout = select(LedgerEntry.retried_at).where(LedgerEntry.kind == "payout")
            return await uow.session.scalar(payout) is not None

    await eventually(tried, "the first transfer tried")
    assert (await ledger(stack, booking_id))["payout"][1] == "owed"
    async with stack.uows() as uow:
        assert (await uow.session.scalars(select(Flag.kind))).all() == ["payout_failed"]
    start, tries = stack.clock.now(), []
    for _ in range(12):  # every 10 minutes for 2 hours, Stripe still unreachable
        stack.clock.advance(timedelta(minutes=10))
        async with stack.uows() as uow:
            before = (await uow.session.scalars(select(LedgerEntry.retried_at))).all()
        await retry_owed_payouts(stack.uows, payments, now=stack.clock.now())
        async with stack.uows() as uow:
            after = (await uow.session.scalars(select(LedgerEntry.retried_at))).all()
        if after != before:
            tries.append(int((stack.clock.now() - start) / timedelta(minutes=1)))
    assert tries == [10, 20, 40, 80], tries
    assert stack.fake.transfers == {}
    stack.fake.transfers_unreachable = False
    stack.clock.advance(timedelta(hours=3))
    paid, stuck = await retry_owed_payouts(stack.uows, payments, now=stack.clock.now())
    assert (paid, stuck) == ([booking_id], 0)
    assert (await ledger(stack, booking_id))["payout"][1] == "paid_via_connect"
    assert len(stack.fake.transfers) == 1
    assert await retry_owed_payouts(stack.uows, payments, now=stack.clock.now()) == ([], 0)


async def test_a_refused_payout_transfer_is_sent_again_under_a_new_key(
    stack: Stack, payments: Payments
) -> None:
    """Stripe refuses the transfer (the platform's balance is short) and keeps that answer
    under the key: retried under the same key it would be refused forever. Each refusal
    moves the payout to a new key; a try that went unanswered keeps its key."""
    client = await stack.client("nora", email_address=None)
    booking_id = await stack.confirmed(client, "nora", days_ahead=20)
    async with stack.uows() as uow:
        provider = await uow.session.scalar(select(Provider).where(Provider.slug == PROVIDER_SLUG))
        assert provider is not None
        provider.stripe_account_id = "acct_1Atlas"
        await uow.commit()
    await deliver(stack, booking_id)
    stack.fake.transfers_refused = True
    stack.clock.advance(timedelta(days=3, hours=1))
    await auto_confirm_deliveries(stack.uows, payments, now=stack.clock.now())
    await stack.reaches(booking_id, "completed")
    await eventually(lambda: _transfers_tried(stack, 1), "the worker's transfer refused")
    stack.clock.advance(timedelta(minutes=10))
    assert await retry_owed_payouts(stack.uows, payments, now=stack.clock.now()) == ([], 0)
    stack.fake.transfers_refused, stack.fake.transfers_unreachable = False, True
    stack.clock.advance(timedelta(minutes=20))
    assert await retry_owed_payouts(stack.uows, payments, now=stack.clock.now()) == ([], 0)
    stack.fake.transfers_unreachable = False  # the balance was topped up meanwhile
    stack.clock.advance(timedelta(minutes=40))
    paid, _ = await retry_owed_payouts(stack.uows, payments, now=stack.clock.now())
    assert paid == [booking_id]
    keys = [c.idempotency_key for c in stack.fake.calls if c.path == "/transfers"]
    base = f"booking-{booking_id}-payout"
    # Refused twice (two keys), then unanswered (no call recorded), then paid on the third.
    assert keys == [base, f"{base}-2", f"{base}-3"], keys
    assert [c.status for c in stack.fake.calls if c.path == "/transfers"] == [400, 400, 200]
    assert len(stack.fake.transfers) == 1
    assert (await ledger(stack, booking_id))["payout"][1] == "paid_via_connect"


async def test_a_second_failed_payment_of_a_booking_flags_it(stack: Stack) -> None:
    """The first failed payment is the client's to fix (a new link); the second one, of the
    same booking, is the admins' to look at: one flag, counting the failures after it."""
    client = await stack.client("idriss", email_address=None)
    booking_id = await stack.book(client, days_ahead=20)
    now = stack.clock.now()

    async def fail_one(attempt: int) -> bool:
        async with stack.uows() as uow:
            payment = Payment(
                booking_id=booking_id,
                kind="deposit",
                attempt=attempt,
                amount_minor=100,
                currency="MAD",
                status="failed",
                gateway="stripe",
                failure_reason="card_declined",
                created_at=now,
                updated_at=now,
            )
            uow.session.add(payment)
            flagged = await flag_repeated_failures(uow, payment, now=now)
            await uow.commit()
            return flagged

    assert [await fail_one(n) for n in (1, 2, 3)] == [False, True, True]
    async with stack.uows() as uow:
        [flag] = (await uow.session.scalars(select(Flag))).all()
        seen = (flag.kind, flag.subject_id, flag.occurrences, flag.details["failed_payments"])
    assert seen == ("payment_failed_twice", str(booking_id), 2, 3)
