"""SQL building blocks of the catalog search: which services match a query, what they
cost for it, and "free that day" as subqueries correlated with a ``services`` row.

Expressions carry named bind parameters instead of values, so a statement built once
per *shape* (which filters are set) serves every query of that shape; ``parameters``
computes the values. Building the SQLAlchemy expression costs more than running it.

Price (integer minor units, the same arithmetic as ``core.booking.quote.make_quote``):
``fixed`` is ``price * days``; ``per_guest`` is ``price * guests``, with
``DEFAULT_GUESTS`` (100, a mid-sized Moroccan celebration) when the client has not said
how many; ``per_hour`` is ``price * minutes * days / 60`` rounded half up.

"Free that day" approximates ``core.booking.availability.check_slot`` for the first day
a service would hold, the local day being read in the market zone (Africa/Casablanca):

- seats: ``slot_holds`` for the service and day < ``daily_capacity`` (exact);
- a one-event-a-day provider (capacity 1): no other service of theirs holds the day
  with a full-day booking, nor at all when this service is full-day (exact for
  full-day services; two hourly services sharing a day are left to the booking check);
- the day is no blackout of the provider and the provider works that weekday (exact);
- full-day services: no imported busy interval overlaps the local day (exact but for
  the buffer); hourly services: none covers the whole local day (looser);
- notice: a full-day service needs the day's start at least ``min_notice`` away
  (exact); an hourly one needs the day's end at least that far (looser).

Not checked here, and left to the booking-time check: an hourly slot's fit within the
opening hours, its overlap with other hourly bookings, buffers, and the second and
later days of multi-day services. So the search may show a provider that turns out
taken at booking time for those reasons, but never one whose every matching service is
full, blacked out, closed or out of notice that day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeAlias

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlalchemy.orm.util import AliasedClass

from core.booking.availability import local_instant
from core.booking.quote import PricingModel
from core.catalog.vocabulary import MARKET_TZ
from core.db.tables import (
    Blackout,
    BusyInterval,
    Provider,
    ProviderCity,
    Service,
    SlotHold,
    WeeklyRule,
)

DEFAULT_GUESTS = 100

# The search reads ``services`` twice (all matches, then the page's cheapest): an alias.
ServiceRef: TypeAlias = type[Service] | AliasedClass[Service]

_MARKET_TZ = MARKET_TZ


@dataclass(frozen=True)
class Shape:
    """Which service filters a query sets; the values travel as bind parameters."""

    category: bool = False
    city: bool = False
    guests: bool = False
    budget: bool = False
    day: bool = False
    style: bool = False


def matching(svc: ServiceRef, shape: Shape) -> list[ColumnElement[bool]]:
    """Conditions on a ``services`` row: active and passing every filter of ``shape``.

    A service that cannot be priced (NULL, bad data) passes here; the caller drops it by
    its price, which costs one evaluation of the price per row instead of two.
    """
    price = quoted_price(svc)
    conditions: list[ColumnElement[bool]] = [svc.active == true()]
    if shape.category:
        conditions.append(svc.category == bindparam("category"))
    if shape.guests:
        conditions.append(admits_guests(svc))
    if shape.budget:
        conditions.append(price <= bindparam("budget", type_=BigInteger))
    if shape.city:
        # IN rather than EXISTS: SQLite then drives the search from the city index.
        in_city = select(ProviderCity.provider_id).where(ProviderCity.city == bindparam("city"))
        conditions.append(svc.provider_id.in_(in_city))
    if shape.day:
        conditions.extend(free_on_day(svc))
    if shape.style:
        conditions.append(svc.style == bindparam("style"))
    return conditions


def candidates(
    shape: Shape, provider_ok: list[ColumnElement[bool]], *, fence: bool
) -> tuple[ServiceRef, list[ColumnElement[bool]]]:
    """The services to search, and the conditions left to test on them and their
    provider (``provider_ok``, on ``providers``, which the caller joins).

    With a day, the services passing every other filter, their provider's included, are
    set apart first (on PostgreSQL a MATERIALIZED common table expression), and the day
    is tested on those. Why: PostgreSQL cannot estimate the day's tests (a subquery
    counts as a fixed share), so with them among the rest it expected a dozen services
    where there were hundreds, and joined the city's providers to them by a nested loop
    over every pair (70 ms). Set apart, those joins are planned from the columns'
    statistics, and what joins the set later (the providers, by key) has no filter to
    misjudge. SQLite needs no fence (``fence=False``): its planner does not weigh
    joins by estimated rows that way, and the flat join is its fastest (measured).
    """
    if not (shape.day and fence):
        return Service, [*matching(Service, shape), *provider_ok]
    pool = (
        select(*(getattr(Service, name) for name in _POOL_COLUMNS))
        .where(
            *matching(Service, replace(shape, day=False)),
            Service.provider_id.in_(select(Provider.id).where(*provider_ok)),
        )
        .cte("candidate_services")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    svc = aliased(Service, pool)
    return svc, free_on_day(svc)


# What quoted_price and free_on_day read of a candidate service.
_POOL_COLUMNS = (
    "id",
    "provider_id",
    "pricing_model",
    "price_minor",
    "duration_minutes",
    "days",
    "daily_capacity",
    "min_notice_hours",
)


def parameters(
    *,
    category: str | None,
    city: str | None,
    guests: int | None,
    budget_minor: int | None,
    day: date | None,
    now: datetime,
    style: str | None = None,
) -> dict[str, Any]:
    """Values for the bind parameters of ``matching``; unused ones are harmless."""
    values: dict[str, Any] = {
        "category": category,
        "city": city,
        "guests": guests,
        "price_guests": DEFAULT_GUESTS if guests is None else guests,
        "budget": budget_minor,
        "style": style,
    }
    if day is not None:
        start = local_instant(day, time(0), _MARKET_TZ)
        end = local_instant(day + timedelta(days=1), time(0), _MARKET_TZ)
        values |= {
            "day": day,
            "weekday": day.weekday(),
            "day_start": start,
            "day_end": end,
            # Computed here so the SQL needs no interval arithmetic (it differs per backend).
            "hours_to_start": _whole_hours(start - now),
            "hours_to_end": _whole_hours(end - now),
        }
    return values


def quoted_price(svc: ServiceRef) -> ColumnElement[int]:
    """A service's total for the ``price_guests`` parameter; NULL when unpriceable."""
    # BIGINT: price * guests easily passes 2**31 minor units on PostgreSQL's INTEGER.
    unit = cast(svc.price_minor, BigInteger)
    minutes = svc.duration_minutes * svc.days
    return case(
        (svc.pricing_model == PricingModel.FIXED.value, unit * svc.days),
        (
            svc.pricing_model == PricingModel.PER_GUEST.value,
            unit * bindparam("price_guests", type_=BigInteger),
        ),
        # round_half_up(unit * minutes, 60) == (2 * unit * minutes + 60) // 120
        (
            svc.pricing_model == PricingModel.PER_HOUR.value,
            (unit * minutes * 2 + 60) // 120,
        ),
        else_=null(),
    )


def admits_guests(svc: ServiceRef) -> ColumnElement[bool]:
    """The service's guest range admits ``guests``; 0 or NULL bounds mean "no bound".

    Reads the bounds exactly as the booking validation does, so the search never hides
    a service that a booking would accept.
    """
    guests = bindparam("guests", type_=BigInteger)
    # Column against value, not COALESCE(column): PostgreSQL then estimates these from
    # the column's histogram instead of a fixed third, which kept its row counts sane.
    return and_(
        or_(svc.min_guests.is_(None), svc.min_guests <= guests),
        or_(svc.max_guests.is_(None), svc.max_guests == 0, svc.max_guests >= guests),
    )


def free_on_day(svc: ServiceRef) -> list[ColumnElement[bool]]:
    """Conditions on a ``services`` row meaning "can probably take the ``day``"."""
    day = bindparam("day", type_=SlotHold.day.type)
    start = bindparam("day_start", type_=BusyInterval.starts_at.type)
    end = bindparam("day_end", type_=BusyInterval.starts_at.type)
    # The day's holds and blackouts, each read once per query as a set (a hashed subplan
    # on PostgreSQL, an ephemeral index on SQLite), so a candidate service costs a lookup
    # in memory; the exact count and the team test run only for the few that the day's
    # holds concern.
    held_services = select(SlotHold.service_id).where(SlotHold.day == day)
    held_providers = select(SlotHold.provider_id).where(SlotHold.day == day)
    blacked_out = select(Blackout.provider_id).where(Blackout.day == day)
    seats_taken = (
        select(func.count())
        .where(SlotHold.service_id == svc.id, SlotHold.day == day)
        .scalar_subquery()
    )
    seat_free = or_(svc.id.not_in(held_services), seats_taken < svc.daily_capacity)
    team_free = ~and_(
        svc.daily_capacity == 1, svc.provider_id.in_(held_providers), _team_busy(svc, day)
    )
    works = exists().where(
        WeeklyRule.provider_id == svc.provider_id, WeeklyRule.weekday == bindparam("weekday")
    )
    busy = exists().where(
        BusyInterval.provider_id == svc.provider_id,
        BusyInterval.starts_at < end,
        BusyInterval.ends_at > start,
        or_(
            svc.duration_minutes.is_(None),
            and_(BusyInterval.starts_at <= start, BusyInterval.ends_at >= end),
        ),
    )
    # now + notice <= start  <=>  notice (whole hours) <= whole hours from now to start;
    # an hourly service needs only the day's end that far. Column against value, for
    # the estimates (see admits_guests).
    notice_ok = or_(
        svc.min_notice_hours <= bindparam("hours_to_start", type_=BigInteger),
        and_(
            svc.duration_minutes.is_not(None),
            svc.min_notice_hours <= bindparam("hours_to_end", type_=BigInteger),
        ),
    )
    return [
        notice_ok,
        seat_free,
        svc.provider_id.not_in(blacked_out),
        works,
        ~busy,
        team_free,
    ]


def _team_busy(svc: ServiceRef, day: Any) -> ColumnElement[bool]:
    """Another service of a one-event-a-day provider holds the day in a way that leaves
    this one no time: a full-day booking, or any booking when this service is full-day.

    The same team does every service of a provider of capacity 1
    (``core.booking.calendar_data.load_occupancy``); two hourly services of that team
    may still share a day, which the booking-time check settles.
    """
    other = aliased(Service, name="team_service")
    return exists().where(
        SlotHold.provider_id == svc.provider_id,
        SlotHold.day == day,
        SlotHold.service_id == other.id,
        other.id != svc.id,
        other.daily_capacity == 1,
        svc.daily_capacity == 1,
        or_(svc.duration_minutes.is_(None), other.duration_minutes.is_(None)),
    )


def _whole_hours(delta: timedelta) -> int:
    # Floor division, also for negative deltas: for an integer n of hours, n hours <= delta
    # exactly when n <= floor(delta / 1 h).
    return delta // timedelta(hours=1)
