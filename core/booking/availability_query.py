"""Availability questions asked by the dialogs: next free dates, free start times."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import (
    MAX_DAYS_AHEAD,
    Occupancy,
    ProviderCalendar,
    check_horizon,
    check_slot,
    is_free,
    make_slot,
    next_free_dates,
)
from core.booking.calendar_data import load_calendar, load_occupancy, service_rules
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import Provider, Service
from core.errors import NotFound

HORIZON_DAYS = 180


def kept_calendar_span(today: date) -> tuple[date, date]:
    """The days a provider's calendar kept in memory is read for (dialogs/framework/
    reads.py): what the free dates ask, and the dates chosen from them. A question about
    other days reads their calendar."""
    return today - timedelta(days=2), today + timedelta(days=HORIZON_DAYS + 40)


async def _calendar(
    session: AsyncSession,
    service: Service,
    first: date,
    last: date,
    kept: ProviderCalendar | None,
) -> ProviderCalendar:
    """The calendar for first..last: cut from ``kept`` (the provider's, read earlier for
    more days) when it covers them, else read."""
    if kept is not None and kept.covers(first, last):
        return kept.within(first, last)
    provider = await session.get(Provider, service.provider_id)
    if provider is None:
        raise NotFound("provider_not_available")
    return await load_calendar(session, provider, first, last)


async def upcoming_free_dates(
    session: AsyncSession,
    service: Service,
    *,
    now: datetime,
    count: int = 5,
    calendar: ProviderCalendar | None = None,
) -> list[date]:
    """``calendar``, in these functions: the provider's, kept from an earlier read; the
    seats and bookings (occupancy) are read each time."""
    rules = service_rules(service)
    first = now.date() - timedelta(days=1)
    last = first + timedelta(days=HORIZON_DAYS + rules.days + 1)
    calendar = await _calendar(session, service, first, last, calendar)
    occupancy = await load_occupancy(session, service, first, last)
    return next_free_dates(
        rules, calendar, occupancy, now=now, count=count, horizon_days=HORIZON_DAYS
    )


async def check_day(
    session: AsyncSession,
    service: Service,
    day: date,
    start: time | None,
    *,
    now: datetime,
    max_days_ahead: int = MAX_DAYS_AHEAD,
    minutes: int | None = None,
    calendar: ProviderCalendar | None = None,
) -> None:
    """Raise SlotUnavailable with the reason this day (and time, and length) can't be booked."""
    check_horizon(day, now.astimezone(MARKET_TZ).date(), max_days_ahead)
    rules = service_rules(service, minutes)
    calendar = await _calendar(session, service, day, day + timedelta(days=rules.days), calendar)
    occupancy = await load_occupancy(
        session, service, day - timedelta(days=1), day + timedelta(days=rules.days)
    )
    if start is None and not rules.full_day:
        if not free_start_times(
            service, day, calendar=calendar, occupancy=occupancy, now=now, minutes=minutes
        ):
            check_slot(
                make_slot(day, _first_start(calendar, day), rules, calendar.tz),
                rules,
                calendar,
                occupancy,
                now=now,
            )
        return
    check_slot(make_slot(day, start, rules, calendar.tz), rules, calendar, occupancy, now=now)


async def free_times(
    session: AsyncSession,
    service: Service,
    day: date,
    *,
    now: datetime,
    minutes: int | None = None,
    calendar: ProviderCalendar | None = None,
) -> list[time]:
    calendar = await _calendar(session, service, day, day + timedelta(days=1), calendar)
    occupancy = await load_occupancy(
        session, service, day - timedelta(days=1), day + timedelta(days=1)
    )
    return free_start_times(
        service, day, calendar=calendar, occupancy=occupancy, now=now, minutes=minutes
    )


def free_start_times(
    service: Service,
    day: date,
    *,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    now: datetime,
    step_minutes: int = 30,
    minutes: int | None = None,
) -> list[time]:
    """Every half hour inside the day's windows at which the service (for ``minutes``) fits."""
    rules = service_rules(service, minutes)
    found: list[time] = []
    for window in calendar.open_on(day):
        bounds = window.bounds(day, calendar.tz)
        at = bounds.start
        while at < bounds.end:
            local = at.astimezone(calendar.tz).time()
            slot = make_slot(day, local, rules, calendar.tz)
            if is_free(slot, rules, calendar, occupancy, now=now) and local not in found:
                found.append(local)
            at += timedelta(minutes=step_minutes)
    return sorted(found)


def _first_start(calendar: ProviderCalendar, day: date) -> time:
    windows = calendar.open_on(day)
    return windows[0].start if windows else time(0)
