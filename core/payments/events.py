"""The one path for payment events, from Stripe's webhook and the offline pay page alike.

Events come late, twice and out of order: each is claimed once (in the transaction of
its effect), and each handler re-reads the payment and the booking under the booking's
row lock before acting, so a late ``expired`` after ``completed`` changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from core.booking.actors import get_booking
from core.booking.disputes import dispute_created
from core.db.tables import Invoice, Payment, Refund
from core.inbound import claim_event
from core.payments.balance import fail_balance
from core.payments.charges import settle_payment
from core.payments.checkout_expiry import CANCELLED
from core.payments.failures import announce_failure, flag_repeated_failures
from core.payments.lookup import (
    checkout_payment,
    id_of,
    intent_payment,
    unknown_object,
)
from core.payments.ports import GatewayEvent, Payments
from core.payments.refund_sending import book_refund
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class EventResult:
    duplicate: bool = False
    handled: bool = False
    invoice_ids: list[int] = field(default_factory=list)


Handler = Callable[[UnitOfWork, Payments, dict[str, Any], datetime], Awaitable[list[int]]]


async def handle_gateway_event(
    uow: UnitOfWork, payments: Payments, event: GatewayEvent, *, now: datetime
) -> EventResult:
    """Apply one gateway event once; the caller commits."""
    if not await claim_event(uow, event.source, event.id, now=now):
        return EventResult(duplicate=True)
    handler = HANDLERS.get(event.type)
    if handler is None:
        return EventResult()  # claimed, so a retry is not looked at again
    return EventResult(handled=True, invoice_ids=await handler(uow, payments, event.object, now))


async def _checkout_paid(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    payment = await checkout_payment(uow, obj)
    if payment is None:
        return unknown_object(uow, "checkout_session", obj, now)
    if payment.status in ("paid", "refunded"):
        return []
    total = obj.get("amount_total")
    if isinstance(total, int) and total > 0 and total != payment.amount_minor:
        raise_flag(
            uow,
            kind="amount_mismatch",
            subject_type="payment",
            subject_id=payment.id,
            now=now,
            details={"expected": payment.amount_minor, "received": total},
        )
        payment.amount_minor = total
    invoice = await settle_payment(
        uow,
        payments,
        payment,
        now=now,
        payment_intent_id=id_of(obj.get("payment_intent")),
        customer_id=id_of(obj.get("customer")),
    )
    return [invoice.id] if invoice else []


async def _checkout_completed(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    if obj.get("payment_status") in ("paid", "no_payment_required"):
        return await _checkout_paid(uow, payments, obj, now)
    # A delayed method (bank debit): async_payment_succeeded/failed will follow.
    payment = await checkout_payment(uow, obj)
    if payment is not None and payment.payment_intent_id is None:
        payment.payment_intent_id = id_of(obj.get("payment_intent"))
    return []


async def _checkout_failed(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    payment = await checkout_payment(uow, obj)
    if payment is None or payment.status != "pending":
        return []
    payment.status, payment.failure_reason, payment.updated_at = "failed", "async_failed", now
    await flag_repeated_failures(uow, payment, now=now)
    if payment.kind == "balance":
        await fail_balance(uow, payment, now=now, why="async_payment_failed")
    await announce_failure(uow, payment, now=now, why="failed")
    return []


async def _checkout_expired(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    # Only the link dies: the deposit deadline sweep decides about the booking.
    payment = await checkout_payment(uow, obj)
    if payment is not None and payment.status in ("pending", CANCELLED):
        # A link we dropped (CANCELLED) was replaced or is owed no more: only a link that
        # simply ran out while the client still owes the money is news (issue 14).
        announce = payment.status == "pending"
        payment.status, payment.updated_at = "expired", now
        if announce:
            await announce_failure(uow, payment, now=now, why="expired")
    return []


async def _intent_succeeded(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    payment = await intent_payment(uow, obj)
    if payment is None:
        return []  # a Checkout payment whose session event will name it
    payment.payment_method_id = id_of(obj.get("payment_method")) or payment.payment_method_id
    payment.customer_id = id_of(obj.get("customer")) or payment.customer_id
    if payment.status in ("paid", "refunded"):
        return []
    invoice = await settle_payment(uow, payments, payment, now=now, payment_intent_id=obj["id"])
    return [invoice.id] if invoice else []


async def _intent_failed(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    payment = await intent_payment(uow, obj)
    if payment is None or payment.status != "pending":
        return []
    if payment.checkout_session_id:
        # On a Checkout page a failed card can be tried again: the page stays open, and the
        # chat says so (once), with the same link, for a client who closed it.
        await announce_failure(uow, payment, now=now, why="declined")
        return []
    error = obj.get("last_payment_error") or {}
    why = str(error.get("code") or error.get("decline_code") or "payment_failed")
    payment.status, payment.failure_reason, payment.updated_at = "failed", why, now
    await flag_repeated_failures(uow, payment, now=now)
    if payment.kind == "balance":
        await fail_balance(uow, payment, now=now, why=why)
    return []


async def _charge_refunded(
    uow: UnitOfWork, payments: Payments, obj: dict[str, Any], now: datetime
) -> list[int]:
    """Reconcile: refunds made elsewhere (dashboard) or whose answer we never got."""
    payment = await intent_payment(uow, obj)
    if payment is None:
        return unknown_object(uow, "charge", obj, now)
    known = await uow.session.scalar(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.payment_id == payment.id, Refund.status == "succeeded"
        )
    )
    extra = int(obj.get("amount_refunded") or 0) - int(known or 0)
    if extra <= 0:
        return []
    pending = (
        await uow.session.scalars(
            select(Refund)
            .where(Refund.payment_id == payment.id, Refund.status == "pending")
            .order_by(Refund.id)
        )
    ).all()
    for refund in pending:
        if refund.amount_minor <= extra:
            await book_refund(uow, refund, payment, external_id=None, now=now, links=payments.links)
            extra -= refund.amount_minor
    if extra > 0:
        await _outside_refund(uow, payments, payment, extra, now)
    return []


async def _outside_refund(
    uow: UnitOfWork, payments: Payments, payment: Payment, amount: int, now: datetime
) -> None:
    session = uow.session
    booking = await get_booking(session, payment.booking_id, lock=True)
    # Money the booking never counted as paid (refused as too late) leaves its figures alone.
    counts = await session.scalar(select(Invoice.id).where(Invoice.payment_id == payment.id))
    room = payment.amount_minor - payment.refunded_minor
    if counts is not None:
        room = min(room, booking.paid_minor - booking.refunded_minor)
    if min(amount, room) < amount:
        raise_flag(
            uow,
            kind="refund_mismatch",
            subject_type="payment",
            subject_id=payment.id,
            now=now,
            details={"gateway_extra": amount, "room": room},
        )
    amount = min(amount, room)
    if amount <= 0:
        return
    n = await session.scalar(
        select(func.count()).select_from(Refund).where(Refund.booking_id == payment.booking_id)
    )
    refund = Refund(
        booking_id=payment.booking_id,
        payment_id=payment.id,
        amount_minor=amount,
        currency=payment.currency,
        status="pending",
        idempotency_key=f"booking-{payment.booking_id}-refund-{int(n or 0) + 1}-outside",
        reason="refunded at the gateway",
        actor_role="system",
        counts_for_booking=counts is not None,
        created_at=now,
        updated_at=now,
    )
    session.add(refund)
    await session.flush()
    await book_refund(uow, refund, payment, external_id=None, now=now, links=payments.links)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_paid,
    "checkout.session.async_payment_failed": _checkout_failed,
    "checkout.session.expired": _checkout_expired,
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _intent_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": dispute_created,
}
