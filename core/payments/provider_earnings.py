"""What a provider earned: per month from the money journal, and what clients still owe.

A month's figures are the ledger's entries of the provider's bookings in that local
month, split per booking as the admin reports split them (core/payments/split.py), so
the provider and the admins read the same commission to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.booking.availability import local_instant
from core.booking.states import BookingState
from core.db.tables import Booking, LedgerEntry, Payment
from core.money import Money
from core.payments.split import PeriodTotals, add_up, split
from core.uow import UnitOfWork

# Booked, with a balance the client is still to pay.
OWING_STATES = (
    BookingState.CONFIRMED,
    BookingState.DELIVERED,
    BookingState.PAYMENT_DUE,
    BookingState.DISPUTED,
)


@dataclass(frozen=True, slots=True)
class MonthEarnings:
    month: date  # its first day
    totals: PeriodTotals  # paid, refunded, commission, provider_share (the net less it)
    deposits: int  # of ``totals.paid``, what came in as deposits


@dataclass(frozen=True, slots=True)
class Earnings:
    currency: str
    this_month: MonthEarnings
    last_month: MonthEarnings
    balance_due: int  # still to come from clients on booked events
    payouts_owed: int  # the provider's share not transferred yet, all months


def month_start(day: date) -> date:
    return day.replace(day=1)


async def provider_earnings(
    uow: UnitOfWork,
    provider_id: int,
    *,
    today: date,
    tz: ZoneInfo,
    commission_bp: int,
    currency: str = "MAD",
) -> Earnings:
    this = month_start(today)
    last = _month_before(this)
    following = _month_after(this)
    figures = [
        await _month(uow, provider_id, start, end, tz, commission_bp, currency)
        for start, end in ((this, following), (last, this))
    ]
    due = await uow.session.scalar(
        select(func.coalesce(func.sum(Booking.total_minor - Booking.paid_minor), 0)).where(
            Booking.provider_id == provider_id,
            Booking.currency == currency,
            Booking.state.in_(OWING_STATES),
        )
    )
    owed = await uow.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.provider_id == provider_id,
            LedgerEntry.currency == currency,
            LedgerEntry.kind == "payout",
            LedgerEntry.status == "owed",
        )
    )
    return Earnings(currency, figures[0], figures[1], int(due or 0), int(owed or 0))


async def _month(
    uow: UnitOfWork,
    provider_id: int,
    first: date,
    after: date,
    tz: ZoneInfo,
    commission_bp: int,
    currency: str,
) -> MonthEarnings:
    start, end = _instant(first, tz), _instant(after, tz)
    rows = (
        await uow.session.execute(
            select(LedgerEntry.booking_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
            .where(
                LedgerEntry.provider_id == provider_id,
                LedgerEntry.currency == currency,
                LedgerEntry.kind.in_(("payment", "refund")),
                LedgerEntry.at >= start,
                LedgerEntry.at < end,
            )
            .group_by(LedgerEntry.booking_id, LedgerEntry.kind)
        )
    ).all()
    paid: dict[int, int] = {}
    refunded: dict[int, int] = {}
    for booking_id, kind, total in rows:
        into = paid if kind == "payment" else refunded
        into[booking_id] = into.get(booking_id, 0) + int(total)
    lines = [
        split(
            b, Money(paid.get(b, 0), currency), Money(refunded.get(b, 0), currency), commission_bp
        )
        for b in sorted(set(paid) | set(refunded))
    ]
    deposits = await uow.session.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor), 0))
        .join(Booking, Booking.id == Payment.booking_id)
        .where(
            Booking.provider_id == provider_id,
            Payment.currency == currency,
            Payment.kind == "deposit",
            Payment.paid_at >= start,
            Payment.paid_at < end,
        )
    )
    return MonthEarnings(first, add_up(lines, currency=currency), int(deposits or 0))


def _instant(day: date, tz: ZoneInfo) -> datetime:
    return local_instant(day, time(0), tz)


def _month_before(first: date) -> date:
    return (first.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_after(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
