"""Money sweeps: auto-confirmed deliveries and their balance, unpaid balances, refunds
the gateway has not taken yet, payment links a crash left unfinished, and payouts that
waited for a refund."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.booking.actors import get_booking
from core.booking.states import BookingState
from core.db.engine import read_only, write_with_connection
from core.db.tables import Booking, OutboxMessage, Refund
from core.payments.payout_retry import retry_owed_payouts
from core.payments.ports import Payments
from core.payments.refund_sending import retry_pending_refunds
from core.payments.sweeps import (
    auto_confirm_deliveries,
    send_balance_reminders,
    settle_waiting_payouts,
)
from core.payments.unfinished_links import GAVE_UP, orphans_given_up
from core.scheduling.flags import flag_once
from core.scheduling.model import Counts, Sweep, SweepContext


def _payments(ctx: SweepContext) -> Payments:
    if ctx.payments is None:
        raise RuntimeError("this sweep needs the payment gateway")
    return ctx.payments


async def auto_confirm(ctx: SweepContext) -> Counts:
    done = await auto_confirm_deliveries(
        ctx.uows, _payments(ctx), now=ctx.now, after=ctx.config.auto_confirm_after, limit=ctx.batch
    )
    return {"confirmed": len(done)}


async def balance_reminders(ctx: SweepContext) -> Counts:
    """A reminder every day while a balance is due, with a link that works (the outbox
    worker makes it as it words the reminder); after the last one, a flag."""
    cfg = ctx.config
    sent = await send_balance_reminders(
        ctx.uows,
        now=ctx.now,
        every=cfg.balance_reminder_every,
        at_most=cfg.balance_reminders,
        limit=ctx.batch,
    )
    return {"reminded": len(sent), "flagged": await _flag_unpaid_balances(ctx)}


async def _flag_unpaid_balances(ctx: SweepContext) -> int:
    cfg = ctx.config
    flagged, last_id = 0, 0
    while True:
        async with ctx.uows() as uow:
            session = await read_only(uow.session)
            rows = (
                await session.execute(
                    select(Booking.id)
                    .where(Booking.state == BookingState.PAYMENT_DUE.value, Booking.id > last_id)
                    .order_by(Booking.id)
                    .limit(ctx.batch)
                )
            ).all()
        for (booking_id,) in rows:
            last_id = booking_id
            async with ctx.uows() as uow:
                booking = await get_booking(uow.session, booking_id, lock=True)
                prefix = f"booking-{booking_id}-balance-reminder-"
                count, last = (
                    await uow.session.execute(
                        select(
                            func.count(OutboxMessage.id), func.max(OutboxMessage.created_at)
                        ).where(OutboxMessage.dedupe_key.like(prefix + "%"))
                    )
                ).one()
                if booking.state != BookingState.PAYMENT_DUE.value or count < cfg.balance_reminders:
                    continue
                if last is None or ctx.now - last < cfg.balance_reminder_every:
                    continue  # the last reminder still has its day to be answered
                flagged += await flag_once(
                    uow,
                    kind="balance_unpaid",
                    subject_type="booking",
                    subject_id=booking_id,
                    now=ctx.now,
                    details={
                        "reminders": count,
                        "due_minor": booking.total_minor - booking.paid_minor,
                    },
                )
                await uow.commit()
        if len(rows) < ctx.batch:
            return flagged


async def refunds(ctx: SweepContext) -> Counts:
    """Refunds the gateway did not take are sent again (same idempotency key); one still
    pending after ``refund_give_up_after`` is flagged for an admin."""
    payments = _payments(ctx)
    sent = await retry_pending_refunds(
        ctx.uows, payments.gateway, now=ctx.now, limit=ctx.batch, links=payments.links
    )
    stuck = 0
    async with ctx.uows() as uow:
        session = await read_only(uow.session)
        ids = (
            await session.scalars(
                select(Refund.id)
                .where(
                    Refund.status == "pending",
                    Refund.created_at <= ctx.now - ctx.config.refund_give_up_after,
                )
                .order_by(Refund.id)
                .limit(ctx.batch)
            )
        ).all()
    for refund_id in ids:
        async with ctx.uows() as uow:
            refund = await uow.session.get(Refund, refund_id, with_for_update=True)
            if refund is None or refund.status != "pending":
                continue
            stuck += await flag_once(
                uow,
                kind="refund_stuck",
                subject_type="refund",
                subject_id=refund_id,
                now=ctx.now,
                details={"booking_id": refund.booking_id, "error": refund.error},
            )
            await uow.commit()
    return {"sent": len(sent), "flagged": stuck}


async def unfinished_links(ctx: SweepContext) -> Counts:
    """Payments a crash left without their link: cancelled, their session (if the gateway
    made one) found and expired by the outbox worker (core/payments/unfinished_links.py)."""
    cancelled = await write_with_connection(
        ctx.uows.engine, lambda conn: orphans_given_up(conn, now=ctx.now, limit=ctx.batch)
    )
    if cancelled:
        ctx.uows.committed_elsewhere(GAVE_UP)
    return {"cancelled": cancelled}


async def payouts(ctx: SweepContext) -> Counts:
    """Payouts that waited for a refund, then failed transfers sent again (with backoff)."""
    settled = await settle_waiting_payouts(ctx.uows, _payments(ctx), now=ctx.now, limit=ctx.batch)
    paid, stuck = await retry_owed_payouts(ctx.uows, _payments(ctx), now=ctx.now, limit=ctx.batch)
    return {"settled": len(settled), "transferred": len(paid), "flagged": stuck}


SWEEPS = (
    Sweep(
        "auto-confirm-delivery",
        timedelta(minutes=15),
        auto_confirm,
        "confirm deliveries the client left unanswered, charge the balance",
        needs_payments=True,
    ),
    Sweep(
        "balance-reminders",
        timedelta(hours=1),
        balance_reminders,
        "remind unpaid balances with a link that works, then flag",
        needs_payments=True,
    ),
    Sweep(
        "retry-refunds",
        timedelta(minutes=10),
        refunds,
        "send pending refunds again; flag the stuck ones",
        needs_payments=True,
    ),
    Sweep(
        "unfinished-links",
        timedelta(minutes=10),
        unfinished_links,
        "cancel payments a crash left without their link; their sessions are expired",
    ),
    Sweep(
        "settle-payouts",
        timedelta(minutes=10),
        payouts,
        "pay out bookings that waited for a refund; send failed transfers again, then flag",
        needs_payments=True,
    ),
)
