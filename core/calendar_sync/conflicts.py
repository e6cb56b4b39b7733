"""Imported busy time against bookings: flag the clashes, refuse an accept that would clash.

A clash found at refresh time is a problem already made (the client was promised that
time): an admin flag and a message to the provider, once per booking. A clash found when
the provider accepts a request is one we can still avoid: the accept is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from core.booking.availability import Interval
from core.booking.states import BookingState
from core.db.tables import Booking, BusyInterval, OutboxMessage, Provider, Service
from core.notifications.outbox import enqueue
from core.scheduling.flags import flag_once
from core.uow import UnitOfWork

# Bookings the provider said yes to: a clash with one of them is a promise at risk.
PROMISED = (BookingState.ACCEPTED.value, BookingState.CONFIRMED.value)
CONFLICT_KIND = "calendar_conflict"  # the flag's kind and the provider's message kind


@dataclass(frozen=True, slots=True)
class Conflict:
    booking_id: int
    reference: str
    starts_at: datetime


async def report_conflicts(
    uow: UnitOfWork, provider: Provider, busy: list[Interval], *, now: datetime
) -> list[Conflict]:
    """Upcoming promised bookings that ``busy`` overlaps: flagged, and the provider told."""
    if not busy:
        return []
    session = uow.session
    bookings = (
        await session.scalars(
            select(Booking)
            .where(
                Booking.provider_id == provider.id,
                Booking.state.in_(PROMISED),
                Booking.ends_at > now,
                Booking.starts_at < busy[-1].end,
            )
            .order_by(Booking.starts_at, Booking.id)
        )
    ).all()
    found: list[Conflict] = []
    for booking in bookings:
        taken = Interval(booking.starts_at, booking.ends_at)
        clash = next((b for b in busy if taken.overlaps(b)), None)
        if clash is None:
            continue
        found.append(Conflict(booking.id, booking.reference, booking.starts_at))
        await flag_once(
            uow,
            kind=CONFLICT_KIND,
            subject_type="booking",
            subject_id=booking.id,
            now=now,
            details={
                "provider_id": provider.id,
                "reference": booking.reference,
                "busy_from": clash.start.isoformat(),
                "busy_until": clash.end.isoformat(),
            },
        )
        await _tell_provider_once(uow, provider, booking, now=now)
    return found


async def _tell_provider_once(
    uow: UnitOfWork, provider: Provider, booking: Booking, *, now: datetime
) -> None:
    key = f"{CONFLICT_KIND}:{booking.id}"
    if await uow.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return
    enqueue(
        uow.session,
        kind=CONFLICT_KIND,
        user_id=provider.user_id,
        payload={"booking_id": booking.id, "audience": "provider"},
        now=now,
        dedupe_key=key,
    )


async def busy_at_booking(uow: UnitOfWork, booking: Booking) -> bool:
    """Whether busy time overlaps the booking's time (with its service's buffer, as when
    it was requested)."""
    session = uow.session
    service = await session.get(Service, booking.service_id)
    pad = service.buffer_minutes if service else 0
    found = await session.scalar(
        BUSY_OVERLAPPING, busy_span(booking.provider_id, booking.starts_at, booking.ends_at, pad)
    )
    return found is not None


# A busy interval of the provider's overlapping a time (`busy_span`'s values); built once:
# a provider's answer written in one go asks it too (core/booking/provider_answer.py).
BUSY_OVERLAPPING = (
    select(BusyInterval.id)
    .where(
        BusyInterval.provider_id == bindparam("provider"),
        BusyInterval.starts_at < bindparam("until"),
        BusyInterval.ends_at > bindparam("since"),
    )
    .limit(1)
)


def busy_span(
    provider_id: int, starts_at: datetime, ends_at: datetime, buffer_minutes: int
) -> dict[str, Any]:
    """`BUSY_OVERLAPPING`'s values: the time widened by the service's buffer."""
    pad = timedelta(minutes=buffer_minutes)
    return {"provider": provider_id, "since": starts_at - pad, "until": ends_at + pad}
