"""Replay: Twilio and Stripe retry their webhooks too, and Stripe sends duplicates of its
own. 1,000 deliveries each, 50 at a time: one reply per WhatsApp message; one payment
recorded, one invoice number used and one invoice sent for a paid deposit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial

from sqlalchemy import func, select

from core.db.tables import Booking, Invoice, InvoiceCounter, LedgerEntry, Payment
from tests.fakes import FakeUser
from tests.reliability.journeys import at_most, connect_provider, shuffled, to_summary
from tests.reliability.world import CLIENT_TOKEN, World

CONCURRENCY = 50


async def test_a_thousand_duplicated_whatsapp_messages_are_answered_once(
    everything: World,
) -> None:
    w = everything
    control = "+212661100000"
    assert (await w.twilio.user_sends(control, "salam", sid="SM" + "c" * 32)).status == 200
    await w.quiet()
    once = len(w.twilio.sent_to(control))
    assert once >= 1

    phones = [f"+2126612{n:05d}" for n in range(50)]
    posts: list[Callable[[], Awaitable[int]]] = []
    for n, phone in enumerate(phones):
        sid = f"SM{n:032x}"

        async def post(phone: str = phone, sid: str = sid) -> int:
            return (await w.twilio.user_sends(phone, "salam", sid=sid)).status

        posts += [post] * 20
    statuses = await at_most(CONCURRENCY, shuffled(posts, seed=18))
    assert len(statuses) == 1000 and set(statuses) == {200}
    await w.quiet()
    assert {p: len(w.twilio.sent_to(p)) for p in phones} == dict.fromkeys(phones, once)


async def test_a_thousand_duplicated_stripe_events_record_one_payment(everything: World) -> None:
    w = everything
    client, owner = FakeUser(id=8100, first_name="Nadia"), FakeUser(id=8200, first_name="Karim")
    await connect_provider(w, owner)
    await to_summary(w, client, "20 June", "0612345678")
    await w.tap(client, "confirm")
    async with w.uows() as uow:
        [booking_id] = (await uow.session.scalars(select(Booking.id))).all()
    await w.quiet()
    await w.tap(owner, f"pacc:{booking_id}", bot="provider")
    await w.quiet()
    async with w.uows() as uow:
        [session_id] = (
            await uow.session.scalars(
                select(Payment.checkout_session_id).where(Payment.booking_id == booking_id)
            )
        ).all()
    assert session_id is not None
    documents_before = len(w.telegram.calls("sendDocument", bot=CLIENT_TOKEN))

    events = w.stripe.pay_checkout(session_id)
    posts: list[Callable[[], Awaitable[int]]] = []
    for event in events:
        posts += [partial(w.stripe.post_event, event)] * (1000 // len(events))
    statuses = await at_most(CONCURRENCY, shuffled(posts, seed=18))
    assert len(statuses) == 1000 and set(statuses) == {200}
    await w.quiet()

    async with w.uows() as uow:
        booking = await uow.session.get(Booking, booking_id)
        assert booking is not None
        assert (booking.state, booking.paid_minor) == ("confirmed", booking.deposit_minor)
        payments = (
            await uow.session.execute(select(Payment.kind, Payment.status, Payment.amount_minor))
        ).all()
        assert payments == [("deposit", "paid", booking.deposit_minor)]
        invoices = (await uow.session.scalars(select(Invoice.number))).all()
        counters = (await uow.session.scalars(select(InvoiceCounter.last_value))).all()
        ledger = await uow.session.scalar(select(func.count()).select_from(LedgerEntry))
    assert len(invoices) == 1 and counters == [1]
    assert ledger is not None and ledger >= 1
    # The invoice went to the client's chat once.
    assert len(w.telegram.calls("sendDocument", bot=CLIENT_TOKEN)) == documents_before + 1
