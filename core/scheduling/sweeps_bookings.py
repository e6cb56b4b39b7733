"""Pending bookings: remind the provider at half time, the client of an unpaid deposit,
and expire what stayed unanswered or unpaid (both parties are told, the slot is freed)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from core.booking.actions import EXPIRING, expire_many
from core.booking.states import BookingState
from core.db.engine import read_only
from core.db.tables import Booking, BookingTransition, Provider
from core.scheduling.model import Counts, Sweep, SweepContext
from core.scheduling.notices import remind_once, sent_keys

log = logging.getLogger(__name__)
# Whether a reminder is due, from when the booking entered its state and its deadline.
_Due = Callable[[datetime, datetime], bool]


async def expire_overdue(ctx: SweepContext) -> Counts:
    """Expire overdue requests and unpaid acceptances, a batch per transaction: each batch
    is expired, audited and announced whole, or (a crash, an error) not at all."""
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
            if not rows:
                break
            last_id, last_expiry = rows[-1]
            after = (last_expiry or ctx.now, last_id)  # never None: filtered above
            expired = await _expire_batch(ctx, [booking_id for booking_id, _ in rows])
            counts["expired"] += expired
            counts["skipped"] += len(rows) - expired
            if len(rows) < ctx.batch:
                break
    return counts


async def _expire_batch(ctx: SweepContext, ids: list[int]) -> int:
    async with ctx.uows() as uow:
        expired = await expire_many(uow, ids, now=ctx.now)
        # Loaded once for the batch and held until the commit, which writes the news of
        # each expiry to its provider (the session keeps unchanged rows only weakly).
        _providers = (
            await uow.session.scalars(
                select(Provider).where(Provider.id.in_({b.provider_id for b in expired}))
            )
        ).all()
        await uow.commit()
        return len(expired)


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
