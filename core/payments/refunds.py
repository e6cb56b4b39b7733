"""Giving money back through the gateway, by policy on cancellation or by an admin.

A refund row is written (pending, with its idempotency key) before the gateway is
called, in the same transaction; the gateway's answer marks it succeeded and moves the
booking's refunded amount. When the gateway cannot be reached the row stays pending and
``retry_pending_refunds`` tries again with the same key, so the money goes back once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.booking.actions import cancel_booking, record_refund
from core.booking.actors import Actor, check_owns_booking, get_booking
from core.booking.states import Role
from core.db.tables import Booking, Payment, Refund
from core.errors import DomainError, InvalidValue
from core.money import Money
from core.payments.credit_notes import issue_credit_note
from core.payments.ledger import add_entry
from core.payments.ports import GatewayError, LinkSigner, PaymentGateway
from core.support.tickets import raise_flag
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RefundOutcome:
    requested: int
    sent: int  # accepted by the gateway
    pending: int  # to be retried

    @property
    def complete(self) -> bool:
        return self.sent == self.requested


async def refund_booking(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    booking_id: int,
    amount_minor: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    links: LinkSigner | None = None,
) -> RefundOutcome:
    """Give ``amount_minor`` of what a booking paid back, newest payment first; ``links``
    signs the credit note's link in the chat."""
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
        await execute_refund(uow, gateway, refund, now=now, links=links)
    sent = sum(r.amount_minor for r in rows if r.status == "succeeded")
    return RefundOutcome(amount_minor, sent, amount_minor - sent)


async def cancel_and_refund(
    uow: UnitOfWork,
    gateway: PaymentGateway | None,
    booking_id: int,
    actor: Actor,
    *,
    now: datetime,
    reason: str | None = None,
    seen_state: str | None = None,
    links: LinkSigner | None = None,
) -> tuple[Booking, Money, RefundOutcome | None]:
    """Cancel, then give back what the cancellation policy says."""
    booking, refund = await cancel_booking(
        uow, booking_id, actor, now=now, reason=reason, seen_state=seen_state
    )
    if refund.amount <= 0 or gateway is None:
        return booking, refund, None
    try:
        async with uow.session.begin_nested():
            outcome = await refund_booking(
                uow,
                gateway,
                booking_id,
                refund.amount,
                reason=f"cancellation by the {actor.role.value}",
                actor=actor,
                now=now,
                links=links,
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
        return booking, refund, None
    return booking, refund, outcome


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


async def execute_refund(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    refund: Refund,
    *,
    now: datetime,
    links: LinkSigner | None = None,
) -> None:
    """Ask the gateway; on success book the refund, else leave it pending for a retry."""
    payment = await uow.session.get(Payment, refund.payment_id)
    assert payment is not None and payment.payment_intent_id is not None
    try:
        external = await gateway.refund(
            payment_intent_id=payment.payment_intent_id,
            amount=Money(refund.amount_minor, refund.currency),
            idempotency_key=refund.idempotency_key,
        )
    except GatewayError as error:
        log.warning("refund %s not sent yet: %s", refund.idempotency_key, error)
        refund.error, refund.updated_at = str(error)[:500], now
        if error.code == "idempotency_conflict":
            refund.status = "failed"
            raise_flag(
                uow,
                kind="refund_failed",
                subject_type="booking",
                subject_id=refund.booking_id,
                now=now,
                details={"refund_id": refund.id, "error": str(error)[:500]},
            )
        return
    await book_refund(uow, refund, payment, external_id=external, now=now, links=links)


async def book_refund(
    uow: UnitOfWork,
    refund: Refund,
    payment: Payment,
    *,
    external_id: str | None,
    now: datetime,
    links: LinkSigner | None = None,
) -> None:
    """The gateway gave the money back: record it on the payment, booking and ledger."""
    refund.status, refund.external_id, refund.updated_at = "succeeded", external_id, now
    refund.error = None
    payment.refunded_minor += refund.amount_minor
    payment.updated_at = now
    if payment.refunded_minor >= payment.amount_minor:
        payment.status = "refunded"
    booking = await get_booking(uow.session, refund.booking_id, lock=True)
    if refund.counts_for_booking:
        await record_refund(uow, booking.id, refund.amount_minor, now=now)
        await issue_credit_note(uow, refund, booking, now=now, links=links)
    await uow.session.flush()
    await add_entry(
        uow.session,
        booking,
        key=f"refund-{refund.id}",
        kind="refund",
        amount_minor=refund.amount_minor,
        now=now,
        external_id=external_id,
    )


async def refund_unwanted_payment(
    uow: UnitOfWork, gateway: PaymentGateway, payment: Payment, booking: Booking, *, now: datetime
) -> None:
    """Money the booking could not take (it expired, or was paid twice) goes straight back."""
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
    await execute_refund(uow, gateway, refund, now=now)


RETRY_FIRST = timedelta(minutes=5)
RETRY_LONGEST = timedelta(hours=6)


def retry_due(created_at: datetime, last_try: datetime, now: datetime) -> bool:
    """Exponential backoff without a counter: a refund waits, after each failed try, as long
    as it had been pending at that try (5 min, 10, 20, 40 … at most 6 h between tries), so a
    gateway that is down for a day gets a handful of calls, not one every ten minutes."""
    wait = min(max(last_try - created_at, RETRY_FIRST), RETRY_LONGEST)
    return now - last_try >= wait


async def retry_pending_refunds(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    *,
    now: datetime,
    limit: int = 50,
    links: LinkSigner | None = None,
) -> list[int]:
    """Sweep: send again the refunds the gateway did not take (same idempotency key), each
    when its backoff is over; each refund commits alone."""
    due: list[int] = []
    last_id = 0
    while len(due) < limit:
        async with uows() as uow:
            rows = (
                await uow.session.execute(
                    select(Refund.id, Refund.created_at, Refund.updated_at)
                    .where(
                        Refund.status == "pending",
                        Refund.updated_at <= now - RETRY_FIRST,
                        Refund.id > last_id,
                    )
                    .order_by(Refund.id)
                    .limit(limit)
                )
            ).all()
        ready = [r.id for r in rows if retry_due(r.created_at, r.updated_at, now)]
        due += ready[: limit - len(due)]
        if len(rows) < limit:
            break
        last_id = rows[-1].id
    done: list[int] = []
    for refund_id in due:
        async with uows() as uow:
            refund = await uow.session.get(Refund, refund_id)
            assert refund is not None
            await get_booking(uow.session, refund.booking_id, lock=True)
            await uow.session.refresh(refund)
            if refund.status != "pending":
                continue
            await execute_refund(uow, gateway, refund, now=now, links=links)
            await uow.commit()
            if refund.status == "succeeded":
                done.append(refund_id)
    return done
