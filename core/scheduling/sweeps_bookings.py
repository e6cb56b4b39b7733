"""Pending bookings: remind the provider at half time, the client of an unpaid deposit,
and expire what stayed unanswered or unpaid (both parties are told, the slot is freed)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from core.db.engine import read_only
from core.db.tables import Booking, BookingTransition
from core.domain.booking_states import BookingState
from core.errors import DomainError
from core.scheduling.model import Counts, Sweep, SweepContext
from core.scheduling.notices import remind_once, sent_keys
from core.services.booking_actions import EXPIRING, expire_one

log = logging.getLogger(__name__)
# Whether a reminder is due, from when the booking entered its state and its deadline.
_Due = Callable[[datetime, datetime], bool]


async def expire_overdue(ctx: SweepContext) -> Counts:
    """Expire each overdue request or unpaid acceptance in a transaction of its own."""
    counts = {"expired": 0, "skipped": 0}
    for state in EXPIRING:
        # Keyset over the (state, expires_at) index: a batch never sorts the backlog, and a
        # booking that could not expire is stepped over rather than picked again.
        after: tuple[datetime, int] | None = None
        while True:
            stmt = select(Booking.id, Booking.expires_at).where(
                Booking.state == state, Booking.expires_at <= ctx.now
            )
            if after is not None:
                stmt = stmt.where(
                    or_(
                        Booking.expires_at > after[0],
                        and_(Booking.expires_at == after[0], Booking.id > after[1]),
                    )
                )
            async with ctx.uows() as uow:
                session = await read_only(uow.session)  # SQLite: reads take no write lock
                rows = (
                    await session.execute(
                        stmt.order_by(Booking.expires_at, Booking.id).limit(ctx.batch)
                    )
                ).all()
            for booking_id, expires_at in rows:
                after = (expires_at or ctx.now, booking_id)  # never None: filtered above
                counts["expired" if await _expire(ctx, booking_id) else "skipped"] += 1
            if len(rows) < ctx.batch:
                break
    return counts


async def _expire(ctx: SweepContext, booking_id: int) -> bool:
    async with ctx.uows() as uow:
        try:
            done = await expire_one(uow, booking_id, now=ctx.now)
        except DomainError:  # a booking the rules refuse to expire: logged, left for an admin
            log.exception("booking %s could not expire", booking_id)
            return False
        await uow.commit()
        return done


async def remind_unanswered(ctx: SweepContext) -> Counts:
    """Half way to its deadline, a request still unanswered is shown to its provider again."""

    def due(created: datetime, expires: datetime) -> bool:
        return ctx.now >= created + (expires - created) / 2

    return await _remind(ctx, BookingState.REQUESTED, "request_reminder", "provider", due)


async def remind_unpaid(ctx: SweepContext) -> Counts:
    """An acceptance whose deposit has not come: the client is reminded once, after
    ``deposit_reminder_after`` (or half way, when the event is so close the deadline is)."""
    after = ctx.config.deposit_reminder_after

    def due(entered: datetime, expires: datetime) -> bool:
        return ctx.now >= entered + min(after, (expires - entered) / 2)

    return await _remind(ctx, BookingState.ACCEPTED, "deposit_reminder", "client", due)


async def _remind(
    ctx: SweepContext, state: BookingState, kind: str, audience: str, due: _Due
) -> Counts:
    counts = {"reminded": 0}
    last_id = 0
    while True:
        rows = await _pending_batch(ctx, state, last_id)
        if not rows:
            return counts
        last_id = rows[-1][0]
        keys = {booking_id: f"booking-{booking_id}-{kind}" for booking_id, *_ in rows}
        sent = await sent_keys(ctx, keys.values())
        for booking_id, entered, expires in rows:
            if keys[booking_id] in sent or not due(entered, expires):
                continue
            counts["reminded"] += await remind_once(
                ctx,
                booking_id=booking_id,
                state=state.value,
                kind=kind,
                audience=audience,
                key=keys[booking_id],
            )
        if len(rows) < ctx.batch:
            return counts


async def _pending_batch(
    ctx: SweepContext, state: BookingState, after_id: int
) -> Sequence[tuple[int, datetime, datetime]]:
    """Bookings still waiting in ``state``, with when they entered it and their deadline."""
    entered = func.max(BookingTransition.at)
    async with ctx.uows() as uow:
        session = await read_only(uow.session)
        rows = (
            await session.execute(
                select(Booking.id, entered, Booking.expires_at)
                .join(BookingTransition, BookingTransition.booking_id == Booking.id)
                .where(
                    Booking.state == state.value,
                    Booking.expires_at > ctx.now,
                    Booking.id > after_id,
                    BookingTransition.target == state.value,
                )
                .group_by(Booking.id, Booking.expires_at)
                .order_by(Booking.id)
                .limit(ctx.batch)
            )
        ).all()
    return [(int(i), at, exp) for i, at, exp in rows if exp is not None]


SWEEPS = (
    Sweep(
        "expire-pending",
        timedelta(minutes=1),
        expire_overdue,
        "expire unanswered requests and unpaid acceptances",
    ),
    Sweep(
        "remind-unanswered",
        timedelta(minutes=5),
        remind_unanswered,
        "remind providers of requests at half time",
    ),
    Sweep(
        "remind-unpaid", timedelta(minutes=15), remind_unpaid, "remind clients of an unpaid deposit"
    ),
)
