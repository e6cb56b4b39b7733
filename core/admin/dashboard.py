"""The figures of `mounasabet-admin dashboard`, each one query over indexed columns.

Searches are the chats' (core/catalog/search_tally.py), counted per market day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select

from core.booking.states import BookingState
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Booking, Flag, LedgerEntry, OutboxMessage, Payment, Ticket, User
from core.db.tables_admin import SearchCount
from core.db.tables_scheduler import SweepRecord
from core.uow import UnitOfWork

DAYS = 30
BOOKED = (
    BookingState.CONFIRMED.value,
    BookingState.DELIVERED.value,
    BookingState.PAYMENT_DUE.value,
    BookingState.COMPLETED.value,
    BookingState.DISPUTED.value,
)
LIVE = (BookingState.REQUESTED.value, BookingState.ACCEPTED.value, *BOOKED)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=MARKET_TZ)


async def dashboard(uow: UnitOfWork, *, now: datetime) -> dict[str, Any]:
    s = uow.session
    today = now.astimezone(MARKET_TZ).date()
    week_start = today - timedelta(days=today.weekday())
    month_start = _local_midnight(today.replace(day=1))
    since = _local_midnight(today - timedelta(days=DAYS - 1))

    by_state = dict(
        (await s.execute(select(Booking.state, func.count()).group_by(Booking.state))).all()
    )
    this_week = await s.scalar(
        select(func.count())
        .select_from(Booking)
        .where(
            Booking.event_date >= week_start,
            Booking.event_date < week_start + timedelta(days=7),
            Booking.state.in_(LIVE),
        )
    )

    async def ledger_sum(kind: str, column: Any = LedgerEntry.amount_minor) -> int:
        total = await s.scalar(
            select(func.coalesce(func.sum(column), 0)).where(
                LedgerEntry.kind == kind, LedgerEntry.at >= month_start
            )
        )
        return int(total or 0)

    deposits = await s.scalar(
        select(func.coalesce(func.sum(Payment.amount_minor), 0)).where(
            Payment.kind == "deposit", Payment.status == "paid", Payment.paid_at >= month_start
        )
    )
    owed = await s.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.kind == "payout", LedgerEntry.status == "owed"
        )
    )
    flags_open, flag_oldest = (
        await s.execute(
            select(func.count(), func.min(Flag.created_at)).where(Flag.resolved_at.is_(None))
        )
    ).one()
    tickets_open, ticket_oldest = (
        await s.execute(
            select(func.count(), func.min(Ticket.created_at)).where(Ticket.status != "closed")
        )
    ).one()
    per_day = await _per_day(uow, since, today)
    requested, booked = (
        await s.execute(
            select(
                func.count(),
                func.count().filter(Booking.state.in_(BOOKED)),
            ).where(Booking.created_at >= since)
        )
    ).one()
    # The link that led to the booking; a booking made without one keeps the client's
    # first source (a campaign that brought them counts for what they book later).
    source = func.coalesce(Booking.source, User.source)
    by_source = (
        await s.execute(
            select(source, func.count())
            .select_from(Booking)
            .join(User, User.id == Booking.client_id)
            .where(Booking.created_at >= since)
            .group_by(source)
        )
    ).all()
    searches = await s.scalar(
        select(func.sum(SearchCount.searches)).where(SearchCount.day >= since.date())
    )
    dead = await s.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "dead")
    )
    return {
        "at": now.isoformat(),
        "bookings_by_state": {str(k): int(v) for k, v in by_state.items()},
        "events_this_week": int(this_week or 0),
        "month": {
            "from": month_start.isoformat(),
            "revenue_minor": await ledger_sum("payment"),
            "deposits_minor": int(deposits or 0),
            "refunds_minor": await ledger_sum("refund"),
            "commission_minor": await ledger_sum("payout", LedgerEntry.commission_minor),
        },
        "owed_to_providers_minor": int(owed or 0),
        "flags": {"open": int(flags_open), "oldest_hours": _hours(now, flag_oldest)},
        "tickets": {"open": int(tickets_open), "oldest_hours": _hours(now, ticket_oldest)},
        "bookings_per_day": per_day,
        "conversion_30d": {
            "searches": int(searches or 0),
            "requests": int(requested),
            "bookings": int(booked),
            "search_to_request": round(requested / searches, 3) if searches else None,
            "request_to_booking": round(booked / requested, 3) if requested else None,
        },
        "bookings_by_source_30d": {str(k or "direct"): int(v) for k, v in by_source},
        "failed_sweeps": await _failed_sweeps(uow),
        "outbox_dead": int(dead or 0),
    }


async def _failed_sweeps(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Sweeps whose last run failed: the next run retries, but an admin should know why."""
    rows = (
        await uow.session.scalars(
            select(SweepRecord).where(SweepRecord.status == "error").order_by(SweepRecord.id)
        )
    ).all()
    return [
        {
            "id": r.id,
            "failures": r.failures,
            "last_error_at": r.last_error_at.isoformat() if r.last_error_at else None,
            "last_error": (r.last_error or "")[:200],
        }
        for r in rows
    ]


async def _per_day(uow: UnitOfWork, since: datetime, today: date) -> list[int]:
    """Bookings created per local day, oldest first, ``DAYS`` values."""
    stamps = (
        await uow.session.scalars(select(Booking.created_at).where(Booking.created_at >= since))
    ).all()
    counts = [0] * DAYS
    first = today - timedelta(days=DAYS - 1)
    for stamp in stamps:
        index = (stamp.astimezone(MARKET_TZ).date() - first).days
        if 0 <= index < DAYS:
            counts[index] += 1
    return counts


def _hours(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else round((now - since).total_seconds() / 3600, 1)
