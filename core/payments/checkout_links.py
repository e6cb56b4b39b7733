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

A gateway that refused deletes the payment of step 1: nothing was made. One that did not
answer (a timeout) may have made the session all the same, and a crash between steps 2
and 3 leaves it unstored: unfinished_links.py cancels such payments and has the session
found and expired. The path: checkout_links.mmd.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.booking.states import BookingState
from core.db.engine import write_with_connection
from core.db.tables import Booking, OutboxMessage, Payment, StripeCustomer, User
from core.errors import InvalidValue, NotFound
from core.money import Money
from core.payments.charges import LAST_ATTEMPT
from core.payments.checkout_expiry import CANCELLED, expiry_asked
from core.payments.ports import (
    CheckoutLink,
    CheckoutRequest,
    CustomerInfo,
    GatewayError,
    PaymentGateway,
    PaymentKind,
)
from core.payments.unfinished_links import GAVE_UP, SEARCH_AFTER, given_up, unlinked_deleted
from core.uow import Committed, UnitOfWorkFactory

# Stripe takes an expiry between 30 minutes and 24 hours after creation; keep clear of both.
CHECKOUT_MIN = timedelta(minutes=31)
CHECKOUT_MAX = timedelta(hours=23, minutes=59)
# A link this close to dying is not handed out again: a new one is made.
REUSE_MARGIN = timedelta(minutes=10)
IDEMPOTENCY_RETRIES = 3
# The state in which each kind of payment is owed, and the error when it is not.
OWED_IN = {
    PaymentKind.DEPOSIT: (BookingState.ACCEPTED, "deposit_not_due"),
    PaymentKind.BALANCE: (BookingState.PAYMENT_DUE, "balance_not_due"),
}

# Steps 1 and 3 are plain statements on one connection, built once on the tables' columns
# (as core/booking/request_write.py's): a link is made for every acceptance's news, and
# through the ORM its two transactions cost 4 ms of CPU (bench/README.md).
_PAYMENTS: Table = Payment.__table__  # type: ignore[assignment]
_CUSTOMERS: Table = StripeCustomer.__table__  # type: ignore[assignment]
_OUTBOX: Table = OutboxMessage.__table__  # type: ignore[assignment]
_BK = Booking.__table__.c
_PM = _PAYMENTS.c
_US = User.__table__.c
# The booking's money and state, read under its lock.
_LOCKED = (
    select(
        _BK.id,
        _BK.reference,
        _BK.client_id,
        _BK.state,
        _BK.currency,
        _BK.deposit_minor,
        _BK.total_minor,
        _BK.paid_minor,
        _BK.expires_at,
    )
    .where(_BK.id == bindparam("booking"))
    .with_for_update()
)
_REUSABLE = (
    select(_PM.checkout_session_id, _PM.checkout_url, _PM.checkout_expires_at)
    .where(
        _PM.booking_id == bindparam("booking"),
        _PM.kind == bindparam("kind"),
        _PM.status == "pending",
        _PM.gateway == bindparam("gateway"),
        _PM.amount_minor == bindparam("amount"),
        _PM.checkout_session_id.is_not(None),
        _PM.checkout_expires_at > bindparam("fresh_until"),
    )
    .order_by(_PM.id.desc())
    .limit(1)
)
_CUSTOMER = (
    select(_CUSTOMERS.c.customer_id)
    .where(_CUSTOMERS.c.user_id == _US.id, _CUSTOMERS.c.gateway == bindparam("gateway"))
    .scalar_subquery()
)
# The client as the gateway's customer, its customer there if known, and the attempt to
# number: one statement.
_CLIENT = select(
    _US.id,
    _US.display_name,
    _US.email,
    _US.phone_e164,
    _US.locale,
    _CUSTOMER.label("customer_id"),
    LAST_ATTEMPT.scalar_subquery().label("attempts"),
).where(_US.id == bindparam("user"))
_NEW_PAYMENT = insert(_PAYMENTS).returning(_PM.id)
_STATUS = select(_PM.status).where(_PM.id == bindparam("payment"))


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
    found = await write_with_connection(
        uows.engine, lambda conn: _reuse_or_begin(conn, gateway.name, booking_id, kind, now)
    )
    if isinstance(found, CheckoutLink):
        return found
    uows.committed_elsewhere(_WROTE_PAYMENT)
    customer_id = found.customer_id
    try:
        customer_id = customer_id or await gateway.ensure_customer(
            found.customer, idempotency_key=f"user-{found.customer.user_id}-customer"
        )
        link, attempt = await _create(gateway, found, customer_id)
    except GatewayError as error:
        # Asked for the session and not refused: it may exist (unfinished_links.py).
        maybe_made = customer_id is not None and not error.refused
        await write_with_connection(
            uows.engine, lambda conn: _not_made(conn, found.payment_id, maybe_made, now)
        )
        uows.committed_elsewhere(GAVE_UP)
        raise
    stored, wrote = await write_with_connection(
        uows.engine,
        lambda conn: _store(conn, gateway.name, found, customer_id, link, attempt, now),
    )
    uows.committed_elsewhere(wrote)  # with the drop of ours, when it is not handed out
    if stored is None:
        raise InvalidValue(OWED_IN[kind][1])  # the booking moved on meanwhile
    return stored


_WROTE_PAYMENT = Committed({"payments": None})
_DROPPED_OURS = Committed({"payments": None, "stripe_customers": None, "outbox": None})
_STORED_OURS = Committed({"payments": None, "stripe_customers": None})


def _owing(conn: Connection, booking_id: int) -> Any:
    """The booking's money and state, under its lock."""
    booking = conn.execute(_LOCKED, {"booking": booking_id}).first()
    if booking is None:
        raise NotFound("booking_not_found", booking_id=booking_id)
    return booking


def _reuse_or_begin(
    conn: Connection, gateway: str, booking_id: int, kind: PaymentKind, now: datetime
) -> CheckoutLink | _Asked:
    """Step 1."""
    booking = _owing(conn, booking_id)
    amount = _owed(booking, kind)
    reusable = _reusable(conn, gateway, booking.id, kind, amount, now)
    if reusable is not None:
        return reusable
    if amount <= 0:
        raise InvalidValue("nothing_to_pay")
    user = conn.execute(
        _CLIENT,
        {"user": booking.client_id, "gateway": gateway, "booking": booking.id, "kind": kind.value},
    ).first()
    if user is None:
        raise InvalidValue("user_not_found", user_id=booking.client_id)
    attempt = int(user.attempts) + 1
    payment_id: int = conn.execute(
        _NEW_PAYMENT,
        {
            "booking_id": booking.id,
            "kind": kind.value,
            "attempt": attempt,
            "amount_minor": amount,
            "currency": booking.currency,
            "status": "pending",
            "gateway": gateway,
            "customer_id": user.customer_id,
            "refunded_minor": 0,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
    deadline = booking.expires_at if kind is PaymentKind.DEPOSIT else None
    request = CheckoutRequest(
        booking_id=booking.id,
        payment_id=payment_id,
        reference=booking.reference,
        kind=kind,
        amount=Money(amount, booking.currency),
        description=f"Mounasabet {booking.reference} ({kind.value})",
        customer_id="",
        idempotency_key="",
        expires_at=checkout_expiry(now, deadline),
        locale=user.locale or "fr",
        metadata={"booking_id": str(booking.id), "kind": kind.value, "payment_id": str(payment_id)},
    )
    customer = CustomerInfo(user.id, user.display_name, user.email, user.phone_e164, user.locale)
    return _Asked(booking.id, payment_id, attempt, kind, request, customer, user.customer_id)


def _owed(booking: Any, kind: PaymentKind) -> int:
    state, not_due = OWED_IN[kind]
    if booking.state != state.value:
        raise InvalidValue(not_due, state=booking.state)
    if kind is PaymentKind.DEPOSIT:
        return int(booking.deposit_minor)
    return int(booking.total_minor - booking.paid_minor)


def _reusable(
    conn: Connection, gateway: str, booking_id: int, kind: PaymentKind, amount: int, now: datetime
) -> CheckoutLink | None:
    found = conn.execute(
        _REUSABLE,
        {
            "booking": booking_id,
            "kind": kind.value,
            "gateway": gateway,
            "amount": amount,
            "fresh_until": now + REUSE_MARGIN,
        },
    ).first()
    if found is None or found.checkout_url is None or found.checkout_expires_at is None:
        return None
    return CheckoutLink(found.checkout_session_id, found.checkout_url, found.checkout_expires_at)


def _not_made(conn: Connection, payment_id: int, maybe_made: bool, now: datetime) -> None:
    """Step 2 failed: the payment goes, or, where its session may exist, it is cancelled
    and the session searched for."""
    if not maybe_made:
        unlinked_deleted(conn, payment_id)
    else:
        given_up(conn, _PM.id == payment_id, now=now, search_at=now + SEARCH_AFTER)


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


def _store(
    conn: Connection,
    gateway: str,
    asked: _Asked,
    customer_id: str,
    link: CheckoutLink,
    attempt: int,
    now: datetime,
) -> tuple[CheckoutLink | None, Committed]:
    """Step 3: the link handed out (None: the booking no longer owes this), and what was
    written."""
    booking = _owing(conn, asked.booking_id)
    if asked.customer_id is None:
        _keep_customer(conn, gateway, asked.customer.user_id, customer_id, now)
    owed = booking.state == OWED_IN[asked.kind][0].value
    # Read before ours is stored: a link another request stored meanwhile.
    other = (
        _reusable(conn, gateway, booking.id, asked.kind, _owed(booking, asked.kind), now)
        if owed
        else None
    )
    if conn.execute(_STATUS, {"payment": asked.payment_id}).scalar() != "pending":
        return other, _STORED_OURS  # settled or deleted meanwhile: ours is not touched
    handed_out = owed and other is None
    conn.execute(
        update(_PAYMENTS)
        .where(_PM.id == asked.payment_id)
        .values(
            customer_id=customer_id,
            attempt=attempt,
            checkout_session_id=link.id,
            checkout_url=link.url,
            checkout_expires_at=link.expires_at,
            updated_at=now,
            **({} if handed_out else {"status": CANCELLED}),
        )
    )
    if handed_out:
        return link, _STORED_OURS
    # Not handed out: its session is expired at the gateway by the outbox worker.
    expiry = expiry_asked(asked.payment_id, booking.id, booking.client_id, now=now)
    conn.execute(insert(_OUTBOX), expiry)
    return other, _DROPPED_OURS


def _keep_customer(
    conn: Connection, gateway: str, user_id: int, customer_id: str, now: datetime
) -> None:
    """One gateway customer per client: a twin request made the same one (same key)."""
    insert_for = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        insert_for(_CUSTOMERS)
        .values(user_id=user_id, gateway=gateway, customer_id=customer_id, created_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "gateway"])
    )


def checkout_expiry(now: datetime, deadline: datetime | None) -> datetime:
    latest = now + CHECKOUT_MAX
    if deadline is not None:
        latest = min(latest, deadline)
    # A deadline closer than Stripe allows still gets a link; paying after the booking
    # expired is refunded automatically (see settle_payment).
    return max(latest, now + CHECKOUT_MIN).replace(microsecond=0)
