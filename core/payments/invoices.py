"""Invoices: a gapless number per year, taken in the payment's own transaction.

The number comes from the year's row of ``invoice_counters``, locked until commit
(core/payments/numbering.py): a rolled-back payment rolls its number back with it, so
the sequence has no holes, and concurrent payments queue instead of sharing a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import (
    Booking,
    CreditNote,
    Invoice,
    InvoiceCounter,
    Payment,
    Provider,
    Service,
    User,
)
from core.errors import NotFound
from core.notifications.outbox import enqueue
from core.payments.invoice_parties import (
    InvoiceIssuer,
    client_party,
    commission_line,
    payment_reference,
    provider_party,
)
from core.payments.numbering import next_sequence
from core.payments.ports import LinkSigner, PaymentKind
from core.uow import UnitOfWork

PREFIX = "MSB"


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:06d}"


async def issue_invoice(
    uow: UnitOfWork,
    payment: Payment,
    booking: Booking,
    *,
    now: datetime,
    issuer: InvoiceIssuer | None = None,
    commission_bp: int = 0,
) -> Invoice:
    """Number and freeze the invoice of a payment that has just been recorded; ``issuer``
    is the platform as the invoice names it (and whether it shows the commission)."""
    issuer = issuer or InvoiceIssuer()
    session = uow.session
    existing = await session.scalar(select(Invoice).where(Invoice.payment_id == payment.id))
    if existing is not None:
        return existing
    year = now.astimezone(MARKET_TZ).year
    sequence = await next_sequence(session, InvoiceCounter, year)
    client = await session.get(User, booking.client_id)
    paid = booking.paid_minor - booking.refunded_minor
    invoice = Invoice(
        number=format_number(year, sequence),
        year=year,
        sequence=sequence,
        booking_id=booking.id,
        payment_id=payment.id,
        kind=payment.kind,
        locale=client.locale if client else "fr",
        currency=payment.currency,
        amount_minor=payment.amount_minor,
        total_minor=booking.total_minor,
        paid_to_date_minor=paid,
        balance_due_minor=max(booking.total_minor - paid, 0),
        data={},
        created_at=now,
    )
    invoice.data = await _snapshot(session, invoice, payment, booking, client, now)
    invoice.data["platform"] = issuer.snapshot()
    commission = commission_line(payment.amount_minor, commission_bp, issuer)
    if commission is not None:
        invoice.data["commission"] = commission
    session.add(invoice)
    await session.flush()
    return invoice


async def _snapshot(
    session: AsyncSession,
    invoice: Invoice,
    payment: Payment,
    booking: Booking,
    client: User | None,
    now: datetime,
) -> dict[str, Any]:
    provider = await session.get(Provider, booking.provider_id)
    service = await session.get(Service, booking.service_id)
    return {
        "number": invoice.number,
        "issued_at": now.isoformat(),
        "locale": invoice.locale,
        "kind": payment.kind,
        "currency": payment.currency,
        "client": client_party(booking, client),
        "provider": provider_party(provider),
        "booking": {
            "reference": booking.reference,
            "event_type": booking.event_type,
            "event_date": booking.event_date.isoformat(),
            "starts_at": booking.starts_at.isoformat(),
            "city": booking.city,
            "venue": booking.venue,
            "guests": booking.guests,
            "service": dict(service.title) if service else {},
        },
        "lines": [{"kind": payment.kind, "amount_minor": payment.amount_minor}],
        "total_minor": booking.total_minor,
        "deposit_minor": booking.deposit_minor,
        "amount_minor": payment.amount_minor,
        "paid_to_date_minor": invoice.paid_to_date_minor,
        "balance_due_minor": invoice.balance_due_minor,
        "payment": {
            "gateway": payment.gateway,
            "reference": payment_reference(booking, payment),
            "gateway_reference": payment.payment_intent_id or payment.checkout_session_id or "",
            "paid_at": (payment.paid_at or now).isoformat(),
        },
    }


def announce_invoice(
    uow: UnitOfWork,
    invoice: Invoice,
    booking: Booking,
    links: LinkSigner,
    *,
    now: datetime,
    again: bool = False,
) -> None:
    """The invoice in the client's chat and by email; with the deposit, the calendar invite.

    ``again`` (an admin re-sending) makes new messages instead of matching the first ones.
    """
    session = uow.session
    suffix = f"-again-{now.timestamp():.0f}" if again else ""
    url = links.invoice_url(invoice.id, now=now)
    base = {"booking_id": booking.id, "invoice_id": invoice.id, "audience": "client"}
    enqueue(
        session,
        kind="invoice_issued",
        user_id=booking.client_id,
        now=now,
        payload=base | {"number": invoice.number, "url": url},
        dedupe_key=f"invoice-{invoice.id}-chat{suffix}",
    )
    email = invoice.data.get("client", {}).get("email")
    if not email:
        return
    enqueue(
        session,
        kind="invoice_email",
        user_id=booking.client_id,
        channel="email",
        now=now,
        payload=base | {"number": invoice.number, "url": url, "to": email},
        dedupe_key=f"invoice-{invoice.id}-email{suffix}",
    )
    if invoice.kind == PaymentKind.DEPOSIT.value and not again:
        enqueue(
            session,
            kind="booking_confirmation_email",
            user_id=booking.client_id,
            channel="email",
            now=now,
            payload=base | {"to": email, "sequence": 0},
            dedupe_key=f"booking-{booking.id}-confirmation-{invoice.id}",
        )


async def resend_invoice(
    uow: UnitOfWork, number: str, links: LinkSigner, *, now: datetime
) -> Invoice:
    """An admin sends an invoice again: in the client's chat and by email."""
    invoice = await uow.session.scalar(select(Invoice).where(Invoice.number == number.strip()))
    if invoice is None:
        raise NotFound("invoice_not_found", number=number)
    booking = await uow.session.get(Booking, invoice.booking_id)
    if booking is None:
        raise NotFound("booking_not_found", booking_id=invoice.booking_id)
    announce_invoice(uow, invoice, booking, links, now=now, again=True)
    return invoice


@dataclass(frozen=True, slots=True)
class BookingDocument:
    """An invoice or a credit note of a booking, with a link signed now (the one in its
    news may have run out by the day the client looks for it)."""

    number: str
    url: str


async def booking_documents(
    uow: UnitOfWork, booking_id: int, links: LinkSigner, *, now: datetime
) -> list[BookingDocument]:
    """The booking's invoices, then its credit notes, oldest first."""
    session = uow.session
    invoices = await session.execute(
        select(Invoice.id, Invoice.number)
        .where(Invoice.booking_id == booking_id)
        .order_by(Invoice.id)
    )
    notes = await session.execute(
        select(CreditNote.id, CreditNote.number)
        .where(CreditNote.booking_id == booking_id)
        .order_by(CreditNote.id)
    )
    return [
        *(BookingDocument(n, links.invoice_url(i, now=now)) for i, n in invoices.all()),
        *(BookingDocument(n, links.credit_note_url(i, now=now)) for i, n in notes.all()),
    ]
