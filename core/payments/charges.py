"""Settling the money that arrived for a booking (Checkout links: checkout_links.py; the
balance's off-session charge: balance.py)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import bindparam, func, select

from core.booking.actions import record_payment
from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.tables import Invoice, Payment
from core.errors import DomainError
from core.payments.invoices import announce_invoice, issue_invoice
from core.payments.ledger import add_entry, settle_payout
from core.payments.ports import (
    PaymentKind,
    Payments,
)
from core.payments.refunds import refund_unwanted_payment
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


# The last attempt numbered for a booking's payments of one kind (0 before the first).
LAST_ATTEMPT = select(func.coalesce(func.max(Payment.attempt), 0)).where(
    Payment.booking_id == bindparam("booking"), Payment.kind == bindparam("kind")
)


async def attempts(uow: UnitOfWork, booking_id: int, kind: PaymentKind) -> int:
    count = await uow.session.scalar(LAST_ATTEMPT, {"booking": booking_id, "kind": kind.value})
    return int(count or 0)


async def settle_payment(
    uow: UnitOfWork,
    payments: Payments,
    payment: Payment,
    *,
    now: datetime,
    payment_intent_id: str | None = None,
    customer_id: str | None = None,
    payment_method_id: str | None = None,
) -> Invoice | None:
    """Money arrived for ``payment``: move the booking, journal it, invoice it.

    Money for a booking that can no longer take it (expired, cancelled, paid twice) is
    given back at once. Returns the new invoice, or None when there is none.
    """
    session = uow.session
    if payment.status in ("paid", "refunded"):
        return None  # already settled: a replayed or twin event
    payment.status, payment.paid_at, payment.updated_at = "paid", now, now
    payment.payment_intent_id = payment_intent_id or payment.payment_intent_id
    payment.customer_id = customer_id or payment.customer_id
    payment.payment_method_id = payment_method_id or payment.payment_method_id
    booking = await get_booking(session, payment.booking_id, lock=True)
    await add_entry(
        session,
        booking,
        key=f"payment-{payment.id}",
        kind="payment",
        amount_minor=payment.amount_minor,
        now=now,
        external_id=payment.payment_intent_id,
    )
    try:
        async with session.begin_nested():
            booking = await record_payment(
                uow, booking.id, payment.amount_minor, now=now, kind=payment.kind
            )
    except DomainError as error:
        log.warning("payment %s came for booking %s in %s", payment.id, booking.id, booking.state)
        raise_flag(
            uow,
            kind="unwanted_payment",
            subject_type="booking",
            subject_id=booking.id,
            now=now,
            details={"payment_id": payment.id, "state": booking.state, "error": error.key},
        )
        await refund_unwanted_payment(uow, payment, booking, now=now)
        return None
    # "Deposit received" first, then the invoice: the chat reads them in outbox order.
    await uow.publish()
    invoice = await issue_invoice(
        uow,
        payment,
        booking,
        now=now,
        issuer=payments.issuer,
        commission_bp=payments.commission_bp,
    )
    announce_invoice(uow, invoice, booking, payments.links, now=now)
    if booking.state == BookingState.COMPLETED.value:
        await settle_payout(uow, payments, booking.id, now=now)
    return invoice
