"""Giving money back, by policy on cancellation, by an admin, or when a booking can't take
a payment: the decision, in the caller's transaction.

The transaction that decides a refund writes its row (pending, with its idempotency key)
and, in the outbox, the task of sending it (core/payments/refund_sending.py). The gateway
is called after the commit, never inside a transaction: a gateway that answers slowly
(Stripe's client waits up to 30 s) would hold every writer on SQLite, and the booking's
row lock and a connection on PostgreSQL, for as long. Its path: refunds.mmd.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from core.booking.actions import cancel_booking
from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.states import Role
from core.db.tables import Booking, Payment, Refund
from core.errors import DomainError, InvalidValue
from core.money import Money
from core.payments.refund_sending import queue_sending
from core.support.tickets import raise_flag
from core.uow import UnitOfWork


async def refund_booking(
    uow: UnitOfWork,
    booking_id: int,
    amount_minor: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    held: bool = False,
) -> list[int]:
    """Give ``amount_minor`` of what a booking paid back, newest payment first: the refunds
    are written and their sending queued (``held``: the caller sends them itself after its
    commit, with `send_held`). Returns the refunds' ids."""
    session = uow.session
    booking = await get_booking(session, booking_id, lock=True)
    await check_owns_booking(session, actor, booking)
    pending = await _pending_sum(uow, Refund.booking_id == booking.id)
    available = booking.paid_minor - booking.refunded_minor - pending
    if amount_minor <= 0 or amount_minor > available:
        raise InvalidValue("refund_out_of_range", amount=amount_minor, available=available)
    paid = (
        await session.scalars(
            select(Payment)
            .where(Payment.booking_id == booking.id, Payment.status == "paid")
            .order_by(Payment.id.desc())
        )
    ).all()
    plan: list[tuple[Payment, int]] = []
    remaining = amount_minor
    for payment in paid:
        room = payment.amount_minor - payment.refunded_minor
        room -= await _pending_sum(uow, Refund.payment_id == payment.id)
        share = min(room, remaining)
        if share > 0 and payment.payment_intent_id:
            plan.append((payment, share))
            remaining -= share
    if remaining:
        raise InvalidValue("refund_exceeds_payments", amount=remaining)
    rows = [
        await _new_refund(uow, booking, payment, share, reason=reason, actor=actor, now=now)
        for payment, share in plan
    ]
    for refund in rows:
        queue_sending(uow, refund, booking, now=now, held=held)
    return [refund.id for refund in rows]


async def cancel_and_refund(
    uow: UnitOfWork,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    reason: str | None = None,
    seen_state: str | None = None,
    payments_on: bool = True,
) -> tuple[Booking, Money]:
    """Cancel, then give back what the cancellation policy says (queued: the outbox worker
    sends it). Money paid outside the gateway is flagged for an admin to give back."""
    booking, refund = await cancel_booking(
        uow, booking_id, actor, now=now, reason=reason, seen_state=seen_state
    )
    if refund.amount <= 0 or not payments_on:
        return booking, refund
    try:
        async with uow.session.begin_nested():
            await refund_booking(
                uow,
                booking_id,
                refund.amount,
                reason=f"cancellation by the {actor.role.value}",
                actor=actor,
                now=now,
            )
    except DomainError as error:  # money paid outside the gateway (say, demo data)
        raise_flag(
            uow,
            kind="refund_needs_admin",
            subject_type="booking",
            subject_id=booking_id,
            now=now,
            details={"amount_minor": refund.amount, "error": error.key},
        )
    return booking, refund


async def _pending_sum(uow: UnitOfWork, where: object) -> int:
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            where,  # type: ignore[arg-type]
            Refund.status == "pending",
        )
    )
    return int(total or 0)


async def _new_refund(
    uow: UnitOfWork,
    booking: Booking,
    payment: Payment,
    amount: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    counts: bool = True,
) -> Refund:
    session = uow.session
    n = await session.scalar(
        select(func.count()).select_from(Refund).where(Refund.booking_id == booking.id)
    )
    refund = Refund(
        booking_id=booking.id,
        payment_id=payment.id,
        amount_minor=amount,
        currency=payment.currency,
        status="pending",
        idempotency_key=f"booking-{booking.id}-refund-{int(n or 0) + 1}",
        reason=reason[:500],
        actor_role=actor.role.value,
        actor_user_id=actor.user_id,
        counts_for_booking=counts,
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    await session.flush()
    return refund


async def refund_unwanted_payment(
    uow: UnitOfWork, payment: Payment, booking: Booking, *, now: datetime
) -> None:
    """Money the booking could not take (it expired, or was paid twice) goes straight back
    (queued: the worker sends it after this commit)."""
    refund = await _new_refund(
        uow,
        booking,
        payment,
        payment.amount_minor - payment.refunded_minor,
        reason="payment the booking could not take",
        actor=Actor(Role.SYSTEM),
        now=now,
        counts=False,
    )
    queue_sending(uow, refund, booking, now=now)
