"""The money journal: payments in, refunds out, and what each provider is owed or was paid.

Every entry has a unique key (``payment-<id>``, ``refund-<id>``, ``payout-<booking>``), so
recording the same fact twice is a no-op, whichever path (webhook, sweep, dialog) gets
there first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.actors import get_booking
from core.db.tables import Booking, LedgerEntry, Provider, Refund
from core.money import Money
from core.notifications.outbox import enqueue
from core.payments.ports import GATEWAY_CHANNEL, Payments
from core.payments.split import BookingMoney, PeriodTotals, add_up, split
from core.uow import UnitOfWork

TRANSFER_PAYOUT = "transfer_payout"  # the outbox task on the gateway channel


async def add_entry(
    session: AsyncSession,
    booking: Booking,
    *,
    key: str,
    kind: str,
    amount_minor: int,
    now: datetime,
    status: str = "settled",
    external_id: str | None = None,
    commission_bp: int | None = None,
    commission_minor: int | None = None,
) -> LedgerEntry:
    found = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == key))
    if found is not None:
        return found
    entry = LedgerEntry(
        key=key,
        booking_id=booking.id,
        provider_id=booking.provider_id,
        kind=kind,
        amount_minor=amount_minor,
        currency=booking.currency,
        status=status,
        external_id=external_id,
        commission_bp=commission_bp,
        commission_minor=commission_minor,
        at=now,
    )
    session.add(entry)
    await session.flush()
    return entry


async def booking_money(
    session: AsyncSession, booking: Booking, commission_bp: int
) -> BookingMoney:
    """Paid, refunded, commission and provider share of one booking, from the journal."""
    rows = (
        await session.execute(
            select(LedgerEntry.kind, func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
            .where(LedgerEntry.booking_id == booking.id, LedgerEntry.kind != "payout")
            .group_by(LedgerEntry.kind)
        )
    ).all()
    sums = {kind: int(total) for kind, total in rows}
    return split(
        booking.id,
        Money(sums.get("payment", 0), booking.currency),
        Money(sums.get("refund", 0), booking.currency),
        commission_bp,
    )


async def settle_payout(
    uow: UnitOfWork, payments: Payments, booking_id: int, *, now: datetime
) -> LedgerEntry | None:
    """Once a booking's money is final, the provider's share is owed: transferred (Stripe
    Connect) by the outbox worker after this commit, or paid by hand without an account."""
    session = uow.session
    booking = await get_booking(session, booking_id, lock=True)
    key = f"payout-{booking.id}"
    done = await session.scalar(select(LedgerEntry).where(LedgerEntry.key == key))
    if done is not None:
        return done
    pending = await session.scalar(
        select(func.count())
        .select_from(Refund)
        .where(Refund.booking_id == booking.id, Refund.status == "pending")
    )
    if pending:
        # A refund is still on its way: the share is not known yet (the sweep
        # payment_sweeps.settle_waiting_payouts settles it once the refund has landed).
        return None
    money = await booking_money(session, booking, payments.commission_bp)
    if money.provider_share <= 0:
        return None
    provider = await session.get(Provider, booking.provider_id)
    entry = await add_entry(
        session,
        booking,
        key=key,
        kind="payout",
        amount_minor=money.provider_share,
        now=now,
        status="owed",
        external_id=None,
        commission_bp=payments.commission_bp,
        commission_minor=money.commission,
    )
    entry.retried_at, entry.attempt = None, 0
    if provider is not None and provider.stripe_account_id:
        # Transferred by the outbox worker after this commit (payout_retry.py): owed until
        # then, and owed for good (paid by hand) where the provider has no account.
        await session.flush()
        enqueue(
            session,
            kind=TRANSFER_PAYOUT,
            user_id=booking.client_id,
            channel=GATEWAY_CHANNEL,
            payload={"entry_id": entry.id, "booking_id": booking.id},
            now=now,
            dedupe_key=f"payout-{booking.id}-transfer",
        )
    return entry


def payout_key(booking_id: int, attempt: int) -> str:
    """The idempotency key of a payout transfer: the same for every retry of one attempt
    (a transfer that went through unanswered is not paid twice), a new one after Stripe
    refused (it would give every retry with the old key its refusal again)."""
    return f"booking-{booking_id}-payout" + (f"-{attempt + 1}" if attempt else "")


async def period_totals(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    commission_bp: int,
    currency: str = "MAD",
) -> tuple[PeriodTotals, list[BookingMoney]]:
    """Money that moved in [start, end), per booking and in total (for admin reports)."""
    rows = (
        await session.execute(
            select(
                LedgerEntry.booking_id,
                LedgerEntry.kind,
                LedgerEntry.status,
                func.sum(LedgerEntry.amount_minor),
            )
            .where(
                LedgerEntry.at >= start,
                LedgerEntry.at < end,
                LedgerEntry.currency == currency,
            )
            .group_by(LedgerEntry.booking_id, LedgerEntry.kind, LedgerEntry.status)
        )
    ).all()
    paid: dict[int, int] = {}
    refunded: dict[int, int] = {}
    payouts = {"paid_via_connect": 0, "owed": 0}
    for booking_id, kind, status, total in rows:
        if kind == "payment":
            paid[booking_id] = paid.get(booking_id, 0) + int(total)
        elif kind == "refund":
            refunded[booking_id] = refunded.get(booking_id, 0) + int(total)
        elif kind == "payout":
            payouts[status] = payouts.get(status, 0) + int(total)
    lines = [
        split(
            b, Money(paid.get(b, 0), currency), Money(refunded.get(b, 0), currency), commission_bp
        )
        for b in sorted(set(paid) | set(refunded))
    ]
    totals = add_up(
        lines,
        currency=currency,
        payouts_paid=payouts["paid_via_connect"],
        payouts_owed=payouts["owed"],
    )
    return totals, lines
