"""Load a provider's calendar and a service's occupancy for the availability rules."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Select, and_, bindparam, false, or_, select
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
from core.booking.terms import ServiceLike
from core.db.tables import (
    Blackout,
    Booking,
    BusyInterval,
    Provider,
    Service,
    SlotHold,
    WeeklyRule,
)


def service_rules(service: ServiceLike, minutes: int | None = None) -> ServiceRules:
    """The service's booking rules; ``minutes`` is the length the client chose for an
    hourly service (``core.booking.duration``), else the service's own."""
    return ServiceRules(
        duration_minutes=booked_minutes(service, minutes),
        days=service.days,
        daily_capacity=service.daily_capacity,
        min_notice=timedelta(hours=service.min_notice_hours),
        buffer=timedelta(minutes=service.buffer_minutes),
    )


# The statements below are built once, as the search's are (core/catalog/search.py): they
# are read on every booking step, and building a statement and its cache key cost more
# than running it (~0.1 ms of ~0.17 ms a read, measured); only the values change. They
# name the tables' columns, not the mapped classes' attributes: a statement of the ORM's
# goes through its own compilation and result set-up even when it selects plain columns,
# which cost a fifth of these reads (bench/free_dates.py); the rows are the same.
_WR = WeeklyRule.__table__.c
_BO = Blackout.__table__.c
_BI = BusyInterval.__table__.c
_SH = SlotHold.__table__.c
_BK = Booking.__table__.c
_SV = Service.__table__.c
_RULES = select(_WR.weekday, _WR.start, _WR.end).where(_WR.provider_id == bindparam("provider"))
_BLACKOUTS = select(_BO.day).where(
    _BO.provider_id == bindparam("provider"),
    _BO.day.between(bindparam("first"), bindparam("last")),
)
_BUSY = select(_BI.starts_at, _BI.ends_at).where(
    _BI.provider_id == bindparam("provider"),
    _BI.starts_at < bindparam("hi"),
    _BI.ends_at > bindparam("lo"),
)


def read_calendar(
    conn: Connection, provider_id: int, timezone: str, first: date, last: date
) -> ProviderCalendar:
    """Rules, blackouts and imported busy time touching the local days first..last."""
    tz = ZoneInfo(timezone)
    rules = conn.execute(_RULES, {"provider": provider_id}).all()
    days = {"provider": provider_id, "first": first, "last": last}
    blackouts = conn.scalars(_BLACKOUTS, days).all()
    lo, hi = busy_bounds(first, last, tz)
    busy = conn.execute(_BUSY, {"provider": provider_id, "lo": lo, "hi": hi}).all()
    return ProviderCalendar(
        tz=tz,
        windows=tuple(WeeklyWindow(r.weekday, r.start, r.end) for r in rules),
        blackouts=frozenset(blackouts),
        busy=tuple(Interval(s, e) for s, e in busy if e > s),
        span=(first, last),
    )


async def load_calendar(
    session: AsyncSession, provider: Provider, first: date, last: date
) -> ProviderCalendar:
    """`read_calendar` in the session's transaction (its reads in one go: one switch to
    SQLAlchemy's greenlet, not one per statement)."""
    provider_id, timezone = provider.id, provider.timezone
    return await session.run_sync(
        lambda s: read_calendar(s.connection(), provider_id, timezone, first, last)
    )


async def provider_calendar(
    session: AsyncSession, provider_id: int, first: date, last: date
) -> ProviderCalendar | None:
    """The provider's calendar for first..last, or None if there is no such provider."""
    provider = await session.get(Provider, provider_id)
    return None if provider is None else await load_calendar(session, provider, first, last)


@cache
def _occupancy(
    excluding: bool, team: bool
) -> tuple[Select[date, int], Select[datetime, datetime, bool, bool]]:
    """The seats held on a service's days, and the provider's bookings that hold time
    around them; ``excluding``: but for one booking's (``bindparam("booking")``); ``team``:
    the service is one of a one-event-a-day provider's (capacity 1)."""
    own_holds = (_SH.booking_id != bindparam("booking"),) if excluding else ()
    own_booking = (_BK.id != bindparam("booking"),) if excluding else ()
    seats = select(_SH.day, _SH.seat).where(
        _SH.service_id == bindparam("service"),
        _SH.day.between(bindparam("first"), bindparam("last")),
        *own_holds,
    )
    # Only the bookings that take time from this service come back: hourly ones (any
    # service of the provider), and, for a one-event-a-day provider, its other services'
    # capacity-1 bookings, full day or hourly, as the same team works them. A full-day
    # booking of the service itself holds its seats, counted above: a busy provider's
    # months of them are not read and parsed again.
    hourly = _SV.duration_minutes.is_not(None)
    same_team = (
        and_(_BK.service_id != bindparam("service"), _SV.daily_capacity == 1) if team else false()
    )
    bookings = (
        select(
            _BK.starts_at,
            _BK.ends_at,
            hourly.label("hourly"),
            same_team.label("same_team"),
        )
        .join(Service.__table__, _SV.id == _BK.service_id)
        .where(
            _BK.provider_id == bindparam("provider"),
            *own_booking,
            _BK.state.in_(HOLDING_STATES),
            _BK.event_date.between(bindparam("day_before"), bindparam("day_after")),
            or_(hourly, same_team),
        )
    )
    return seats, bookings


def read_occupancy(
    conn: Connection,
    service: ServiceLike,
    first: date,
    last: date,
    *,
    exclude_booking: int | None = None,
) -> Occupancy:
    """``exclude_booking``: a booking being moved does not stand in its own way."""
    seats_held, holding = _occupancy(exclude_booking is not None, service.daily_capacity == 1)
    values = {"booking": exclude_booking} if exclude_booking is not None else {}
    seats = conn.execute(
        seats_held, values | {"service": service.id, "first": first, "last": last}
    ).all()
    held: dict[date, set[int]] = {}
    for day, seat in seats:
        held.setdefault(day, set()).add(seat)
    around = {"day_before": first - timedelta(days=1), "day_after": last + timedelta(days=1)}
    rows = conn.execute(
        holding, values | around | {"provider": service.provider_id, "service": service.id}
    ).all()
    return Occupancy(
        seats_taken={day: len(taken) for day, taken in held.items()},
        held_seats=held,
        hourly_bookings=tuple(Interval(r.starts_at, r.ends_at) for r in rows if r.hourly),
        other_services=tuple(Interval(r.starts_at, r.ends_at) for r in rows if r.same_team),
    )


async def load_occupancy(
    session: AsyncSession,
    service: ServiceLike,
    first: date,
    last: date,
    *,
    exclude_booking: int | None = None,
) -> Occupancy:
    """`read_occupancy` in the session's transaction, in one go."""
    return await session.run_sync(
        lambda s: read_occupancy(
            s.connection(), service, first, last, exclude_booking=exclude_booking
        )
    )


_SEATS = select(_SH.seat).where(_SH.service_id == bindparam("service"), _SH.day == bindparam("day"))


async def taken_seats(session: AsyncSession, service_id: int, day: date) -> set[int]:
    rows = await session.scalars(_SEATS, {"service": service_id, "day": day})
    return set(rows.all())
