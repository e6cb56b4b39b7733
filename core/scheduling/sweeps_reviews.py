"""Reviews: the client of a completed booking is asked for a rating, then reminded once.

The request is due from ``review_request_after`` past the completion, the reminder from
``review_reminder_after`` past the request; neither once the client has reviewed, nor
past ``review_give_up_after`` (a worker back from a long outage does not ask about
events long gone). Each message has a dedupe key: a twin run, or a late one, sends none
twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.booking.reviews import review_of_booking
from core.booking.states import BookingState
from core.db.engine import read_only
from core.db.tables import Booking, BookingTransition, OutboxMessage
from core.db.tables_reviews import Review
from core.notifications.outbox import enqueue
from core.scheduling.model import Counts, Sweep, SweepContext

REQUEST, REMINDER = "review_request", "review_reminder"
COMPLETED = BookingState.COMPLETED.value


def key(kind: str, booking_id: int) -> str:
    return f"booking-{booking_id}-{kind.replace('_', '-')}"


@dataclass(frozen=True, slots=True)
class Unreviewed:
    booking_id: int
    completed_at: datetime


async def ask_for_reviews(ctx: SweepContext) -> Counts:
    cfg = ctx.config
    counts = {"requested": 0, "reminded": 0}
    last_id = 0
    while True:
        batch = await _unreviewed(ctx, after_id=last_id)
        if not batch:
            return counts
        last_id = batch[-1].booking_id
        asked = await _requests_sent(ctx, [b.booking_id for b in batch])
        for item in batch:
            requested_at = asked.get(item.booking_id)
            if requested_at is None:
                if ctx.now >= item.completed_at + cfg.review_request_after:
                    counts["requested"] += await _ask_once(ctx, item.booking_id, REQUEST)
            elif ctx.now >= requested_at + cfg.review_reminder_after:
                counts["reminded"] += await _ask_once(ctx, item.booking_id, REMINDER)
        if len(batch) < ctx.batch:
            return counts


async def _unreviewed(ctx: SweepContext, *, after_id: int) -> list[Unreviewed]:
    """Completed bookings within the asking window that have no review, by id."""
    oldest = ctx.now - ctx.config.review_give_up_after
    async with ctx.uows() as uow:
        session = await read_only(uow.session)
        rows = (
            await session.execute(
                select(Booking.id, BookingTransition.at)
                .join(BookingTransition, BookingTransition.booking_id == Booking.id)
                .outerjoin(Review, Review.booking_id == Booking.id)
                .where(
                    Booking.state == COMPLETED,
                    BookingTransition.target == COMPLETED,
                    BookingTransition.at > oldest,
                    Review.id.is_(None),
                    Booking.id > after_id,
                )
                .order_by(Booking.id)
                .limit(ctx.batch)
            )
        ).all()
    return [Unreviewed(booking_id, at) for booking_id, at in rows]


async def _requests_sent(ctx: SweepContext, booking_ids: list[int]) -> dict[int, datetime]:
    """When each booking's request went into the outbox, where it did (one query)."""
    keys = {key(REQUEST, booking_id): booking_id for booking_id in booking_ids}
    async with ctx.uows() as uow:
        session = await read_only(uow.session)
        rows = await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
                OutboxMessage.dedupe_key.in_(list(keys))
            )
        )
        return {keys[k]: created_at for k, created_at in rows if k in keys}


async def _ask_once(ctx: SweepContext, booking_id: int, kind: str) -> int:
    """Queue the request or the reminder; 1 if queued, 0 if reviewed or asked meanwhile.

    The booking row is locked first, as a review takes it: a review being written is
    seen, and a twin run waits and then finds the dedupe key.
    """
    dedupe = key(kind, booking_id)
    async with ctx.uows() as uow:
        session = uow.session
        booking = await session.get(Booking, booking_id, with_for_update=True)
        if booking is None or booking.state != COMPLETED:
            return 0
        if await review_of_booking(session, booking_id) is not None:
            return 0
        if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe)):
            return 0
        enqueue(
            session,
            kind=kind,
            user_id=booking.client_id,
            now=ctx.now,
            payload={"booking_id": booking_id, "audience": "client"},
            dedupe_key=dedupe,
        )
        await uow.commit()
        return 1


SWEEPS = (
    Sweep(
        "review-requests",
        # Often: a sandbox or chat user who just completed a booking is asked soon.
        timedelta(minutes=5),
        ask_for_reviews,
        "ask clients to review completed bookings, then remind once",
    ),
)
