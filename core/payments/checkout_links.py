"""Checkout links, made with no transaction open while the gateway is asked.

Making a link asks the gateway twice (the client's customer, once per client; the Checkout
session), and a gateway that answers slowly (Stripe's client waits up to 30 s) must not
hold a transaction meanwhile: on SQLite every other writer would wait, on PostgreSQL the
booking's row lock and a connection. So a link is made in three steps:

1. Under the booking's lock: a valid link of the same kind is handed out again; else the
   payment is written, pending, its attempt counted, without a link yet. Committed.
2. No transaction: the gateway's customer and the Checkout session.
3. Under the booking's lock: the link is stored on the payment and handed out. If the
   booking has moved on, or another link was stored meanwhile (two asked at once), this
   one is dropped (its session expired by the outbox worker) and the other handed out.

A gateway failure deletes the payment of step 1 (it never had a link); so does the next
request for a link, for one a crash left behind. The path: checkout_links.mmd.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Delete, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.tables import Booking, Payment, StripeCustomer, User
from core.errors import InvalidValue
from core.money import Money
from core.payments.charges import attempts
from core.payments.checkout_expiry import drop_link
from core.payments.ports import (
    CheckoutLink,
    CheckoutRequest,
    CustomerInfo,
    GatewayError,
    PaymentGateway,
    PaymentKind,
)
from core.uow import UnitOfWork, UnitOfWorkFactory

# Stripe takes an expiry between 30 minutes and 24 hours after creation; keep clear of both.
CHECKOUT_MIN = timedelta(minutes=31)
CHECKOUT_MAX = timedelta(hours=23, minutes=59)
# A link this close to dying is not handed out again: a new one is made.
REUSE_MARGIN = timedelta(minutes=10)
IDEMPOTENCY_RETRIES = 3
# A payment still without its link after this long was left by a crash between steps 1
# and 3 (the gateway's client gives up after 30 s): the next request deletes it.
ORPHANED_AFTER = timedelta(minutes=5)
# The state in which each kind of payment is owed, and the error when it is not.
OWED_IN = {
    PaymentKind.DEPOSIT: (BookingState.ACCEPTED, "deposit_not_due"),
    PaymentKind.BALANCE: (BookingState.PAYMENT_DUE, "balance_not_due"),
}


@dataclass(frozen=True, slots=True)
class _Asked:
    """What step 2 asks the gateway, decided in step 1."""

    booking_id: int
    payment_id: int
    attempt: int
    kind: PaymentKind
    request: CheckoutRequest  # its customer_id and key are set in step 2
    customer: CustomerInfo
    customer_id: str | None  # None: not yet known at this gateway


async def deposit_link(
    uows: UnitOfWorkFactory, gateway: PaymentGateway, booking_id: int, now: datetime
) -> CheckoutLink:
    """The Checkout link that pays an accepted booking's deposit (reused while it is valid)."""
    return await make_link(uows, gateway, booking_id, PaymentKind.DEPOSIT, now)


async def balance_link(
    uows: UnitOfWorkFactory, gateway: PaymentGateway, booking_id: int, now: datetime
) -> CheckoutLink:
    """The Checkout link for a balance the saved card could not pay."""
    return await make_link(uows, gateway, booking_id, PaymentKind.BALANCE, now)


async def make_link(
    uows: UnitOfWorkFactory,
    gateway: PaymentGateway,
    booking_id: int,
    kind: PaymentKind,
    now: datetime,
) -> CheckoutLink:
    """A valid link for ``kind``, made if need be (the module's three steps). Raises
    InvalidValue when the booking does not owe it, GatewayError when the gateway fails."""
    async with uows() as uow:
        found = await _reuse_or_begin(uow, gateway, booking_id, kind, now)
        if isinstance(found, CheckoutLink):
            return found
        await uow.commit()
    try:
        customer_id = found.customer_id or await gateway.ensure_customer(
            found.customer, idempotency_key=f"user-{found.customer.user_id}-customer"
        )
        link, attempt = await _create(gateway, found, customer_id)
    except GatewayError:
        async with uows() as uow:
            await uow.session.execute(_unlinked(Payment.id == found.payment_id))
            await uow.commit()
        raise
    async with uows() as uow:
        stored = await _store(uow, gateway, found, customer_id, link, attempt, now)
        await uow.commit()  # with the drop of ours, when it is not handed out
    if stored is None:
        raise InvalidValue(OWED_IN[kind][1])  # the booking moved on meanwhile
    return stored


async def _reuse_or_begin(
    uow: UnitOfWork, gateway: PaymentGateway, booking_id: int, kind: PaymentKind, now: datetime
) -> CheckoutLink | _Asked:
    """Step 1."""
    session = uow.session
    booking = await get_booking(session, booking_id, lock=True)
    amount = _owed(booking, kind)
    reusable = await _reusable(uow, gateway, booking, kind, amount, now)
    if reusable is not None:
        return reusable
    if amount <= 0:
        raise InvalidValue("nothing_to_pay")
    await session.execute(
        _unlinked(
            Payment.booking_id == booking.id,
            Payment.created_at < now - ORPHANED_AFTER,
        )
    )
    customer_id = await session.scalar(
        select(StripeCustomer.customer_id).where(
            StripeCustomer.user_id == booking.client_id, StripeCustomer.gateway == gateway.name
        )
    )
    user = await session.get(User, booking.client_id)
    if user is None:
        raise InvalidValue("user_not_found", user_id=booking.client_id)
    payment = Payment(
        booking_id=booking.id,
        kind=kind.value,
        attempt=await attempts(uow, booking.id, kind) + 1,
        amount_minor=amount,
        currency=booking.currency,
        status="pending",
        gateway=gateway.name,
        customer_id=customer_id,
        refunded_minor=0,
        created_at=now,
        updated_at=now,
    )
    session.add(payment)
    await session.flush()
    deadline = booking.expires_at if kind is PaymentKind.DEPOSIT else None
    request = CheckoutRequest(
        booking_id=booking.id,
        payment_id=payment.id,
        reference=booking.reference,
        kind=kind,
        amount=Money(amount, booking.currency),
        description=f"Mounasabet {booking.reference} ({kind.value})",
        customer_id="",
        idempotency_key="",
        expires_at=checkout_expiry(now, deadline),
        locale=user.locale or "fr",
        metadata={"booking_id": str(booking.id), "kind": kind.value, "payment_id": str(payment.id)},
    )
    customer = CustomerInfo(user.id, user.display_name, user.email, user.phone_e164, user.locale)
    return _Asked(booking.id, payment.id, payment.attempt, kind, request, customer, customer_id)


def _owed(booking: Booking, kind: PaymentKind) -> int:
    state, not_due = OWED_IN[kind]
    if booking.state != state.value:
        raise InvalidValue(not_due, state=booking.state)
    if kind is PaymentKind.DEPOSIT:
        return booking.deposit_minor
    return booking.total_minor - booking.paid_minor


async def _reusable(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    booking: Booking,
    kind: PaymentKind,
    amount: int,
    now: datetime,
) -> CheckoutLink | None:
    payment = await uow.session.scalar(
        select(Payment)
        .where(
            Payment.booking_id == booking.id,
            Payment.kind == kind.value,
            Payment.status == "pending",
            Payment.gateway == gateway.name,
            Payment.amount_minor == amount,
            Payment.checkout_session_id.is_not(None),
            Payment.checkout_expires_at > now + REUSE_MARGIN,
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if payment is None or payment.checkout_url is None or payment.checkout_expires_at is None:
        return None
    assert payment.checkout_session_id is not None
    return CheckoutLink(
        payment.checkout_session_id, payment.checkout_url, payment.checkout_expires_at
    )


def _unlinked(*where: ColumnElement[bool]) -> Delete:
    """Payments written by step 1 that never got their link."""
    return delete(Payment).where(
        *where,
        Payment.status == "pending",
        Payment.checkout_session_id.is_(None),
        Payment.payment_intent_id.is_(None),
    )


async def _create(
    gateway: PaymentGateway, asked: _Asked, customer_id: str
) -> tuple[CheckoutLink, int]:
    """Step 2's Checkout session; the attempt its key ended on."""
    attempt = asked.attempt
    for _ in range(IDEMPOTENCY_RETRIES):
        key = f"booking-{asked.booking_id}-{asked.kind.value}-{attempt}"
        request = replace(asked.request, customer_id=customer_id, idempotency_key=key)
        try:
            return await gateway.create_checkout(request), attempt
        except GatewayError as error:
            # The key was used before with other parameters (a try whose answer was
            # lost, then a different amount): that attempt is spent, take the next.
            if error.code != "idempotency_conflict":
                raise
            attempt += 1
    raise GatewayError("no free idempotency key", code="idempotency_conflict")


async def _store(
    uow: UnitOfWork,
    gateway: PaymentGateway,
    asked: _Asked,
    customer_id: str,
    link: CheckoutLink,
    attempt: int,
    now: datetime,
) -> CheckoutLink | None:
    """Step 3; None: the booking no longer owes this."""
    session = uow.session
    booking = await get_booking(session, asked.booking_id, lock=True)
    if asked.customer_id is None:
        await _keep_customer(uow, gateway, asked.customer.user_id, customer_id, now)
    owed = booking.state == OWED_IN[asked.kind][0].value
    # Read before ours is stored: a link another request stored meanwhile.
    other = (
        await _reusable(uow, gateway, booking, asked.kind, _owed(booking, asked.kind), now)
        if owed
        else None
    )
    payment = await session.get(Payment, asked.payment_id)
    if payment is not None:
        await session.refresh(payment)
    if payment is not None and payment.status == "pending":
        payment.customer_id, payment.attempt = customer_id, attempt
        payment.checkout_session_id, payment.checkout_url = link.id, link.url
        payment.checkout_expires_at, payment.updated_at = link.expires_at, now
        if owed and other is None:
            return link
        drop_link(session, payment, booking, now=now)  # its session expired by the worker
    return other


async def _keep_customer(
    uow: UnitOfWork, gateway: PaymentGateway, user_id: int, customer_id: str, now: datetime
) -> None:
    """One gateway customer per client: a twin request made the same one (same key)."""
    session = uow.session
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(
        insert(StripeCustomer)
        .values(user_id=user_id, gateway=gateway.name, customer_id=customer_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "gateway"])
    )


def checkout_expiry(now: datetime, deadline: datetime | None) -> datetime:
    latest = now + CHECKOUT_MAX
    if deadline is not None:
        latest = min(latest, deadline)
    # A deadline closer than Stripe allows still gets a link; paying after the booking
    # expired is refunded automatically (see settle_payment).
    return max(latest, now + CHECKOUT_MIN).replace(microsecond=0)
