"""Load a provider's calendar and a service's occupancy for the availability rules."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import (
    Interval,
    Occupancy,
    ProviderCalendar,
    ServiceRules,
    WeeklyWindow,
    busy_bounds,
)
from core.booking.duration import booked_minutes
from core.booking.states import HOLDING_STATES
from core.db.tables import (
    Blackout,
    Booking,
    BusyInterval,
    Provider,
    Service,
    SlotHold,
    WeeklyRule,
)


def service_rules(service: Service, minutes: int | None = None) -> ServiceRules:
    """The service's booking rules; ``minutes`` is the length the client chose for an
    hourly service (``core.booking.duration``), else the service's own."""
    return ServiceRules(
        duration_minutes=booked_minutes(service, minutes),
        days=service.days,
        daily_capacity=service.daily_capacity,
        min_notice=timedelta(hours=service.min_notice_hours),
        buffer=timedelta(minutes=service.buffer_minutes),
    )


async def load_calendar(
    session: AsyncSession, provider: Provider, first: date, last: date
) -> ProviderCalendar:
    """Rules, blackouts and imported busy time touching the local days first..last."""
    tz = ZoneInfo(provider.timezone)
    rules = (
        await session.scalars(select(WeeklyRule).where(WeeklyRule.provider_id == provider.id))
    ).all()
    blackouts = (
        await session.scalars(
            select(Blackout.day).where(
                Blackout.provider_id == provider.id, Blackout.day.between(first, last)
            )
        )
    ).all()
    lo, hi = busy_bounds(first, last, tz)
    busy = (
        await session.execute(
            select(BusyInterval.starts_at, BusyInterval.ends_at).where(
                BusyInterval.provider_id == provider.id,
                BusyInterval.starts_at < hi,
                BusyInterval.ends_at > lo,
            )
        )
    ).all()
    return ProviderCalendar(
        tz=tz,
        windows=tuple(WeeklyWindow(r.weekday, r.start, r.end) for r in rules),
        blackouts=frozenset(blackouts),
        busy=tuple(Interval(s, e) for s, e in busy if e > s),
        span=(first, last),
    )


async def provider_calendar(
    session: AsyncSession, provider_id: int, first: date, last: date
) -> ProviderCalendar | None:
    """The provider's calendar for first..last, or None if there is no such provider."""
    provider = await session.get(Provider, provider_id)
    return None if provider is None else await load_calendar(session, provider, first, last)


async def load_occupancy(
    session: AsyncSession,
    service: Service,
    first: date,
    last: date,
    *,
    exclude_booking: int | None = None,
) -> Occupancy:
    """``exclude_booking``: a booking being moved does not stand in its own way."""
    own_holds = () if exclude_booking is None else (SlotHold.booking_id != exclude_booking,)
    own_booking = () if exclude_booking is None else (Booking.id != exclude_booking,)
    seats = (
        await session.scalars(
            select(SlotHold.day).where(
                SlotHold.service_id == service.id, SlotHold.day.between(first, last), *own_holds
            )
        )
    ).all()
    rows = (
        await session.execute(
            select(
                Booking.starts_at,
                Booking.ends_at,
                Booking.service_id,
                Service.duration_minutes,
                Service.daily_capacity,
            )
            .join(Service, Service.id == Booking.service_id)
            .where(
                Booking.provider_id == service.provider_id,
                *own_booking,
                Booking.state.in_(HOLDING_STATES),
                Booking.event_date.between(first - timedelta(days=1), last + timedelta(days=1)),
            )
        )
    ).all()
    return Occupancy(
        seats_taken=Counter(seats),
        hourly_bookings=tuple(
            Interval(r.starts_at, r.ends_at) for r in rows if r.duration_minutes is not None
        ),
        # One-event-a-day providers (capacity 1) are one team: their other services'
        # bookings take the same time, full day or hourly.
        other_services=tuple(
            Interval(r.starts_at, r.ends_at)
            for r in rows
            if r.service_id != service.id and r.daily_capacity == 1 and service.daily_capacity == 1
        ),
    )


async def taken_seats(session: AsyncSession, service_id: int, day: date) -> set[int]:
    rows = await session.scalars(
        select(SlotHold.seat).where(SlotHold.service_id == service_id, SlotHold.day == day)
    )
    return set(rows.all())
