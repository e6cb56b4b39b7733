"""A booking request's checks and writes, in one go: plain statements on one connection,
synchronous, the database having the last word on every seat.

It is the only way a request is written. `request_booking` (request.py) runs it in a step's
transaction, in one switch to SQLAlchemy's greenlet rather than one per statement; it
writes the booking, its seats, its first transition and the provider's news, about a dozen
statements, and through the ORM's objects and flushes they cost several times what they
do here (bench/README.md).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.booking.availability import Interval, Occupancy, check_horizon, check_slot, make_slot
from core.booking.calendar_data import read_calendar, read_occupancy, service_rules
from core.booking.duration import booked_minutes
from core.booking.news import notices_of
from core.booking.quote import PricingModel, Quote, check_guests, make_quote
from core.booking.states import BookingState, Role
from core.booking.terms import TERMS, ServiceLike, ServiceTerms
from core.catalog.vocabulary import CITIES, EVENT_TYPES, MARKET_TZ
from core.db.tables import Booking, BookingTransition, Provider, SlotHold, User
from core.db.tables_catalog import ProviderCity, ProviderStatus
from core.errors import InvalidValue, NotFound, SlotUnavailable
from core.events import BookingRequested
from core.money import Money
from core.notifications.outbox import insert_notices
from core.people.users import KeptContact, keep_contact
from core.uow import Committed

# The tables a request writes, for what caches them (`UnitOfWork.note_written`).
WRITTEN = frozenset({"bookings", "slot_holds", "booking_transitions", "outbox"})

_BOOKINGS: Table = Booking.__table__  # type: ignore[assignment]
_HOLDS: Table = SlotHold.__table__  # type: ignore[assignment]
_TRANSITIONS: Table = BookingTransition.__table__  # type: ignore[assignment]
_CITIES: Table = ProviderCity.__table__  # type: ignore[assignment]
_PROVIDERS: Table = Provider.__table__  # type: ignore[assignment]
_USERS: Table = User.__table__  # type: ignore[assignment]
# Built once: the statement, not only its compiled form, costs to build (calendar_data.py).
# FOR SHARE (PostgreSQL): a provider deleting or pausing this service at the same moment
# (core/catalog/service_editor.py locks the row FOR UPDATE) either waits for this request,
# and then counts it, or commits first, and then this read sees the service gone.
_SERVICE = TERMS.with_for_update(read=True)
# Requests are serialised per provider (PostgreSQL's row lock; SQLite's BEGIN IMMEDIATE),
# and its status is checked under that lock: a suspension committed a moment ago is seen.
_PROVIDER = (
    select(_PROVIDERS.c.id, _PROVIDERS.c.user_id, _PROVIDERS.c.status, _PROVIDERS.c.timezone)
    .where(_PROVIDERS.c.id == bindparam("provider"))
    .with_for_update()
)
_SERVES = select(_CITIES.c.city).where(
    _CITIES.c.provider_id == bindparam("provider"), _CITIES.c.city == bindparam("city")
)
# Blocked by an admin: a process's memory of the user may be older than that (the chat
# journal's requests run on it: core/conversations/chat_memory.py, IDENTITY_TTL).
_BLOCKED = select(_USERS.c.blocked).where(_USERS.c.id == bindparam("client"))
_NEW_BOOKING = insert(_BOOKINGS).returning(_BOOKINGS.c.id)
_NEW_TRANSITION = insert(_TRANSITIONS)

# A booking's reference: "MSB-" and seven of these (no 0/O, 1/I: read aloud, typed back).
REFERENCE_PREFIX = "MSB-"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 7
# As people quote one: "MSB-36E7BXG", "msb-36e7bxg", "MSB 36E7BXG", "MSB36E7BXG".
NAMED_REFERENCE = re.compile(
    rf"\b{REFERENCE_PREFIX.rstrip('-')}[-\s]?([{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}})\b",
    re.IGNORECASE,
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
    # What the form leaves on the client's account for the next booking.
    kept: KeptContact = field(default_factory=KeptContact)


@dataclass(frozen=True, slots=True)
class Requested:
    booking: Booking  # as written: an object of no session (`attach_written`)
    written: Committed  # what it wrote, for caches of reads


def quote_of(service: ServiceLike, guests: int | None, minutes: int | None = None) -> Quote:
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


def new_reference() -> str:
    # Unambiguous letters and digits; uniqueness is the column's job.
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return REFERENCE_PREFIX + code


def write_request(
    conn: Connection,
    cmd: RequestBooking,
    *,
    reference: str,
    now: datetime,
    ttl: timedelta,
    max_days_ahead: int,
) -> Requested:
    """Write a ``requested`` booking holding its seats, the provider's news of it, and what
    the form leaves on the client's account; raise a DomainError (nothing of it kept by
    the caller's savepoint) if it can't be."""
    check_horizon(cmd.day, now.astimezone(MARKET_TZ).date(), max_days_ahead)
    _check_form(cmd)
    if conn.execute(_BLOCKED, {"client": cmd.client_id}).scalar():
        raise InvalidValue("action_not_allowed_for_role")
    found = conn.execute(_SERVICE, {"service": cmd.service_id}).first()
    service = ServiceTerms.of(found) if found is not None else None
    if service is None or not service.active:
        raise NotFound("service_not_found", service_id=cmd.service_id)
    provider = conn.execute(_PROVIDER, {"provider": service.provider_id}).first()
    if provider is None or provider.status != ProviderStatus.ACTIVE.value:
        raise NotFound("provider_not_available", service_id=cmd.service_id)
    _check_service(conn, cmd, service)
    rules = service_rules(service, cmd.minutes)
    last = cmd.day + timedelta(rules.days)
    calendar = read_calendar(conn, provider.id, provider.timezone, cmd.day, last)
    slot = make_slot(cmd.day, cmd.start_time, rules, calendar.tz)
    occupancy = read_occupancy(conn, service, slot.held_days[0], slot.held_days[-1])
    check_slot(slot, rules, calendar, occupancy, now=now)
    seats = _free_seats(slot.held_days, occupancy, service.daily_capacity)
    quote = quote_of(service, cmd.guests, cmd.minutes)
    expires_at = min(now + ttl, slot.interval.start)
    row = _booking_row(cmd, reference, provider.id, slot.interval, quote, expires_at, now)
    booking_id: int = conn.execute(_NEW_BOOKING, row).scalar_one()
    _hold(conn, booking_id, provider.id, service.id, seats)
    conn.execute(_NEW_TRANSITION, _first_transition(booking_id, cmd.client_id, now))
    booking = Booking(id=booking_id, **row)
    insert_notices(conn, notices_of(BookingRequested(booking_id), booking, provider.user_id))
    kept = keep_contact(conn, cmd.client_id, cmd.kept)
    return Requested(booking, _written(provider.id, cmd.client_id if kept else None))


def _written(provider_id: int, user_changed: int | None) -> Committed:
    """The provider's rows; the client's user, if the form left anything on it."""
    users = {"users": frozenset({user_changed})} if user_changed is not None else {}
    return Committed(
        dict.fromkeys(WRITTEN) | users,
        dict.fromkeys(WRITTEN, frozenset({provider_id})),
    )


def request_later(
    cmd: RequestBooking, *, reference: str, now: datetime, ttl: timedelta, max_days_ahead: int
) -> Callable[[Connection], Committed]:
    """The request as a write to make in someone else's transaction (the chat journal's
    batch: core/conversations/journal.py, ``ChatWrite.extra``): what it wrote, for caches."""
    return lambda conn: (
        write_request(
            conn, cmd, reference=reference, now=now, ttl=ttl, max_days_ahead=max_days_ahead
        ).written
    )


def _check_form(cmd: RequestBooking) -> None:
    """What the request says, whatever the service."""
    if cmd.event_type not in EVENT_TYPES:
        raise InvalidValue("unknown_event_type", event_type=cmd.event_type)
    if cmd.city not in CITIES:
        raise InvalidValue("unknown_city", city=cmd.city)
    if cmd.guests is not None:
        check_guests(cmd.guests)


def _check_service(conn: Connection, cmd: RequestBooking, service: ServiceTerms) -> None:
    """What the request asks of this service and its provider."""
    if conn.execute(_SERVES, {"provider": service.provider_id, "city": cmd.city}).first() is None:
        raise InvalidValue("provider_not_in_city", city=cmd.city)
    if service.pricing_model == PricingModel.PER_GUEST.value and cmd.guests is None:
        raise InvalidValue("guests_required")
    if cmd.guests is not None and service.min_guests and cmd.guests < service.min_guests:
        raise InvalidValue("guests_below_minimum", guests=cmd.guests, min=service.min_guests)
    if cmd.guests is not None and service.max_guests and cmd.guests > service.max_guests:
        raise InvalidValue("guests_above_maximum", guests=cmd.guests, max=service.max_guests)
    if service.duration_minutes is not None and cmd.start_time is None:
        raise InvalidValue("start_time_required")


def _free_seats(
    days: Sequence[date], occupancy: Occupancy, capacity: int
) -> list[tuple[date, int]]:
    """A seat for each day, the lowest free as read in this transaction."""
    seats = []
    for day in days:
        seat = occupancy.free_seat(day, capacity)
        if seat is None:
            raise SlotUnavailable("slot_fully_booked", day=day.isoformat())
        seats.append((day, seat))
    return seats


def _hold(
    conn: Connection,
    booking_id: int,
    provider_id: int,
    service_id: int,
    seats: list[tuple[date, int]],
) -> None:
    """The seats, unless another request took one since it was read: then its unique key
    keeps that one out, and the request is refused (slot_taken), its caller's savepoint
    taking the booking back. No error is raised by the database: on PostgreSQL an error
    would end the whole transaction, the chat journal's other chats with it."""
    rows = [
        {"booking_id": booking_id, "provider_id": provider_id, "service_id": service_id}
        | {"day": day, "seat": seat}
        for day, seat in seats
    ]
    held = conn.execute(_new_holds(conn, rows)).all()
    if len(held) < len(seats):
        raise SlotUnavailable("slot_taken", day=seats[0][0].isoformat())


def _new_holds(conn: Connection, rows: list[dict[str, Any]]) -> Insert:
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return (
        dialect_insert(_HOLDS)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["service_id", "day", "seat"])
        .returning(_HOLDS.c.id)
    )


def _first_transition(booking_id: int, client_id: int, now: datetime) -> dict[str, Any]:
    return {
        "booking_id": booking_id,
        "source": None,
        "target": BookingState.REQUESTED.value,
        "action": "request",
        "actor_role": Role.CLIENT.value,
        "actor_user_id": client_id,
        "reason": None,
        "at": now,
    }


def _booking_row(
    cmd: RequestBooking,
    reference: str,
    provider_id: int,
    interval: Interval,
    quote: Quote,
    expires_at: datetime,
    now: datetime,
) -> dict[str, Any]:
    """Every column of the new booking (so that the row is whole as written)."""
    return {
        "reference": reference,
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
