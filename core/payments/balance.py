"""The balance: charged on the deposit's saved card after delivery, else paid by link."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from core.booking.actions import apply_action, confirm_delivery
from core.booking.actors import Actor, get_booking
from core.booking.states import Action, BookingState
from core.db.tables import Booking, Payment
from core.errors import InvalidValue
from core.money import Money
from core.payments.charges import attempts, settle_payment
from core.payments.failures import flag_repeated_failures
from core.payments.ledger import settle_payout
from core.payments.ports import (
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentGateway,
    PaymentKind,
    Payments,
)
from core.uow import UnitOfWork

log = logging.getLogger(__name__)


async def confirm_and_charge(
    uow: UnitOfWork, payments: Payments, booking_id: int, actor: Actor, *, now: datetime
) -> ChargeStatus:
    """The client (or the auto-confirm sweep) confirms delivery; the balance is charged."""
    await confirm_delivery(uow, booking_id, actor, now=now)
    return await charge_balance(uow, payments, booking_id, now=now)


async def charge_balance(
    uow: UnitOfWork, payments: Payments, booking_id: int, *, now: datetime
) -> ChargeStatus:
    """Charge the balance on the deposit's saved card; on failure send a Checkout link."""
    session = uow.session
    booking = await get_booking(session, booking_id, lock=True)
    if booking.state != BookingState.DELIVERED or booking.delivery_confirmed_at is None:
        raise InvalidValue("balance_not_chargeable", state=booking.state)
    amount = booking.total_minor - booking.paid_minor
    if amount <= 0:  # everything was paid up front
        await apply_action(uow, booking.id, Action.PAY_BALANCE, Actor.system(), now=now)
        await settle_payout(uow, payments, booking.id, now=now)
        return ChargeStatus.SUCCEEDED
    gateway = payments.gateway
    deposit = await session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == PaymentKind.DEPOSIT.value,
            Payment.status.in_(("paid", "refunded")),
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    card = await _saved_card(gateway, deposit)
    if deposit is None or card is None or deposit.customer_id is None:
        await _balance_failed(uow, booking, now, "no_saved_card")
        return ChargeStatus.DECLINED
    payment = Payment(
        booking_id=booking.id,
        kind=PaymentKind.BALANCE.value,
        attempt=await attempts(uow, booking.id, PaymentKind.BALANCE) + 1,
        amount_minor=amount,
        currency=booking.currency,
        status="pending",
        gateway=gateway.name,
        customer_id=deposit.customer_id,
        payment_method_id=card,
        refunded_minor=0,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    result = await _charge(gateway, payment, booking)
    payment.payment_intent_id = result.payment_intent_id
    if result.status is ChargeStatus.SUCCEEDED:
        await settle_payment(uow, payments, payment, now=now)
    elif result.status is not ChargeStatus.PROCESSING:  # processing: a webhook will tell
        payment.status, payment.failure_reason = "failed", result.error
        await flag_repeated_failures(uow, payment, now=now)
        await _balance_failed(uow, booking, now, result.error or result.status.value)
    return result.status


async def _saved_card(gateway: PaymentGateway, deposit: Payment | None) -> str | None:
    if deposit is None:
        return None
    if deposit.payment_method_id is None and deposit.payment_intent_id:
        try:
            deposit.payment_method_id = await gateway.payment_method_of(deposit.payment_intent_id)
        except GatewayError as error:
            log.warning("no saved card for payment %s: %s", deposit.id, error)
    return deposit.payment_method_id


async def _charge(gateway: PaymentGateway, payment: Payment, booking: Booking) -> ChargeResult:
    assert payment.customer_id is not None and payment.payment_method_id is not None
    try:
        return await gateway.charge_off_session(
            customer_id=payment.customer_id,
            payment_method_id=payment.payment_method_id,
            amount=Money(payment.amount_minor, payment.currency),
            idempotency_key=f"booking-{booking.id}-balance-{payment.attempt}",
            metadata={
                "booking_id": str(booking.id),
                "kind": PaymentKind.BALANCE.value,
                "payment_id": str(payment.id),
            },
        )
    except GatewayError as error:
        # Unknown outcome: ask the client to pay by link. Should the charge have gone
        # through after all, its webhook settles it and the link's payment is refunded.
        log.warning("off-session charge for booking %s failed: %s", booking.id, error)
        return ChargeResult(ChargeStatus.DECLINED, error=f"gateway_error: {error}"[:200])


async def _balance_failed(uow: UnitOfWork, booking: Booking, now: datetime, why: str) -> None:
    """Booking to payment_due; the client's notice carries a balance Checkout link, made
    by the outbox worker right before it words the notice (core/payments/links.py)."""
    await apply_action(
        uow, booking.id, Action.BALANCE_FAILED, Actor.system(), now=now, reason=why[:200]
    )


async def fail_balance(uow: UnitOfWork, payment: Payment, *, now: datetime, why: str) -> None:
    """A balance charge that was processing failed later (webhook)."""
    booking = await get_booking(uow.session, payment.booking_id, lock=True)
    if booking.state == BookingState.DELIVERED:
        await _balance_failed(uow, booking, now, why)
