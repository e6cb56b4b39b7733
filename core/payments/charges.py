"""Taking money for a booking: Checkout links, the off-session balance, and settling.

Gateway calls happen inside the caller's transaction, after the booking row is locked:
two requests for the same booking queue instead of creating two links, and a webhook
about the same booking waits until what we learned from the gateway is committed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.booking.actions import record_payment
from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.tables import Booking, Invoice, Payment, StripeCustomer, User
from core.errors import DomainError, InvalidValue
from core.money import Money
from core.payments.invoices import announce_invoice, issue_invoice
from core.payments.ledger import add_entry, settle_payout
from core.payments.ports import (
    CheckoutLink,
    CheckoutRequest,
    CustomerInfo,
    GatewayError,
    PaymentGateway,
    PaymentKind,
    Payments,
)
from core.payments.refunds import refund_unwanted_payment
from core.support.tickets import raise_flag
from core.uow import UnitOfWork

log = logging.getLogger(__name__)

# Stripe takes an expiry between 30 minutes and 24 hours after creation; keep clear of both.
CHECKOUT_MIN = timedelta(minutes=31)
CHECKOUT_MAX = timedelta(hours=23, minutes=59)
# A link this close to dying is not handed out again: a new one is made.
REUSE_MARGIN = timedelta(minutes=10)
IDEMPOTENCY_RETRIES = 3


async def ensure_customer(
    uow: UnitOfWork, gateway: PaymentGateway, user_id: int, *, now: datetime
) -> str:
    """One gateway customer per client, so the deposit's card can pay the balance."""
    session = uow.session
    query = select(StripeCustomer.customer_id).where(
        StripeCustomer.user_id == user_id, StripeCustomer.gateway == gateway.name
    )
    found = await session.scalar(query)
    if found is not None:
        return found
    user = await session.get(User, user_id)
    if user is None:
        raise InvalidValue("user_not_found", user_id=user_id)
    info = CustomerInfo(user.id, user.display_name, user.email, user.phone_e164, user.locale)
    # The key makes a retry (or a concurrent twin) get the same customer back.
    customer_id = await gateway.ensure_customer(info, idempotency_key=f"user-{user.id}-customer")
    session.add(
        StripeCustomer(
            user_id=user.id, gateway=gateway.name, customer_id=customer_id, created_at=now
        )
    )
    await session.flush()
    return customer_id


async def deposit_link(
    uow: UnitOfWork, gateway: PaymentGateway, booking_id: int, now: datetime
) -> CheckoutLink:
    """The Checkout link that pays an accepted booking's deposit (reused while it is valid)."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    if booking.state != BookingState.ACCEPTED.value:
        raise InvalidValue("deposit_not_due", state=booking.state)
    return await _checkout(
        uow, gateway, booking, PaymentKind.DEPOSIT, booking.deposit_minor, now, booking.expires_at
    )


async def balance_link(
    uow: UnitOfWork, gateway: PaymentGateway, booking_id: int, now: datetime
) -> CheckoutLink:
    """The Checkout link for a balance the saved card could not pay."""
    booking = await get_booking(uow.session, booking_id, lock=True)
    if booking.state != BookingState.PAYMENT_DUE.value:
        raise InvalidValue("balance_not_due", state=booking.state)
    amount = booking.total_minor - booking.paid_minor
    return await _checkout(uow, gateway, booking, PaymentKind.BALANCE, amount, now, None)


def checkout_expiry(now: datetime, deadline: datetime | None) -> datetime:
    latest = now + CHECKOUT_MAX
    if deadline is not None:
        latest = min(latest, deadline)
    # A deadline closer than Stripe allows still gets a link; paying after the booking
    # expired is refunded automatically (see settle_payment).
    return max(latest, now + CHECKOUT_MIN).replace(microsecond=0)


async def _checkout(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    booking: Booking,
    kind: PaymentKind,
    amount: int,
    now: datetime,
    deadline: datetime | None,
) -> CheckoutLink:
    session = uow.session
    reusable = await session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == kind.value,
            Payment.status == "pending",
            Payment.gateway == gateway.name,
            Payment.amount_minor == amount,
            Payment.checkout_expires_at > now + REUSE_MARGIN,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if reusable is not None and reusable.checkout_session_id and reusable.checkout_url:
        assert reusable.checkout_expires_at is not None
        return CheckoutLink(
            reusable.checkout_session_id, reusable.checkout_url, reusable.checkout_expires_at
        )
    if amount <= 0:
        raise InvalidValue("nothing_to_pay")
    customer = await ensure_customer(uow, gateway, booking.client_id, now=now)
    client = await session.get(User, booking.client_id)
    payment = Payment(
        booking_id=booking.id,
        kind=kind.value,
        attempt=await attempts(uow, booking.id, kind) + 1,
        amount_minor=amount,
        currency=booking.currency,
        status="pending",
        gateway=gateway.name,
        customer_id=customer,
        refunded_minor=0,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    expires_at = checkout_expiry(now, deadline)
    for _ in range(IDEMPOTENCY_RETRIES):
        request = CheckoutRequest(
            booking_id=booking.id,
            payment_id=payment.id,
            reference=booking.reference,
            kind=kind,
            amount=Money(amount, booking.currency),
            description=f"Mounasabet {booking.reference} ({kind.value})",
            customer_id=customer,
            idempotency_key=f"booking-{booking.id}-{kind.value}-{payment.attempt}",
            expires_at=expires_at,
            locale=client.locale if client else "fr",
            metadata={
                "booking_id": str(booking.id),
                "kind": kind.value,
                "payment_id": str(payment.id),
            },
        )
        try:
            link = await gateway.create_checkout(request)
            break
        except GatewayError as error:
            # The key was used before with other parameters (a transaction that rolled
            # back after calling the gateway): that attempt is spent, take the next.
            if error.code != "idempotency_conflict":
                raise
            payment.attempt += 1
    else:
        raise GatewayError("no free idempotency key", code="idempotency_conflict")
    payment.checkout_session_id, payment.checkout_url = link.id, link.url
    payment.checkout_expires_at = link.expires_at
    await session.flush()
    return link


async def attempts(uow: UnitOfWork, booking_id: int, kind: PaymentKind) -> int:
    count = await uow.session.scalar(
        select(func.max(Payment.attempt)).where(
            Payment.booking_id == booking_id, Payment.kind == kind.value
        )
    )
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
