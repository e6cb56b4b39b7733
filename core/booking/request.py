"""RequestBooking: validate, price, and hold the slot — the database has the last word."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.availability import (
    MAX_DAYS_AHEAD,
    Interval,
    Occupancy,
    check_horizon,
    check_slot,
    make_slot,
)
from core.booking.calendar_data import load_calendar, load_occupancy, service_rules
from core.booking.duration import booked_minutes
from core.booking.quote import PricingModel, Quote, check_guests, make_quote
from core.booking.states import Action, BookingState, Role
from core.catalog.vocabulary import CITIES, EVENT_TYPES, MARKET_TZ
from core.db.engine import attach_written
from core.db.tables import Booking, BookingTransition, Provider, Service, SlotHold
from core.db.tables_catalog import ProviderCity, ProviderStatus
from core.deadlines import Deadlines
from core.errors import InvalidValue, NotFound, SlotUnavailable
from core.events import BookingRequested
from core.money import Money
from core.uow import WRITES_FOR_PROVIDER, UnitOfWork

REQUEST_TTL = Deadlines().request_ttl  # the default; settings may change it
# Built once: the statement, not only its compiled form, costs to build (calendar_data.py).
_BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
_HOLDS: Table = SlotHold.__table__  # type: ignore[assignment]
_TRANSITIONS: Table = BookingTransition.__table__  # type: ignore[assignment]
_CITIES: Table = ProviderCity.__table__  # type: ignore[assignment]
_NEW_BOOKING = insert(_BOOKINGS).returning(_BOOKINGS.c.id)
_NEW_HOLD = insert(_HOLDS)
_NEW_TRANSITION = insert(_TRANSITIONS)
_SERVES = select(_CITIES.c.city).where(
    _CITIES.c.provider_id == bindparam("provider"), _CITIES.c.city == bindparam("city")
)


@dataclass(frozen=True, slots=True)
class RequestBooking:
    client_id: int
    service_id: int
    event_type: str
    day: date
    start_time: time | None = None
    guests: int | None = None
    city: str = ""
    venue: str = ""
    notes: str = ""
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    source: str | None = None  # the deep link's source that led here (attribution)
    minutes: int | None = None  # how long, for a service priced by the hour


def quote_of(service: Service, guests: int | None, minutes: int | None = None) -> Quote:
    """The price a request for ``service`` would get (for summaries): the same figures
    ``request_booking`` records, since both compute them here."""
    return make_quote(
        model=PricingModel(service.pricing_model),
        unit_price=Money(service.price_minor, service.currency),
        deposit_bp=service.deposit_bp,
        guests=guests,
        minutes=booked_minutes(service, minutes),
        days=service.days,
    )


async def request_booking(
    uow: UnitOfWork, cmd: RequestBooking, *, now: datetime, max_days_ahead: int = MAX_DAYS_AHEAD
) -> Booking:
    """Create a ``requested`` booking holding its seats; raise SlotUnavailable if taken."""
    check_horizon(cmd.day, now.astimezone(MARKET_TZ).date(), max_days_ahead)
    session = uow.session
    service = await _active_service(uow, cmd.service_id)
    # Serialise requests per provider (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE), and
    # check its status under that lock: a suspension committed a moment ago is seen.
    provider = await session.scalar(
        select(Provider).where(Provider.id == service.provider_id).with_for_update()
    )
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        raise NotFound("provider_not_available", service_id=cmd.service_id)
    await _validate(uow, cmd, service, provider)
    rules = service_rules(service, cmd.minutes)
    calendar = await load_calendar(session, provider, cmd.day, cmd.day + timedelta(rules.days))
    slot = make_slot(cmd.day, cmd.start_time, rules, calendar.tz)
    occupancy = await load_occupancy(session, service, slot.held_days[0], slot.held_days[-1])
    check_slot(slot, rules, calendar, occupancy, now=now)
    quote = quote_of(service, cmd.guests, cmd.minutes)
    seats = [
        {"provider_id": provider.id, "service_id": service.id, "day": day, "seat": seat}
        for day, seat in _free_seats(slot.held_days, occupancy, service.daily_capacity)
    ]
    expires_at = min(now + uow.deadlines.request_ttl, slot.interval.start)
    row = _booking_row(cmd, provider.id, slot.interval, quote, expires_at=expires_at, now=now)
    return await _write(uow, row, seats, now=now)


def _free_seats(
    days: Sequence[date], occupancy: Occupancy, capacity: int
) -> list[tuple[date, int]]:
    """A seat for each day, as read in this transaction; a seat taken since is refused by
    the unique key when written (slot_taken)."""
    seats = []
    for day in days:
        seat = occupancy.free_seat(day, capacity)
        if seat is None:
            raise SlotUnavailable("slot_fully_booked", day=day.isoformat())
        seats.append((day, seat))
    return seats


def _booking_row(
    cmd: RequestBooking,
    provider_id: int,
    interval: Interval,
    quote: Quote,
    *,
    expires_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Every column of the new booking (the row is then the session's as written)."""
    return {
        "reference": _reference(),
        "client_id": cmd.client_id,
        "provider_id": provider_id,
        "service_id": cmd.service_id,
        "state": BookingState.REQUESTED,
        "event_type": cmd.event_type,
        "event_date": cmd.day,
        "starts_at": interval.start,
        "ends_at": interval.end,
        "guests": cmd.guests,
        "city": cmd.city,
        "venue": cmd.venue.strip()[:300],
        "notes": cmd.notes.strip()[:2000],
        "contact_name": cmd.contact_name,
        "contact_phone": cmd.contact_phone,
        "contact_email": cmd.contact_email,
        "currency": quote.total.currency,
        "total_minor": quote.total.amount,
        "deposit_minor": quote.deposit.amount,
        "balance_minor": quote.balance.amount,
        "quote": quote.as_dict(),
        "paid_minor": 0,
        "refunded_minor": 0,
        "decline_reason": None,
        "expires_at": expires_at,
        "delivery_confirmed_at": None,
        "source": cmd.source[:64] if cmd.source else None,
        "created_at": now,
        "updated_at": now,
    }


async def _write(
    uow: UnitOfWork, row: dict[str, Any], seats: list[dict[str, Any]], *, now: datetime
) -> Booking:
    """The booking, its seats and its first transition, with the news of it.

    Three plain INSERTs rather than the ORM's flushes of three new objects: they cost a
    request about a fifth of its CPU less (bench/README.md), and it is the busiest write
    of all. Tagged with the provider, so that caches drop this provider's reads only
    (core/uow.py), as they do for the ORM's writes."""
    session, tagged = uow.session, {WRITES_FOR_PROVIDER: row["provider_id"]}
    try:
        booking_id = await session.scalar(_NEW_BOOKING, row, execution_options=tagged)
        held = [seat | {"booking_id": booking_id} for seat in seats]
        await session.execute(_NEW_HOLD, held, execution_options=tagged)
    except IntegrityError as exc:  # another request took the seat first
        raise SlotUnavailable("slot_taken", day=row["event_date"].isoformat()) from exc
    first = {
        "booking_id": booking_id,
        "source": None,
        "target": BookingState.REQUESTED.value,
        "action": "request",
        "actor_role": Role.CLIENT.value,
        "actor_user_id": row["client_id"],
        "reason": None,
        "at": now,
    }
    await session.execute(_NEW_TRANSITION, first, execution_options=tagged)
    booking = attach_written(session, Booking(id=booking_id, **row))
    uow.record(BookingRequested(booking.id))
    return booking


async def _active_service(uow: UnitOfWork, service_id: int) -> Service:
    # FOR SHARE (PostgreSQL): a provider deleting or pausing this service at the same moment
    # (core/catalog/service_editor.py locks the row FOR UPDATE) either waits for this request,
    # and then counts it, or commits first, and then this read sees the service gone.
    service = await uow.session.get(Service, service_id, with_for_update={"read": True})
    if service is None or not service.active:
        raise NotFound("service_not_found", service_id=service_id)
    return service


async def _validate(
    uow: UnitOfWork, cmd: RequestBooking, service: Service, provider: Provider
) -> None:
    if cmd.event_type not in EVENT_TYPES:
        raise InvalidValue("unknown_event_type", event_type=cmd.event_type)
    if cmd.city not in CITIES:
        raise InvalidValue("unknown_city", city=cmd.city)
    serves = await uow.session.scalar(_SERVES, {"provider": provider.id, "city": cmd.city})
    if serves is None:
        raise InvalidValue("provider_not_in_city", city=cmd.city)
    if cmd.guests is not None:
        check_guests(cmd.guests)
    if service.pricing_model == PricingModel.PER_GUEST.value and cmd.guests is None:
        raise InvalidValue("guests_required")
    if cmd.guests is not None and service.min_guests and cmd.guests < service.min_guests:
        raise InvalidValue("guests_below_minimum", guests=cmd.guests, min=service.min_guests)
    if cmd.guests is not None and service.max_guests and cmd.guests > service.max_guests:
        raise InvalidValue("guests_above_maximum", guests=cmd.guests, max=service.max_guests)
    if service.duration_minutes is not None and cmd.start_time is None:
        raise InvalidValue("start_time_required")


def _reference() -> str:
    # Unambiguous letters and digits; uniqueness is the column's job.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "MSB-" + "".join(secrets.choice(alphabet) for _ in range(7))


async def has_booked(session: AsyncSession, client_id: int, service_id: int) -> bool:
    """Whether this client ever requested this service, whatever became of it."""
    found = await session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.client_id == client_id, Booking.service_id == service_id)
    )
    return bool(found)


__all__ = ["Action", "RequestBooking", "has_booked", "quote_of", "request_booking"]
