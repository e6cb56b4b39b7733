"""Payment links die with the state they pay for: a cancelled, declined or expired booking
leaves no Checkout session open, so no money is taken only to be refunded (and, with
Stripe, its fees lost).

In the transition's own transaction the open links stop being ``pending`` (our offline
page and ``deposit_link`` stop offering them at once) and an outbox row asks for the
gateway's expiry. The gateway is called after the commit by the outbox worker, with its
retries: never from inside a transaction that could still roll back (which would leave
a dead link on a live booking), and never forgotten by a crash. A payment that wins the
race anyway is refunded and flagged by ``settle_payment``, as any unwanted payment.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.tables import Booking, OutboxMessage, Payment
from core.notifications.outbox import DeliveryOutcome, DeliveryResult, queued_row
from core.payments.ports import GATEWAY_CHANNEL, GatewayError, PaymentGateway, PaymentKind
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

EXPIRE_CHECKOUT = "expire_checkout"
# The one state in which each kind of link may take money.
DUE_IN: dict[str, BookingState] = {
    PaymentKind.DEPOSIT.value: BookingState.ACCEPTED,
    PaymentKind.BALANCE.value: BookingState.PAYMENT_DUE,
}
# The booking dropped the link; the gateway is yet to expire it (then: expired).
CANCELLED = "cancelled"
# Where the search for a session made for a payment (its link never stored) looks, from
# the payment's writing: from a little before (Stripe's clock and ours may differ) to a
# little after the longest its making takes (the Stripe client waits at most 2 x 120 s).
SEARCH_FROM, SEARCH_UNTIL = timedelta(minutes=-5), timedelta(minutes=10)


async def void_checkouts(
    session: AsyncSession, booking: Booking, source: BookingState, *, now: datetime
) -> list[int]:
    """``booking`` just left ``source``: stop its open links that no longer pay for
    anything and queue their expiry at the gateway. Returns the payments stopped."""
    if source not in DUE_IN.values():
        return []  # links are only made in a state where money is due
    links = (
        await session.scalars(
            select(Payment).where(
                Payment.booking_id == booking.id,
                Payment.status == "pending",
                Payment.checkout_session_id.is_not(None),
            )
        )
    ).all()
    stopped = []
    for payment in links:
        if DUE_IN.get(payment.kind) is BookingState(booking.state):
            continue
        drop_link(session, payment, booking, now=now)
        stopped.append(payment.id)
    return stopped


def drop_link(session: AsyncSession, payment: Payment, booking: Booking, *, now: datetime) -> None:
    """``payment``'s link is handed out no more; its expiry at the gateway is queued."""
    payment.status, payment.updated_at = CANCELLED, now
    session.add(OutboxMessage(**expiry_asked(payment.id, booking.id, booking.client_id, now=now)))


def expiry_asked(
    payment_id: int,
    booking_id: int,
    client_id: int,
    *,
    now: datetime,
    due: datetime | None = None,
) -> dict[str, Any]:
    """The outbox row that asks the gateway to expire a dropped link (`drop_link`'s, and
    checkout_links.py's and unfinished_links.py's when they write by plain statements),
    made from ``due`` on (default: at once)."""
    row = queued_row(
        kind=EXPIRE_CHECKOUT,
        user_id=client_id,
        channel=GATEWAY_CHANNEL,
        payload={"payment_id": payment_id, "booking_id": booking_id},
        now=now,
        dedupe_key=f"payment-{payment_id}-expire",
    )
    if due is not None:
        row["next_attempt_at"] = due
    return row


async def expire_checkout(
    uows: UnitOfWorkFactory, gateway: PaymentGateway, payment_id: int, *, now: datetime
) -> DeliveryResult:
    """Tell the gateway; then the payment is ``expired`` (a retry after a crash between
    the two finds the session expired already, which the gateway answers as such). A
    payment whose link's making was cut short (unfinished_links.py) has no session stored:
    the gateway is asked for the one made for it, if any."""
    async with uows() as uow:
        payment = await uow.session.get(Payment, payment_id)
        if payment is None or payment.status != CANCELLED:
            return DeliveryResult(DeliveryOutcome.SENT)  # settled or expired meanwhile
        if payment.gateway != gateway.name:
            return DeliveryResult(
                DeliveryOutcome.GIVE_UP, error=f"link made by the {payment.gateway} gateway"
            )
        session_id, written = payment.checkout_session_id, payment.created_at
    try:
        if session_id is None:
            within = (written + SEARCH_FROM, written + SEARCH_UNTIL)
            session_id = await gateway.find_checkout(payment_id, made_within=within)
        status = "expired" if session_id is None else await gateway.expire_checkout(session_id)
    except GatewayError as error:
        log.warning("checkout of payment %s not expired yet: %s", payment_id, error)
        return DeliveryResult(DeliveryOutcome.RETRY, error=str(error)[:500])
    if status != "expired":
        # Paid just before: its events settle it, and settle_payment gives it back.
        log.warning("checkout %s of a dropped link was %s", session_id, status)
        return DeliveryResult(DeliveryOutcome.SENT)
    async with uows() as uow:
        payment = await uow.session.get(Payment, payment_id)
        assert payment is not None
        # Under the booking's lock, as the payment webhooks are: one writer at a time.
        await get_booking(uow.session, payment.booking_id, lock=True)
        await uow.session.refresh(payment)
        if payment.status == CANCELLED:
            payment.status, payment.updated_at = "expired", now
            # A session found for an unstored link is kept, for the record.
            payment.checkout_session_id = payment.checkout_session_id or session_id
            await uow.commit()
    return DeliveryResult(DeliveryOutcome.SENT)
