"""A payment that failed, or a link that expired, while the money is still owed: the
client hears of it in the chat, with a link that works (issue 14: no dead ends). The
outbox worker makes that link right before it words the news (core/payments/links.py,
``PaymentLinks``): a new one where this attempt's page is closed, the same one where it is
still open."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.tables import OutboxMessage, Payment
from core.notifications.outbox import enqueue
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

# What each kind of payment pays off, and the state in which it is still owed.
OWED_IN = {"deposit": BookingState.ACCEPTED.value, "balance": BookingState.PAYMENT_DUE.value}


async def announce_failure(uow: UnitOfWork, payment: Payment, *, now: datetime, why: str) -> None:
    """Tell the client once per payment attempt; nothing when the booking no longer owes
    this money."""
    booking = await get_booking(uow.session, payment.booking_id, lock=True)
    if OWED_IN.get(payment.kind) != booking.state:
        return
    if booking.expires_at is not None and booking.expires_at <= now:
        return  # the deposit's deadline has passed: the booking expires, nothing is owed
    key = f"payment-{payment.id}-{why}"
    if await uow.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return
    enqueue(
        uow.session,
        kind="payment_failed",
        user_id=booking.client_id,
        now=now,
        payload={
            "booking_id": booking.id,
            "audience": "client",
            "payment_kind": payment.kind,
            "why": why,
        },
        dedupe_key=key,
    )


async def flag_repeated_failures(uow: UnitOfWork, payment: Payment, *, now: datetime) -> bool:
    """A second failed payment for the same booking raises a flag for the admins (a card
    that keeps failing, or a client in trouble); further ones count on the same flag."""
    await uow.session.flush()
    failed = await uow.session.scalar(
        select(func.count())
        .select_from(Payment)
        .where(Payment.booking_id == payment.booking_id, Payment.status == "failed")
    )
    if (failed or 0) < 2:
        return False
    raise_flag(
        uow,
        kind="payment_failed_twice",
        subject_type="booking",
        subject_id=payment.booking_id,
        now=now,
        details={"failed_payments": int(failed or 0), "last_reason": payment.failure_reason},
    )
    return True
