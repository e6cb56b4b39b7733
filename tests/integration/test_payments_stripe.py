"""Deposits through Stripe: link, signed webhooks, invoice, emails, calendar invite.

stripe-python talks to a fake Stripe over real HTTP; the fake signs and POSTs the events
to our webhook (each one three times, as Stripe's retries do); a real SMTP server gets
the emails. The PDF and the .ics are opened and read.
"""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func, select

from core.clock import FixedClock
from core.db.tables import Invoice, OutboxMessage, Payment, ProcessedEvent, Refund, User
from dialogs.i18n.translator import translator
from tests.fakes.stripe_api import sign
from tests.support.payments import (
    WEBHOOK_SECRET,
    Stack,
    eventually,
    sqlite_payment_stack,
)

CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.fixture
async def stack(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Stack]:
    async with sqlite_payment_stack(tmp_path, clock) as running:
        yield running


async def count(stack: Stack, table: type, *where: object) -> int:
    async with stack.uows() as uow:
        query = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(await uow.session.scalar(query) or 0)


def attachment(message: EmailMessage, content_type: str) -> bytes:
    for part in message.iter_attachments():
        if part.get_content_type() == content_type:
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload
    raise AssertionError(f"no {content_type} attachment in {message['Subject']!r}")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_deposit_link_webhook_invoice_and_emails(stack: Stack) -> None:
    client = await stack.client("salma", email_address="salma@example.com")
    booking_id = await stack.book(client, days_ahead=40)
    await stack.accept(booking_id)
    booking = await stack.booking(booking_id)
    assert booking.state == "accepted"

    # One Checkout Session, made by the worker right before it words the client's news
    # of the acceptance (not in the Accept's transaction), with what Stripe needs.
    session_id = await stack.pending_session(booking_id)
    [call] = stack.fake.posts("/checkout/sessions")
    assert call.idempotency_key == f"booking-{booking_id}-deposit-1"
    params = call.params
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == str(booking_id)
    assert params["metadata"]["booking_id"] == str(booking_id)
    assert params["metadata"]["kind"] == "deposit"
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert params["payment_intent_data"]["metadata"] == params["metadata"]
    assert params["line_items"][0]["price_data"]["unit_amount"] == str(booking.deposit_minor)
    assert params["line_items"][0]["price_data"]["currency"] == "mad"
    assert booking.expires_at is not None
    expires = int(params["expires_at"])
    assert expires <= booking.expires_at.timestamp()
    assert 30 * 60 <= expires - stack.clock.now().timestamp() <= 24 * 3600
    [customer] = stack.fake.customers.values()
    assert params["customer"] == customer["id"] and customer["email"] == "salma@example.com"

    # The client's news carries the link and a Pay button; asking again reuses the link.
    session = stack.fake.sessions[session_id]

    async def link_sent() -> bool:
        return any(session["url"] in text for text in await stack.bot_texts("client", "salma"))

    await eventually(link_sent, "the deposit link in the client's chat")
    again = await stack.send("client", "salma", payload=f"g|pay:{booking_id}")
    assert session["url"] in again[-1]["text"]
    assert len(stack.fake.posts("/checkout/sessions")) == 1

    # Stripe sends the events, each three times: confirmed once, invoiced once.
    await stack.pay_deposit(booking_id)
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor) == ("confirmed", booking.deposit_minor)
    [payment] = await stack.payments(booking_id)
    assert payment.status == "paid" and payment.payment_method_id == "pm_card_visa"
    async with stack.uows() as uow:
        [invoice] = (await uow.session.scalars(select(Invoice))).all()
        assert invoice.number == "MSB-2026-000001"
        assert (invoice.amount_minor, invoice.payment_id) == (booking.deposit_minor, payment.id)
        kinds = (
            await uow.session.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.kind.in_(("deposit_paid",)))
            )
        ).all()
        uow.session.expunge_all()
    assert kinds == ["deposit_paid", "deposit_paid"]  # client and provider, once each
    assert await count(stack, ProcessedEvent, ProcessedEvent.source == "stripe") == 2

    # Two emails: the invoice (PDF attached) and the confirmation (calendar invite).
    await eventually(mails(stack, 2), "two emails")
    by_subject = {m["Subject"]: m for m in stack.mailbox.messages}
    en = translator("en")
    mail = by_subject[en("Invoice {number} — Mounasabet", number=invoice.number)]
    assert mail["To"] == "salma@example.com"
    text = pdf_text(attachment(mail, "application/pdf"))
    assert invoice.number in text
    assert en.money(booking.deposit_minor) in text and en.money(booking.total_minor) in text
    assert en.money(booking.total_minor - booking.deposit_minor) in text  # balance due
    confirmation = by_subject[en("Your booking {ref} is confirmed", ref=booking.reference)]
    calendar = Calendar.from_ical(attachment(confirmation, "text/calendar"))
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]).startswith(f"booking-{booking_id}@")
    assert event.decoded("SEQUENCE") == 0
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Africa/Casablanca"
    assert start == booking.starts_at.astimezone(CASABLANCA)
    assert event.decoded("DTEND") == booking.ends_at.astimezone(CASABLANCA)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Africa/Casablanca"]

    # The chat got the invoice as a document at a signed link that only works as signed.
    async def document_sent() -> bool:
        return any(m.get("document") for m in await stack.messages("client", "salma"))

    await eventually(document_sent, "the invoice in the chat")
    [doc] = [m["document"] for m in await stack.messages("client", "salma") if m.get("document")]
    assert doc["filename"] == f"{invoice.number}.pdf" and "/invoices/" in doc["url"]
    async with stack.http.get(doc["url"]) as response:
        assert response.status == 200 and response.content_type == "application/pdf"
        assert invoice.number in pdf_text(await response.read())
    forged = doc["url"].replace(f"/invoices/{invoice.id}.", f"/invoices/{invoice.id + 1}.")
    async with stack.http.get(forged) as response:
        assert response.status == 404
    stack.clock.advance(timedelta(days=31))
    async with stack.http.get(doc["url"]) as response:
        assert response.status == 404  # expired


def mails(stack: Stack, n: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return len(stack.mailbox.messages) >= n

    return check


async def test_arabic_invoice_speaks_arabic(stack: Stack) -> None:
    client = await stack.client("amina", email_address="amina@example.com", locale="ar")
    async with stack.uows() as uow:
        user = await uow.session.get(User, client)
        assert user is not None
        user.display_name = "أمينة"
        await uow.commit()
    booking_id = await stack.confirmed(client, "amina", days_ahead=20)
    await eventually(mails(stack, 2), "the emails")
    ar = translator("ar")
    invoice_mail = next(m for m in stack.mailbox.messages if "MSB-2026-000001" in m["Subject"])
    text = pdf_text(attachment(invoice_mail, "application/pdf"))
    assert "MSB-2026-000001" in text
    assert "منصة مناسبات" in text  # shaped Arabic comes back out as Arabic letters
    assert "أمينة" in text  # the client's name, as typed
    booking = await stack.booking(booking_id)
    assert booking.deposit_minor == 150_000 and "1.500,00" in text  # Moroccan digit grouping
    assert ar.locale == "ar"


async def test_forged_and_stale_signatures_change_nothing(stack: Stack) -> None:
    client = await stack.client("omar", email_address=None)
    booking_id = await stack.book(client, days_ahead=15)
    await stack.accept(booking_id)
    paid = stack.fake.pay_checkout(await stack.pending_session(booking_id))
    completed = paid[1]
    assert await stack.fake.post_event(completed, secret="whsec_someone_else") == 400
    old = int(time.time()) - 301
    assert await stack.fake.post_event(completed, timestamp=old) == 400
    assert await stack.fake.post_event(completed, header="t=1,v1=00") == 400
    assert await stack.fake.post_event(completed, header="") == 400
    # A valid signature over other bytes: the body was altered on the way.
    payload = b'{"id": "evt_x", "type": "checkout.session.completed"}'
    header = sign(payload + b" ", WEBHOOK_SECRET, int(time.time()))
    assert await stack.fake.post_event(completed, header=header) == 400
    assert (await stack.booking(booking_id)).state == "accepted"
    assert await count(stack, ProcessedEvent) == 0
    # Then the genuine delivery works.
    assert await stack.fake.deliver(completed, times=1) == [200]
    assert (await stack.booking(booking_id)).state == "confirmed"


async def test_events_out_of_order(stack: Stack) -> None:
    client = await stack.client("nora", email_address=None)
    # A late "expired" after "completed" changes nothing.
    first = await stack.confirmed(client, "nora", days_ahead=12)
    [payment] = await stack.payments(first)
    assert payment.checkout_session_id is not None
    expired = stack.fake.expire_checkout(payment.checkout_session_id)
    assert await stack.fake.deliver(expired) == [200, 200, 200]
    assert (await stack.booking(first)).state == "confirmed"
    assert [p.status for p in await stack.payments(first)] == ["paid"]

    # "completed" arriving before "payment_intent.succeeded": the card is saved anyway.
    second = await stack.book(client, days_ahead=14)
    await stack.accept(second)
    intent_event, completed = stack.fake.pay_checkout(await stack.pending_session(second))
    assert await stack.fake.deliver(completed) == [200, 200, 200]
    assert await stack.fake.deliver(intent_event) == [200, 200, 200]
    [payment] = await stack.payments(second)
    assert (payment.status, payment.payment_method_id) == ("paid", "pm_card_visa")

    # An expiry that overtook the payment: the money still counts.
    third = await stack.book(client, days_ahead=16)
    await stack.accept(third)
    session_id = await stack.pending_session(third)
    late = stack.fake.pay_checkout(session_id)
    assert await stack.fake.deliver(stack.fake.expire_checkout(session_id), times=1) == [200]

    # The expired link was replaced by a new one for the client (issue 14), made by the
    # worker for the news that tells them...
    async def replaced() -> bool:
        return [p.status for p in await stack.payments(third)] == ["expired", "pending"]

    await eventually(replaced, "a new link for the news of the expired one")
    for event in late:
        assert await stack.fake.deliver(event, times=1) == [200]
    assert (await stack.booking(third)).state == "confirmed"
    # ...which the deposit, paid after all, made pointless: it can't take money any more
    # (cancelled at once, then expired at Stripe by the stack's outbox worker).
    assert [p.status for p in await stack.payments(third)][1] in ("cancelled", "expired")

    async def expired_at_stripe() -> bool:
        return [p.status for p in await stack.payments(third)][1] == "expired"

    await eventually(expired_at_stripe, "the dropped link expired at Stripe")


async def refunds_sent(stack: Stack, count: int) -> bool:
    """The number of refunds Stripe made and we booked."""
    async with stack.uows() as uow:
        booked = await uow.session.scalar(
            select(func.count()).select_from(Refund).where(Refund.status == "succeeded")
        )
    return len(stack.fake.refunds) == count == booked


async def test_payment_after_the_deadline_is_refunded(stack: Stack) -> None:
    client = await stack.client("yassine", email_address=None)
    booking_id = await stack.book(client, days_ahead=10)
    await stack.accept(booking_id)
    session_id = await stack.pending_session(booking_id)
    # The client pays at the last moment, the deposit window passes and the sweep expires
    # the booking (and would expire the session: too late) ...
    late = stack.fake.pay_checkout(session_id)
    stack.clock.advance(timedelta(hours=49))
    from core.booking.actions import expire_due

    async with stack.uows() as uow:
        assert await expire_due(uow, now=stack.clock.now()) == [booking_id]
        await uow.commit()
    # ... then the webhooks arrive: the money goes straight back.
    for event in late:
        assert await stack.fake.deliver(event) == [200, 200, 200]
    booking = await stack.booking(booking_id)
    assert (booking.state, booking.paid_minor, booking.refunded_minor) == ("expired", 0, 0)
    # Sent by the outbox worker, once the webhook's transaction has committed.
    await eventually(lambda: refunds_sent(stack, 1), "the refund at Stripe")
    [refund] = stack.fake.refunds.values()
    assert refund["amount"] == booking.deposit_minor
    [payment] = await stack.payments(booking_id)
    assert (payment.status, payment.refunded_minor) == ("refunded", booking.deposit_minor)
    assert await count(stack, Invoice) == 0


async def test_gateway_down_does_not_undo_the_acceptance(stack: Stack) -> None:
    client = await stack.client("hind", email_address=None)
    booking_id = await stack.book(client, days_ahead=10)
    await stack.fake.close()  # Stripe unreachable
    await stack.accept(booking_id)
    assert (await stack.booking(booking_id)).state == "accepted"

    async def news_came() -> bool:  # the worker tried for its link first
        return any("Good news" in text for text in await stack.bot_texts("client", "hind"))

    await eventually(news_came, "the acceptance's news, without its link")
    assert await stack.payments(booking_id) == []  # the failed try left no payment
    answer = await stack.send("client", "hind", payload=f"g|pay:{booking_id}")
    en = translator("en")
    assert answer[-1]["text"] == en(
        "We could not reach the payment service. Please try again in a few minutes."
    )


async def test_someone_else_cannot_ask_for_my_link(stack: Stack) -> None:
    owner = await stack.client("laila", email_address=None)
    await stack.client("intruder", email_address=None)
    booking_id = await stack.book(owner, days_ahead=10)
    await stack.accept(booking_id)
    answer = await stack.send("client", "intruder", payload=f"g|pay:{booking_id}")
    assert "stripe" not in answer[-1]["text"] and "/c/pay/" not in answer[-1]["text"]
    assert translator("en")("This booking is not yours.") in answer[-1]["text"]


async def test_odd_amounts(stack: Stack) -> None:
    """One minor unit and a very large total go through Stripe, the ledger and the PDF."""
    client = await stack.client("karim", email_address="karim@example.com")
    async with stack.uows() as uow:
        from core.db.tables import Service

        service = await uow.session.get(Service, stack.service_id)
        assert service is not None
        service.price_minor, service.deposit_bp = 3, 3400  # deposit: 1 minor unit
        await uow.commit()
    small = await stack.confirmed(client, "karim", days_ahead=20)
    assert (await stack.booking(small)).paid_minor == 1
    async with stack.uows() as uow:
        service = await uow.session.get(Service, stack.service_id)
        assert service is not None
        service.price_minor, service.deposit_bp = 1_999_999_999, 5000  # ~20 million MAD
        await uow.commit()
    large = await stack.confirmed(client, "karim", days_ahead=21)
    booking = await stack.booking(large)
    assert booking.paid_minor == 1_000_000_000 and booking.total_minor == 1_999_999_999
    await eventually(mails(stack, 4), "the emails")
    en = translator("en")
    texts = [
        pdf_text(attachment(m, "application/pdf"))
        for m in stack.mailbox.messages
        if m["Subject"].startswith("Invoice")
    ]
    assert any(en.money(1) in t for t in texts)
    assert any(en.money(1_999_999_999) in t and en.money(999_999_999) in t for t in texts)
    when = datetime(2026, 5, 4, tzinfo=UTC)
    assert stack.clock.now() >= when
    assert await count(stack, Payment, Payment.status == "paid") == 2
