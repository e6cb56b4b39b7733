"""The admins' daily digest: yesterday's bookings, money, flags, tickets and failed sweeps.

Due once a day from ``digest_at`` (market time); the figures are counted once and go by
email to every admin with an address, each message keyed by day and admin so a second
run, or a late one, sends nothing twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import (
    Booking,
    BookingTransition,
    Flag,
    OutboxMessage,
    Payment,
    Refund,
    SweepRecord,
    Ticket,
    User,
    UserRole,
)
from core.notifications.outbox import enqueue
from core.scheduling.model import Counts, SweepContext

KIND = "admin_digest"
TRANSITIONS = ("confirmed", "completed", "cancelled", "expired", "declined", "disputed")


def digest_day(now: datetime, ctx: SweepContext) -> date | None:
    """The market day whose digest is due at ``now`` (None before today's hour)."""
    local = now.astimezone(MARKET_TZ)
    return local.date() if local.time() >= ctx.config.digest_at else None


async def send_digest(ctx: SweepContext) -> Counts:
    day = digest_day(ctx.now, ctx)
    if day is None:
        return {"sent": 0}
    end = datetime.combine(day, ctx.config.digest_at, tzinfo=MARKET_TZ)
    start = datetime.combine(day - timedelta(days=1), ctx.config.digest_at, tzinfo=MARKET_TZ)
    async with ctx.uows() as uow:
        admins = (
            await uow.session.execute(
                select(User.id, User.email).where(
                    User.role == UserRole.ADMIN.value, User.email.is_not(None)
                )
            )
        ).all()
        keys = {f"admin-digest-{day.isoformat()}-{uid}": (uid, email) for uid, email in admins}
        sent = set(
            await uow.session.scalars(
                select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys))
            )
        )
        todo = {key: who for key, who in keys.items() if key not in sent}
        if not todo:
            return {"sent": 0}
        figures = await digest_figures(uow.session, start, end)
        for key, (user_id, email) in todo.items():
            enqueue(
                uow.session,
                kind=KIND,
                user_id=user_id,
                now=ctx.now,
                channel="email",
                payload={"to": email, "day": day.isoformat(), "figures": figures},
                dedupe_key=key,
            )
        await uow.commit()
    return {"sent": len(todo)}


async def digest_figures(session: AsyncSession, start: datetime, end: datetime) -> dict[str, Any]:
    """Counts and sums between ``start`` and ``end``; nothing that names a person."""

    async def count(stmt: Any) -> int:
        return int(await session.scalar(stmt) or 0)

    def within(column: Any) -> Any:
        return column.between(start, end - timedelta(microseconds=1))

    moved = dict(
        (
            await session.execute(
                select(BookingTransition.target, func.count())
                .where(
                    within(BookingTransition.at),
                    BookingTransition.target.in_(TRANSITIONS),
                    BookingTransition.action != "confirm_delivery",
                )
                .group_by(BookingTransition.target)
            )
        ).all()
    )
    paid = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Payment.amount_minor), 0)).where(
                Payment.paid_at.is_not(None), within(Payment.paid_at)
            )
        )
    ).one()
    refunded = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(Refund.amount_minor), 0)).where(
                Refund.status == "succeeded", within(Refund.updated_at)
            )
        )
    ).one()
    return {
        "requested": await count(
            select(func.count()).select_from(Booking).where(within(Booking.created_at))
        ),
        **{state: int(moved.get(state, 0)) for state in TRANSITIONS},
        "payments": int(paid[0]),
        "payments_minor": int(paid[1]),
        "refunds": int(refunded[0]),
        "refunds_minor": int(refunded[1]),
        "refunds_pending": await count(
            select(func.count()).select_from(Refund).where(Refund.status == "pending")
        ),
        "flags_raised": await count(
            select(func.count()).select_from(Flag).where(within(Flag.created_at))
        ),
        "flags_open": await count(
            select(func.count()).select_from(Flag).where(Flag.resolved_at.is_(None))
        ),
        "tickets_opened": await count(
            select(func.count()).select_from(Ticket).where(within(Ticket.created_at))
        ),
        "tickets_open": await count(
            select(func.count()).select_from(Ticket).where(Ticket.status == "open")
        ),
        "currency": "MAD",
        "failed_sweeps": sorted(
            await session.scalars(
                select(SweepRecord.id).where(
                    SweepRecord.last_error_at.is_not(None), within(SweepRecord.last_error_at)
                )
            )
        ),
    }
