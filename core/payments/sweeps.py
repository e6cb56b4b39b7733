"""Payment sweeps for the scheduler: plain functions of ``now``, safe to run twice or late.

The deposit deadline needs no sweep of its own: ``booking_actions.expire_due`` expires
accepted bookings whose deposit did not arrive in time, and a payment that still comes
afterwards is refunded by ``settle_payment``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.booking.actions import expire_due
from core.booking.actors import Actor, get_booking
from core.booking.states import BookingState
from core.db.tables import Booking, BookingTransition, LedgerEntry, OutboxMessage, Refund
from core.errors import DomainError
from core.notifications.outbox import enqueue
from core.payments.balance import confirm_and_charge
from core.payments.ledger import settle_payout
from core.payments.ports import Payments
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

AUTO_CONFIRM_AFTER = timedelta(days=3)
REMINDER_EVERY = timedelta(hours=24)
MAX_REMINDERS = 3

__all__ = [
    "auto_confirm_deliveries",
    "expire_due",
    "send_balance_reminders",
    "settle_waiting_payouts",
]


async def _entered(
    uows: UnitOfWorkFactory, state: BookingState, before: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """Bookings now in ``state`` and when they entered it, if that was before ``before``."""
    async with uows() as uow:
        entered = func.max(BookingTransition.at)
        rows = (
            await uow.session.execute(
                select(Booking.id, entered)
                .join(BookingTransition, BookingTransition.booking_id == Booking.id)
                .where(Booking.state == state, BookingTransition.target == state.value)
                .group_by(Booking.id)
                .having(entered <= before)
                .order_by(entered)
                .limit(limit)
            )
        ).all()
    return [(int(booking_id), at) for booking_id, at in rows]


async def auto_confirm_deliveries(
    uows: UnitOfWorkFactory,
    payments: Payments,
    *,
    now: datetime,
    after: timedelta = AUTO_CONFIRM_AFTER,
    limit: int = 100,
) -> list[int]:
    """Delivered bookings the client has not confirmed within ``after``: confirm, charge."""
    done: list[int] = []
    for booking_id, _ in await _entered(uows, BookingState.DELIVERED, now - after, limit):
        async with uows() as uow:
            booking = await get_booking(uow.session, booking_id, lock=True)
            if booking.state != BookingState.DELIVERED or booking.delivery_confirmed_at:
                continue
            if booking.ends_at > now:  # marked delivered early: never confirmed before the end
                continue
            try:
                await confirm_and_charge(uow, payments, booking_id, Actor.system(), now=now)
            except DomainError:
                log.exception("auto-confirmation of booking %s failed", booking_id)
                continue
            await uow.commit()
            done.append(booking_id)
    return done


async def send_balance_reminders(
    uows: UnitOfWorkFactory,
    *,
    now: datetime,
    every: timedelta = REMINDER_EVERY,
    at_most: int = MAX_REMINDERS,
    limit: int = 100,
) -> list[int]:
    """Every ``every`` while a balance is due, a reminder with a link that works (the worker
    makes a fresh one if need be), ``at_most`` times. Each reminder has a dedupe key, so a
    second run cannot send it twice."""
    sent: list[int] = []
    for booking_id, since in await _entered(uows, BookingState.PAYMENT_DUE, now - every, limit):
        async with uows() as uow:
            session = uow.session
            booking = await get_booking(session, booking_id, lock=True)
            if booking.state != BookingState.PAYMENT_DUE:
                continue
            prefix = f"booking-{booking_id}-balance-reminder-"
            earlier = (
                await session.scalars(
                    select(OutboxMessage.created_at)
                    .where(OutboxMessage.dedupe_key.like(prefix + "%"))
                    .order_by(OutboxMessage.created_at)
                )
            ).all()
            last = earlier[-1] if earlier else since
            if len(earlier) >= at_most or now - last < every:
                continue
            # Its link is the outbox worker's to make or reuse, right before the reminder is
            # worded (core/payments/links.py): no gateway call in this transaction, and none
            # for a client who cannot be reached yet.
            enqueue(
                session,
                kind="balance_reminder",
                user_id=booking.client_id,
                now=now,
                payload={"booking_id": booking_id, "audience": "client"},
                dedupe_key=f"{prefix}{len(earlier) + 1}",
            )
            try:
                await uow.commit()
            except IntegrityError:  # another run sent this reminder first
                continue
            sent.append(booking_id)
    return sent


async def settle_waiting_payouts(
    uows: UnitOfWorkFactory, payments: Payments, *, now: datetime, limit: int = 100
) -> list[int]:
    """Completed bookings whose payout waited for a refund (see ``settle_payout``): once no
    refund is pending any more, the provider's share is known and is paid or owed."""
    refunds = select(Refund.id).where(Refund.booking_id == Booking.id)
    payout = select(LedgerEntry.id).where(
        LedgerEntry.booking_id == Booking.id, LedgerEntry.kind == "payout"
    )
    async with uows() as uow:
        ids = (
            await uow.session.scalars(
                select(Booking.id)
                .where(
                    Booking.state == BookingState.COMPLETED.value,
                    Booking.paid_minor > Booking.refunded_minor,
                    refunds.exists(),
                    ~refunds.where(Refund.status == "pending").exists(),
                    ~payout.exists(),
                )
                .order_by(Booking.id)
                .limit(limit)
            )
        ).all()
    settled: list[int] = []
    for booking_id in ids:
        async with uows() as uow:
            # settle_payout locks the booking and looks again: a twin run finds it done.
            entry = await settle_payout(uow, payments, booking_id, now=now)
            await uow.commit()
        if entry is not None:
            settled.append(booking_id)
    return settled
