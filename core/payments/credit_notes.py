"""Credit notes: a refund of invoiced money gets its own document, numbered without gaps in
a series of its own (MSB-AV-<year>-<sequence>), naming the invoice it corrects (issue 14).

Taken in the refund's transaction, from a per-year counter row locked until commit, as
invoice numbers are (core/payments/numbering.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, CreditNote, CreditNoteCounter, Invoice, Refund, User
from core.notifications.outbox import enqueue
from core.payments.numbering import next_sequence
from core.payments.ports import LinkSigner
from core.uow import UnitOfWork

PREFIX = "MSB-AV"  # "avoir", as a Moroccan accountant calls it


def format_number(year: int, sequence: int) -> str:
    return f"{PREFIX}-{year}-{sequence:06d}"


async def issue_credit_note(
    uow: UnitOfWork,
    refund: Refund,
    booking: Booking,
    *,
    now: datetime,
    links: LinkSigner | None = None,
) -> CreditNote | None:
    """Number and freeze the credit note of a refund that has just succeeded, and send it;
    None for money that was never invoiced (a payment refused as too late). With ``links``
    the chat news carries a signed link to the PDF, as an invoice's does."""
    session = uow.session
    existing = await session.scalar(select(CreditNote).where(CreditNote.refund_id == refund.id))
    if existing is not None:
        return existing
    invoice = await session.scalar(select(Invoice).where(Invoice.payment_id == refund.payment_id))
    if invoice is None:
        return None
    year = now.astimezone(MARKET_TZ).year
    sequence = await next_sequence(session, CreditNoteCounter, year)
    client = await session.get(User, booking.client_id)
    note = CreditNote(
        number=format_number(year, sequence),
        year=year,
        sequence=sequence,
        booking_id=booking.id,
        invoice_id=invoice.id,
        refund_id=refund.id,
        locale=client.locale if client else invoice.locale,
        currency=refund.currency,
        amount_minor=refund.amount_minor,
        created_at=now,
        data={},
    )
    # The invoice's parties, as it printed them: a credit note corrects that document.
    note.data = {
        "number": note.number,
        "issued_at": now.isoformat(),
        "locale": note.locale,
        "currency": note.currency,
        "invoice_number": invoice.number,
        "amount_minor": refund.amount_minor,
        "refunded_to_date_minor": booking.refunded_minor,
        "paid_minor": booking.paid_minor,
        "client": invoice.data.get("client", {}),
        "provider": invoice.data.get("provider", {}),
        "platform": invoice.data.get("platform", {}),
        "booking": invoice.data.get("booking", {}),
    }
    session.add(note)
    await session.flush()
    _announce(uow, note, booking, now=now, links=links)
    return note


def _announce(
    uow: UnitOfWork,
    note: CreditNote,
    booking: Booking,
    *,
    now: datetime,
    links: LinkSigner | None,
) -> None:
    """In the client's chat, and by email with the PDF where an email was given."""
    base = {"booking_id": booking.id, "credit_note_id": note.id, "audience": "client"}
    payload = base | {"number": note.number, "amount_minor": note.amount_minor}
    if links is not None:
        payload["url"] = links.credit_note_url(note.id, now=now)
    enqueue(
        uow.session,
        kind="credit_note_issued",
        user_id=booking.client_id,
        now=now,
        payload=payload,
        dedupe_key=f"credit-note-{note.id}-chat",
    )
    email = note.data.get("client", {}).get("email")
    if email:
        enqueue(
            uow.session,
            kind="credit_note_email",
            user_id=booking.client_id,
            channel="email",
            now=now,
            payload=payload | {"to": email},
            dedupe_key=f"credit-note-{note.id}-email",
        )
