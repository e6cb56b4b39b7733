"""Is a slot free, and which are the next free dates: pure functions, no I/O.

Every instant is aware; rules are read in the provider's zone and instants compared in
UTC, so a clock change (Africa/Casablanca around Ramadan) shifts nothing by an hour.
Full-day events hold each local day they cover; hourly events hold the day they start
on, even when they run past midnight, and must fit a weekly window of that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import InvalidValue, SlotUnavailable

# How far ahead a date can be booked, by default (a setting may change it): a date past
# it is a typo ("2126") or a test of our limits ("31/12/9999"), never a real event.
MAX_DAYS_AHEAD = 730


def beyond_horizon(day: date, today: date, max_days_ahead: int) -> bool:
    return (day - today).days > max_days_ahead


def check_horizon(day: date, today: date, max_days_ahead: int) -> None:
    """Refuse a date past the booking horizon, before any date arithmetic can overflow."""
    if beyond_horizon(day, today, max_days_ahead):
        raise SlotUnavailable("slot_too_far", day=day.isoformat(), max_days=max_days_ahead)


@dataclass(frozen=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise InvalidValue("naive_datetime")
        if self.end <= self.start:
            raise InvalidValue("empty_interval")

    def overlaps(self, other: Interval, pad: timedelta = timedelta(0)) -> bool:
        return self.start < other.end + pad and other.start < self.end + pad


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """Opening hours on one weekday (0 = Monday); ``end <= start`` runs past midnight."""

    weekday: int
    start: time
    end: time

    def bounds(self, day: date, tz: ZoneInfo) -> Interval:
        start = local_instant(day, self.start, tz)
        end_day = day + timedelta(days=1) if self.end <= self.start else day
        return Interval(start, local_instant(end_day, self.end, tz))


@dataclass(frozen=True, slots=True)
class ServiceRules:
    duration_minutes: int | None  # None: full day(s)
    days: int = 1
    daily_capacity: int = 1
    min_notice: timedelta = timedelta(hours=24)
    buffer: timedelta = timedelta(0)

    @property
    def full_day(self) -> bool:
        return self.duration_minutes is None


@dataclass(frozen=True, slots=True)
class ProviderCalendar:
    tz: ZoneInfo
    windows: tuple[WeeklyWindow, ...]
    blackouts: frozenset[date] = frozenset()
    busy: tuple[Interval, ...] = ()
    # The local days first..last its blackouts and busy time were read for (None: all).
    span: tuple[date, date] | None = None
    # The windows of each weekday, Monday first: the free dates ask it of every day ahead.
    _weekdays: tuple[tuple[WeeklyWindow, ...], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_day = tuple(tuple(w for w in self.windows if w.weekday == d) for d in range(7))
        object.__setattr__(self, "_weekdays", by_day)

    def open_on(self, day: date) -> tuple[WeeklyWindow, ...]:
        return self._weekdays[day.weekday()]

    def covers(self, first: date, last: date) -> bool:
        return self.span is None or (self.span[0] <= first and last <= self.span[1])

    def within(self, first: date, last: date) -> ProviderCalendar:
        """The same calendar read for first..last only, as a fresh read would give it: a
        calendar kept for months answers a question about days with the busy time of those
        days (every slot is checked against each interval)."""
        if not self.covers(first, last):
            raise ValueError("the calendar was not read for those days")
        lo, hi = busy_bounds(first, last, self.tz)
        return ProviderCalendar(
            tz=self.tz,
            windows=self.windows,
            blackouts=frozenset(d for d in self.blackouts if first <= d <= last),
            busy=tuple(b for b in self.busy if b.start < hi and b.end > lo),
            span=(first, last),
        )


@dataclass(frozen=True, slots=True)
class Occupancy:
    """What is already held: seats per local day for this service, and the provider's
    hourly bookings (any service) that a new hourly booking must not overlap."""

    seats_taken: Mapping[date, int] = field(default_factory=dict)
    hourly_bookings: tuple[Interval, ...] = ()
    other_services: tuple[Interval, ...] = ()  # same team, another service: no overlap
    # Which seats those are, where read (calendar_data.load_occupancy): a request takes
    # the lowest free one without reading them again.
    held_seats: Mapping[date, AbstractSet[int]] = field(default_factory=dict)

    def free_seat(self, day: date, capacity: int) -> int | None:
        """The lowest of the day's ``capacity`` seats nobody held when read, or None."""
        held = self.held_seats.get(day, ())
        return next((seat for seat in range(capacity) if seat not in held), None)


@dataclass(frozen=True, slots=True)
class Slot:
    day: date
    start_time: time | None  # None for a full-day service
    interval: Interval
    held_days: tuple[date, ...]


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time; a time skipped by a clock change moves on."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    # Round-trip detects a non-existent wall time (spring forward) and normalises it.
    return aware.astimezone(UTC).astimezone(tz).astimezone(UTC)


def busy_bounds(first: date, last: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants whose busy time can touch the local days first..last: from the
    midnight before, as an hourly event may run past midnight, to the one after next."""
    midnight = time(0)
    return (
        local_instant(first - timedelta(days=1), midnight, tz),
        local_instant(last + timedelta(days=2), midnight, tz),
    )


def held_days(day: date, rules: ServiceRules) -> tuple[date, ...]:
    """The local days a slot starting on ``day`` holds, whatever its start time."""
    if rules.full_day and rules.days > 1:
        return tuple(day + timedelta(days=i) for i in range(rules.days))
    return (day,)


def make_slot(day: date, start_time: time | None, rules: ServiceRules, tz: ZoneInfo) -> Slot:
    if rules.full_day:
        start = local_instant(day, time(0), tz)
        end = local_instant(day + timedelta(days=rules.days), time(0), tz)
        return Slot(day, None, Interval(start, end), held_days(day, rules))
    if start_time is None:
        raise InvalidValue("start_time_required")
    assert rules.duration_minutes is not None
    start = local_instant(day, start_time, tz)
    end = start + timedelta(minutes=rules.duration_minutes)
    return Slot(day, start_time, Interval(start, end), held_days(day, rules))


def check_slot(
    slot: Slot,
    rules: ServiceRules,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    *,
    now: datetime,
) -> None:
    """Raise ``SlotUnavailable`` with the first reason the slot can't be booked."""
    refused = slot_refusal(slot, rules, calendar, occupancy, now=now)
    if refused is not None:
        reason, day = refused
        # The notice goes with every refusal: "too soon" is only clear with how soon.
        notice_hours = int(rules.min_notice / timedelta(hours=1))
        raise SlotUnavailable(reason, day=day.isoformat(), notice_hours=notice_hours)


def is_free(
    slot: Slot,
    rules: ServiceRules,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    *,
    now: datetime,
) -> bool:
    return slot_refusal(slot, rules, calendar, occupancy, now=now) is None


def slot_refusal(
    slot: Slot,
    rules: ServiceRules,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    *,
    now: datetime,
) -> tuple[str, date] | None:
    """The first reason the slot can't be booked (a message key) and the day it concerns,
    or None when it is free. Returned, not raised: the free dates ask it of every day of
    the horizon, and most days of a busy provider are refused."""
    if slot.interval.start < now + rules.min_notice:
        return "slot_too_soon", slot.day
    for day in slot.held_days:
        reason = _day_refusal(day, rules, calendar, occupancy)
        if reason is not None:
            return reason, day
    if not rules.full_day and not any(
        _contains(w.bounds(slot.day, calendar.tz), slot.interval)
        for w in calendar.open_on(slot.day)
    ):
        return "slot_outside_hours", slot.day
    if any(slot.interval.overlaps(b, rules.buffer) for b in calendar.busy):
        return "slot_calendar_busy", slot.day
    if not rules.full_day and any(
        slot.interval.overlaps(b, rules.buffer) for b in occupancy.hourly_bookings
    ):
        return "slot_overlaps_booking", slot.day
    if any(slot.interval.overlaps(b, rules.buffer) for b in occupancy.other_services):
        return "slot_overlaps_booking", slot.day
    return None


def _day_refusal(
    day: date, rules: ServiceRules, calendar: ProviderCalendar, occupancy: Occupancy
) -> str | None:
    """Why no slot holding ``day`` can be booked, whatever its time, or None."""
    if day in calendar.blackouts:
        return "slot_blackout"
    if not calendar.open_on(day):
        return "slot_closed_day"
    if occupancy.seats_taken.get(day, 0) >= rules.daily_capacity:
        return "slot_fully_booked"
    return None


def next_free_dates(
    rules: ServiceRules,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    *,
    now: datetime,
    count: int = 5,
    horizon_days: int = 180,
) -> list[date]:
    """The next ``count`` local days with room, within ``horizon_days`` from today."""
    today = now.astimezone(calendar.tz).date()
    found: list[date] = []
    for day in (today + timedelta(days=i) for i in range(horizon_days + 1)):
        # Every slot starting on this day holds the same days: one of them closed or full
        # refuses them all, without the instants of each start (a busy provider's horizon
        # is mostly such days).
        if any(_day_refusal(held, rules, calendar, occupancy) for held in held_days(day, rules)):
            continue
        if any(
            _day_has_room(day, start, rules, calendar, occupancy, now)
            for start in _candidate_starts(day, rules, calendar)
        ):
            found.append(day)
            if len(found) >= count:
                break
    return found


def _candidate_starts(
    day: date, rules: ServiceRules, calendar: ProviderCalendar
) -> Iterable[time | None]:
    if rules.full_day:
        return (None,)
    # The first start of each window, then every half hour: enough to say "a slot exists".
    starts: list[time] = []
    for w in calendar.open_on(day):
        bounds = w.bounds(day, calendar.tz)
        t = bounds.start
        while t < bounds.end:
            starts.append(t.astimezone(calendar.tz).time())
            t += timedelta(minutes=30)
    return starts


def _day_has_room(
    day: date,
    start: time | None,
    rules: ServiceRules,
    calendar: ProviderCalendar,
    occupancy: Occupancy,
    now: datetime,
) -> bool:
    slot = make_slot(day, start, rules, calendar.tz)
    return is_free(slot, rules, calendar, occupancy, now=now)


def _contains(outer: Interval, inner: Interval) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end
