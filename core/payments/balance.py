"""The balance: charged on the deposit's saved card after delivery, else paid by link.

The confirmation's transaction queues the charge; the outbox worker makes it after the
commit, never inside a transaction: a gateway that answers slowly (Stripe's client waits
up to 30 s) would hold every writer on SQLite, and the booking's row lock and a connection
on PostgreSQL, for as long. The client hears the outcome as news: the balance received,
or a link to pay it by. Its path: balance.mmd.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select

from core.booking.actions import apply_action, confirm_delivery
from core.booking.actors import Actor, get_booking
from core.booking.states import Action, BookingState
from core.db.engine import read_only
from core.db.tables import Booking, Payment
from core.errors import InvalidValue
from core.money import Money
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, enqueue
from core.payments.charges import attempts, settle_payment
from core.payments.failures import flag_repeated_failures
from core.payments.ledger import settle_payout
from core.payments.ports import (
    GATEWAY_CHANNEL,
    ChargeResult,
    ChargeStatus,
    GatewayError,
    PaymentGateway,
    PaymentKind,
    Payments,
)
from core.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

CHARGE_BALANCE = "charge_balance"  # the outbox task on the gateway channel


async def confirm_and_charge(
    uow: UnitOfWork, payments: Payments, booking_id: int, actor: Actor, *, now: datetime
) -> ChargeStatus:
    """The client (or the auto-confirm sweep) confirms delivery; the balance's charge is
    queued (see `queue_balance_charge`)."""
    await confirm_delivery(uow, booking_id, actor, now=now)
    return await queue_balance_charge(uow, payments, booking_id, now=now)


async def queue_balance_charge(
    uow: UnitOfWork, payments: Payments, booking_id: int, *, now: datetime
) -> ChargeStatus:
    """In the confirmation's transaction: the balance's payment and, in the outbox, the task
    of charging it on the deposit's saved card, which the worker does after the commit
    (`charge_queued_balance`): no transaction waits for the gateway. Returns PROCESSING
    (queued), SUCCEEDED (nothing was left to pay) or DECLINED (no saved card: the client's
    notice carries a link to pay by)."""
    session = uow.session
    booking = await get_booking(session, booking_id, lock=True)
    if booking.state != BookingState.DELIVERED or booking.delivery_confirmed_at is None:
        raise InvalidValue("balance_not_chargeable", state=booking.state)
    amount = booking.total_minor - booking.paid_minor
    if amount <= 0:  # everything was paid up front
        await apply_action(uow, booking.id, Action.PAY_BALANCE, Actor.system(), now=now)
        await settle_payout(uow, payments, booking.id, now=now)
        return ChargeStatus.SUCCEEDED
    deposit = await session.scalar(
        select(Payment).where(*_paid_deposit_of(booking.id)).order_by(Payment.id.desc()).limit(1)
    )
    if deposit is None or deposit.customer_id is None or not _card_known(deposit):
        await _balance_failed(uow, booking, now, "no_saved_card")
        return ChargeStatus.DECLINED
    payment = Payment(
        booking_id=booking.id,
        kind=PaymentKind.BALANCE.value,
        attempt=await attempts(uow, booking.id, PaymentKind.BALANCE) + 1,
        amount_minor=amount,
        currency=booking.currency,
        status="pending",
        gateway=payments.gateway.name,
        customer_id=deposit.customer_id,
        payment_method_id=deposit.payment_method_id,  # else read from the deposit's intent
        refunded_minor=0,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    enqueue(
        session,
        kind=CHARGE_BALANCE,
        user_id=booking.client_id,
        channel=GATEWAY_CHANNEL,
        payload={"payment_id": payment.id, "booking_id": booking.id},
        now=now,
        dedupe_key=f"payment-{payment.id}-charge",
    )
    return ChargeStatus.PROCESSING


def _paid_deposit_of(booking_id: int) -> tuple[ColumnElement[bool], ...]:
    """The deposit whose card pays the balance: the booking's, paid (refunded in part too)."""
    return (
        Payment.booking_id == booking_id,
        Payment.kind == PaymentKind.DEPOSIT.value,
        Payment.status.in_(("paid", "refunded")),
    )


def _card_known(deposit: Payment) -> bool:
    return deposit.payment_method_id is not None or deposit.payment_intent_id is not None


@dataclass(frozen=True, slots=True)
class _Charge:
    """What the off-session charge asks the gateway, read before it (no transaction open)."""

    booking_id: int
    payment_id: int
    attempt: int
    amount: Money
    customer_id: str
    card: str | None
    deposit_intent: str | None


async def charge_queued_balance(
    uows: UnitOfWorkFactory, payments: Payments, payment_id: int, *, now: datetime
) -> DeliveryResult:
    """The worker's task: charge the saved card with no transaction open, then record the
    outcome in one, under the booking's lock (as the payment webhooks do). A repeat after
    a crash asks again with the same idempotency key and gets the same charge; a webhook
    that settled the payment first leaves nothing to do."""
    charge = await _charge_to_make(uows, payment_id)
    if charge is None:
        return DeliveryResult(DeliveryOutcome.SENT)  # settled meanwhile
    gateway = payments.gateway
    card = charge.card or await _card_of(gateway, charge)
    result = (
        await _charge(gateway, charge, card)
        if card is not None
        else ChargeResult(ChargeStatus.DECLINED, error="no_saved_card")
    )
    async with uows() as uow:
        booking = await get_booking(uow.session, charge.booking_id, lock=True)
        payment = await uow.session.get(Payment, payment_id)
        assert payment is not None
        await uow.session.refresh(payment)
        if payment.status != "pending" or payment.payment_intent_id is not None:
            return DeliveryResult(DeliveryOutcome.SENT)  # its webhook came first
        payment.payment_method_id, payment.payment_intent_id = card, result.payment_intent_id
        if result.status is ChargeStatus.SUCCEEDED:
            await settle_payment(uow, payments, payment, now=now)
        elif result.status is not ChargeStatus.PROCESSING:  # processing: a webhook will tell
            payment.status, payment.failure_reason = "failed", result.error
            payment.updated_at = now
            await flag_repeated_failures(uow, payment, now=now)
            await _balance_failed(uow, booking, now, result.error or result.status.value)
        await uow.commit()
    return DeliveryResult(DeliveryOutcome.SENT, external_id=result.payment_intent_id)


async def _charge_to_make(uows: UnitOfWorkFactory, payment_id: int) -> _Charge | None:
    async with uows() as uow:
        session = await read_only(uow.session)
        payment = await session.get(Payment, payment_id)
        if payment is None or payment.status != "pending" or payment.payment_intent_id:
            return None
        assert payment.customer_id is not None
        deposit_intent = await session.scalar(
            select(Payment.payment_intent_id)
            .where(*_paid_deposit_of(payment.booking_id))
            .order_by(Payment.id.desc())
            .limit(1)
        )
        return _Charge(
            booking_id=payment.booking_id,
            payment_id=payment.id,
            attempt=payment.attempt,
            amount=Money(payment.amount_minor, payment.currency),
            customer_id=payment.customer_id,
            card=payment.payment_method_id,
            deposit_intent=deposit_intent,
        )


async def _card_of(gateway: PaymentGateway, charge: _Charge) -> str | None:
    """The card the deposit was paid with, where the deposit's event did not say."""
    if charge.deposit_intent is None:
        return None
    try:
        return await gateway.payment_method_of(charge.deposit_intent)
    except GatewayError as error:
        log.warning("no saved card for booking %s: %s", charge.booking_id, error)
        return None


async def _charge(gateway: PaymentGateway, charge: _Charge, card: str) -> ChargeResult:
    try:
        return await gateway.charge_off_session(
            customer_id=charge.customer_id,
            payment_method_id=card,
            amount=charge.amount,
            idempotency_key=f"booking-{charge.booking_id}-balance-{charge.attempt}",
            metadata={
                "booking_id": str(charge.booking_id),
                "kind": PaymentKind.BALANCE.value,
                "payment_id": str(charge.payment_id),
            },
        )
    except GatewayError as error:
        # Unknown outcome: ask the client to pay by link. Should the charge have gone
        # through after all, its webhook settles it and the link's payment is refunded.
        log.warning("off-session charge for booking %s failed: %s", charge.booking_id, error)
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
